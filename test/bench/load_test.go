package bench

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/iotest"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// countingServer serves h and counts the requests it answered and the
// most it had in flight at once.
type countingServer struct {
	*httptest.Server
	n, inFlight, peak atomic.Int64
}

func newCountingServer(h http.Handler) *countingServer {
	s := &countingServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cur := s.inFlight.Add(1)
		defer s.inFlight.Add(-1)
		for p := s.peak.Load(); cur > p && !s.peak.CompareAndSwap(p, cur); p = s.peak.Load() {
		}
		s.n.Add(1)
		h.ServeHTTP(w, r)
	}))
	return s
}

func checkResult(t *testing.T, what string, r *Result) {
	t.Helper()
	if r.Errors != 0 || r.OK == 0 || r.Requests() != r.OK || int(r.Metrics.Requests) != r.OK {
		t.Fatalf("%s: ok %d errors %d, vegeta counted %d (%s)", what, r.OK, r.Errors, r.Metrics.Requests, r.FirstErr)
	}
	p50, p99 := r.Pct(.5), r.Pct(.99)
	if p50 <= 0 || p99 < p50 || r.Metrics.Latencies.Max < p99 || r.Metrics.Latencies.Min > p50 {
		t.Fatalf("%s: min %v p50 %v p99 %v max %v", what, r.Metrics.Latencies.Min, p50, p99, r.Metrics.Latencies.Max)
	}
	if r.Elapsed <= 0 || r.RPS() <= 0 {
		t.Fatalf("%s: elapsed %v, %v req/s", what, r.Elapsed, r.RPS())
	}
}

// TestAttackClosedLoop runs the closed loop for a fraction of a second
// against an in-process server (the real scenarios run in
// aimodels-bench): every request is counted once, at most Conns are in
// flight, and the merged result holds both phases.
func TestAttackClosedLoop(t *testing.T) {
	bare := &BareResponse{Header: http.Header{"Content-Type": {"application/json"}}, Plain: []byte(`{"text":[]}`), Gzip: []byte("gz")}
	ts := newCountingServer(BareHandler(bare))
	defer ts.Close()
	tg := &Target{Name: "bare", Target: vegeta.Target{Method: "GET", URL: ts.URL, Header: http.Header{"Accept-Encoding": {"gzip"}}}}
	merged := &Result{Target: tg.Name}
	c := NewClient(4)
	var total int
	for i := range 2 {
		r := Attack(context.Background(), c, tg, Load{Conns: 4}, 150*time.Millisecond, merged)
		checkResult(t, "closed", r)
		total += r.OK
		if int(ts.n.Load()) != total {
			t.Fatalf("phase %d: server answered %d, client counted %d", i, ts.n.Load(), total)
		}
	}
	if p := ts.peak.Load(); p > 4 {
		t.Fatalf("closed loop of 4 workers had %d requests in flight", p)
	}
	merged.Close()
	checkResult(t, "merged", merged)
	if merged.OK != total {
		t.Fatalf("merged %d of %d", merged.OK, total)
	}
}

// TestAttackOpenLoop checks that the open loop never sends more than
// rate × duration requests (vegeta may send one more at the very end), and
// that every one it counts reached the server. On a loaded machine the
// pacer may fall a few behind, so fewer is not a failure.
func TestAttackOpenLoop(t *testing.T) {
	ts := newCountingServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "{}") }))
	defer ts.Close()
	tg := &Target{Name: "plain", Target: vegeta.Target{Method: "POST", URL: ts.URL, Body: []byte(`{"a":1}`)}, PID: os.Getpid()}
	r := Attack(context.Background(), NewClient(16), tg, Load{Rate: 200}, 250*time.Millisecond, nil)
	checkResult(t, "open", r)
	if r.OK < 1 || r.OK > 51 || int(ts.n.Load()) != r.OK {
		t.Fatalf("open loop at 200/s for 250ms: %d ok, server saw %d; want at most 51, all seen", r.OK, ts.n.Load())
	}
	if r.CPU < 0 || r.CPU%clockTick != 0 {
		t.Fatalf("CPU %v: not a whole number of clock ticks", r.CPU)
	}
}

func TestAttackCountsErrors(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", http.StatusTeapot) }))
	defer ts.Close()
	tg := &Target{Name: "teapot", Target: vegeta.Target{Method: "GET", URL: ts.URL}}
	r := Attack(context.Background(), NewClient(2), tg, Load{Conns: 2}, 50*time.Millisecond, nil)
	if r.OK != 0 || r.Errors == 0 || !strings.Contains(r.FirstErr, "418") {
		t.Fatalf("ok %d errors %d first %q", r.OK, r.Errors, r.FirstErr)
	}
}

