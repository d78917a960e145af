package bench

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestLoadGeneratorSmoke runs each load mode for a fraction of a second
// against an in-process server (the real scenarios run in aimodels-bench).
func TestLoadGeneratorSmoke(t *testing.T) {
	bare := &BareResponse{Header: http.Header{"Content-Type": {"application/json"}}, Plain: []byte(`{"text":[]}`), Gzip: []byte("gz")}
	ts := httptest.NewServer(BareHandler(bare))
	defer ts.Close()
	c := NewClient(4)
	ctx := context.Background()

	tg := &Target{Name: "bare", Method: "GET", URL: ts.URL, Header: http.Header{"Accept-Encoding": {"gzip"}}}
	r := Closed(ctx, c, tg, 4, 200*time.Millisecond, 500)
	if r.Errors != 0 || r.OK == 0 || r.OK > 500 {
		t.Fatalf("closed: ok %d errors %d (%v)", r.OK, r.Errors, r.FirstErr)
	}
	if r.BodyBytes != int64(r.OK*len(bare.Gzip)) {
		t.Fatalf("gzip body not served: %d bytes for %d requests", r.BodyBytes, r.OK)
	}
	if r.Pct(0.5) <= 0 || r.Pct(0.99) < r.Pct(0.5) {
		t.Fatalf("percentiles p50 %v p99 %v", r.Pct(0.5), r.Pct(0.99))
	}

	o := Open(ctx, c, &Target{Name: "plain", Method: "GET", URL: ts.URL}, 200, 250*time.Millisecond, 64)
	if o.OK != 50 || o.Errors != 0 || o.Dropped != 0 {
		t.Fatalf("open: ok %d errors %d dropped %d, want 50 0 0", o.OK, o.Errors, o.Dropped)
	}
	if o.BodyBytes != int64(o.OK*len(bare.Plain)) {
		t.Fatalf("plain body not served")
	}
	if m := Merge(r, o); m.OK != r.OK+o.OK || len(m.Latencies) != m.OK {
		t.Fatalf("merge: %d", m.OK)
	}
}

func TestFirstEvent(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, ": PROCESSING\n\n")
		w.(http.Flusher).Flush()
		time.Sleep(20 * time.Millisecond)
		_, _ = io.WriteString(w, "data: {}\n\n")
		w.(http.Flusher).Flush()
		time.Sleep(30 * time.Millisecond)
		_, _ = io.WriteString(w, "data: [DONE]\n\n")
	}))
	defer ts.Close()
	lat, n, err := Do(context.Background(), NewClient(1), &Target{Name: "sse", Method: "POST", URL: ts.URL, FirstEvent: true})
	if err != nil {
		t.Fatal(err)
	}
	if lat < 20*time.Millisecond || lat >= 50*time.Millisecond || n == 0 {
		t.Fatalf("first event after %v (%d bytes), want 20–50ms", lat, n)
	}
}

func TestPercentile(t *testing.T) {
	s := []time.Duration{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	for _, tc := range []struct {
		p    float64
		want time.Duration
	}{{0.5, 5}, {0.99, 10}, {0.1, 1}, {0, 1}, {1, 10}} {
		if got := Percentile(s, tc.p); got != tc.want {
			t.Errorf("Percentile(%v) = %v, want %v", tc.p, got, tc.want)
		}
	}
	if Percentile(nil, 0.5) != 0 {
		t.Error("empty")
	}
}