func TestBareHandler(t *testing.T) {
	bare := &BareResponse{Header: http.Header{"Content-Type": {"application/json"}}, Plain: []byte(`{"text":[]}`), Gzip: []byte("gz")}
	for _, tc := range []struct{ accept, enc, body string }{{"gzip", "gzip", "gz"}, {"identity", "", `{"text":[]}`}} {
		w := httptest.NewRecorder()
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Accept-Encoding", tc.accept)
		BareHandler(bare).ServeHTTP(w, r)
		if w.Header().Get("Content-Encoding") != tc.enc || w.Body.String() != tc.body || w.Header().Get("Content-Type") != "application/json" {
			t.Fatalf("Accept-Encoding %s: %v %q", tc.accept, w.Header(), w.Body)
		}
	}
}

// sse writes a comment, then after first a data event, then after rest
// the end of the stream: the delays are the figures measured.
func sse(first, rest time.Duration, data bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, ": PROCESSING\n\n")
		w.(http.Flusher).Flush()
		time.Sleep(first)
		if data {
			_, _ = io.WriteString(w, "data: {}\n\n")
			w.(http.Flusher).Flush()
		}
		time.Sleep(rest)
		_, _ = io.WriteString(w, "event: end\n\n")
	})
}

func TestFirstEvent(t *testing.T) {
	ts := httptest.NewServer(sse(20*time.Millisecond, 30*time.Millisecond, true))
	defer ts.Close()
	tg := &Target{Name: "sse", Target: vegeta.Target{Method: "POST", URL: ts.URL}, FirstEvent: true}
	r := Attack(context.Background(), NewClient(4), tg, Load{Rate: 40}, 100*time.Millisecond, nil)
	checkResult(t, "stream", r)
	if lo, hi := r.Metrics.Latencies.Min, r.Metrics.Latencies.Max; lo < 20*time.Millisecond || hi >= 50*time.Millisecond {
		t.Fatalf("first event after %v to %v, want 20–50ms", lo, hi)
	}

	none := httptest.NewServer(sse(0, 0, false))
	defer none.Close()
	tg.URL = none.URL
	r = Attack(context.Background(), NewClient(4), tg, Load{Conns: 1}, 30*time.Millisecond, nil)
	if r.OK != 0 || r.Errors == 0 || !strings.Contains(r.FirstErr, "no data event") {
		t.Fatalf("stream without data: ok %d errors %d first %q", r.OK, r.Errors, r.FirstErr)
	}
}

func TestEventWatcher(t *testing.T) {
	for _, tc := range []struct {
		in   string
		seen bool
	}{
		{"data: {}\n", true},
		{": PROCESSING\n\ndata: {}\n", true},
		{": data: no\nxdata: no\nevent: data:\n", false},
		{"dat\ndata", false},
		{"dat\ndata:", true},
	} {
		var mu sync.Mutex
		n := 0
		w := &eventWatcher{ReadCloser: io.NopCloser(iotest.OneByteReader(strings.NewReader(tc.in))), seen: func(time.Time) { mu.Lock(); n++; mu.Unlock() }}
		b, err := io.ReadAll(w)
		if err != nil || !bytes.Equal(b, []byte(tc.in)) {
			t.Fatalf("%q: read %q, %v", tc.in, b, err)
		}
		if (n == 1) != tc.seen || n > 1 {
			t.Errorf("%q: seen %d times, want %v", tc.in, n, tc.seen)
		}
	}
}

// TestReadCPU spins until the process's CPU time moves and checks that
// it moved by whole clock ticks.
func TestReadCPU(t *testing.T) {
	pid := os.Getpid()
	start, err := readCPU(pid)
	if err != nil {
		t.Fatal(err)
	}
	now := start
	for deadline := time.Now().Add(3 * time.Second); now == start && time.Now().Before(deadline); {
		if now, err = readCPU(pid); err != nil {
			t.Fatal(err)
		}
	}
	if now <= start || (now-start)%clockTick != 0 {
		t.Fatalf("CPU %v then %v", start, now)
	}
	if c, err := readCPU(0); c != 0 || err != nil {
		t.Fatalf("pid 0: %v %v", c, err)
	}
}
