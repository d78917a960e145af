package e2e

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	of "github.com/aimodels/aimodels/test/openroutertest"
)

// bigCompletion is a valid chat completion of about n bytes, which the
// server passes through to its client unchanged.
func bigCompletion(n int) []byte {
	return fmt.Appendf(nil, `{"id":"gen-big","object":"chat.completion","created":1,"model":"openai/gpt-4o-mini",`+
		`"choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"%s"}}],`+
		`"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2,"cost":0}}`, strings.Repeat("x", n))
}

// TestNonReadingClientIsDropped: a client that asks for a big response
// and never reads it is dropped within the write timeout
// (AIMODELS_WRITE_TIMEOUT, 1 s here), while another client's /healthz
// stays fast.
//
// It failed before the write deadlines: nothing bounded a write, so the
// server held the connection, its goroutine and the kernel's buffers for
// as long as the client liked.
func TestNonReadingClientIsDropped(t *testing.T) {
	t.Parallel()
	needProcNet(t)
	const writeTimeout = time.Second
	fake := newFake(t)
	s := start(t, opts{upstream: fake.URL(), env: []string{"AIMODELS_WRITE_TIMEOUT=" + writeTimeout.String()}})
	s.storeKey(t, of.DefaultAPIKey)
	s.saveSelection(t, map[string]string{"text": "openai/gpt-4o-mini"})
	const size = 8 << 20
	fake.SetFault(of.RouteChat, of.Fault{Body: bigCompletion(size)})
	health := watchHealth(s.URL)

	c := dialSmallBuffer(t, hostPort(s.URL))
	body := []byte(`{"model":"text","messages":[{"role":"user","content":"a long answer, please"}]}`)
	writeRequest(t, c, "POST", "/api/v1/chat/completions", map[string]string{
		"Authorization": "Bearer " + adminToken, "Content-Type": "application/json",
		"Content-Length": fmt.Sprint(len(body)),
	}, body)
	// The answer starts once the upstream has answered.
	deadline := time.Now().Add(10 * time.Second)
	for fake.RequestCount(of.RouteChat) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the request never reached the upstream")
		}
		time.Sleep(10 * time.Millisecond)
	}
	begin := time.Now()
	closed := waitServerClosed(t, c, 10*writeTimeout)
	held := closed.Sub(begin)
	t.Logf("a client reading nothing of a %d MB answer was dropped %v after the upstream answered (write timeout %v)", size>>20, held.Round(time.Millisecond), writeTimeout)
	if held > 5*writeTimeout {
		t.Errorf("held %v, want within a few write timeouts (%v)", held, writeTimeout)
	}
	// What the client reads now is cut short: the server gave up.
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, _ := io.Copy(io.Discard, c)
	if n >= size {
		t.Errorf("the client read %d bytes after the drop, the whole answer", n)
	}
	health.check(t, time.Second)
	fake.ClearFaults()
	s.stop(t)
}

// TestTrickledUnauthenticatedBody: a PUT with a wrong token that declares
// a 100 kB body and trickles it gets its 401 at once, with
// "Connection: close", and the server closes the connection instead of
// waiting for the body.
//
// It failed before: net/http reads up to 256 kB of an unread body before it
// writes the response (to keep the connection), so the 401 waited for the
// whole trickle or the read timeout (123 s measured).
func TestTrickledUnauthenticatedBody(t *testing.T) {
	t.Parallel()
	fake := newFake(t)
	s := start(t, opts{upstream: fake.URL()})
	health := watchHealth(s.URL)
	c := dialFrom(t, "127.0.0.1", hostPort(s.URL))
	begin := time.Now()
	writeRequest(t, c, "PUT", "/api/v1/settings/api-keys/openrouter", map[string]string{
		"Authorization": "Bearer not-the-token", "Content-Type": "application/json", "Content-Length": "100000",
	}, []byte(`{"key":"`))
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // one byte every 100 ms, until the server hangs up
		defer wg.Done()
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				if _, err := c.Write([]byte("x")); err != nil {
					return
				}
			}
		}
	}()
	defer func() { close(stop); wg.Wait() }()

	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, &http.Request{Method: "PUT"})
	if err != nil {
		t.Fatalf("no response within 5 s of a trickled unauthenticated body: %v", err)
	}
	answered := time.Since(begin)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("status %d, want 401", resp.StatusCode)
	}
	if !resp.Close { // "Connection: close"
		t.Errorf("the 401 does not say Connection: close")
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	// Then the server hangs up: the next read ends.
	_, err = br.ReadByte()
	closedAfter := time.Since(begin)
	if err == nil {
		t.Errorf("the connection stays open after the 401")
	}
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Errorf("the server did not close the connection within 5 s of the 401")
	}
	t.Logf("trickled unauthenticated PUT: 401 after %v, connection closed after %v", answered.Round(time.Millisecond), closedAfter.Round(time.Millisecond))
	if answered > time.Second {
		t.Errorf("401 after %v, want it at once", answered)
	}
	health.check(t, time.Second)
	s.stop(t)
}

// streamUpstream stands in front of the fake OpenRouter: streamed chat
// completions get its own event streams (see ServeHTTP), everything else
// goes to the fake.
type streamUpstream struct {
	fake *httputil.ReverseProxy
	gone chan struct{} // closed when the client of an endless stream went away
	once sync.Once
}

// newStreamUpstream starts a streamUpstream in front of fake and returns
// it with its base URL (what AIMODELS_OPENROUTER_BASE_URL names).
func newStreamUpstream(t *testing.T, fake *of.Server) (*streamUpstream, string) {
	t.Helper()
	u, _ := url.Parse(fake.RootURL())
	su := &streamUpstream{fake: httputil.NewSingleHostReverseProxy(u), gone: make(chan struct{})}
	ts := httptest.NewServer(su)
	t.Cleanup(ts.Close)
	return su, ts.URL + of.APIPrefix
}

// chunk is one upstream SSE event of about 1 kB.
var chunk = []byte(`data: {"id":"gen-s","object":"chat.completion.chunk","model":"openai/gpt-4o-mini","choices":[{"index":0,"delta":{"content":"` +
	strings.Repeat("y", 1000) + `"}}]}` + "\n\n")

// ServeHTTP streams when the request asks for it: "endless" in the body
// streams events as fast as they are taken until the client goes away;
// "slow" sends 12 events 200 ms apart, with one pause of 1.5 s, then
// [DONE].
func (su *streamUpstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != "POST" || !strings.HasSuffix(r.URL.Path, "/chat/completions") {
		su.fake.ServeHTTP(w, r)
		return
	}
	body, _ := io.ReadAll(r.Body)
	if !bytes.Contains(body, []byte(`"stream":true`)) {
		r.Body = io.NopCloser(bytes.NewReader(body))
		su.fake.ServeHTTP(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(200)
	rc := http.NewResponseController(w)
	switch {
	case bytes.Contains(body, []byte("endless")):
		for {
			if _, err := w.Write(chunk); err != nil {
				break
			}
			if rc.Flush() != nil {
				break
			}
			if r.Context().Err() != nil {
				break
			}
		}
		<-r.Context().Done()
		su.once.Do(func() { close(su.gone) })
	case bytes.Contains(body, []byte("slow")):
		for i := range 12 {
			pause := 200 * time.Millisecond
			if i == 6 {
				pause = 1500 * time.Millisecond
			}
			select {
			case <-r.Context().Done():
				return
			case <-time.After(pause):
			}
			_, _ = w.Write(chunk)
			_ = rc.Flush()
		}
		_, _ = w.Write([]byte("data: [DONE]\n\n"))
	}
}

// TestStreamClientThatStopsReading: a client that stops reading an
// endless SSE stream is dropped within its per-event write deadline, and
// the upstream stream is closed with it; a client that reads a stream
// slower than the write timeout (events 200 ms apart, one pause of 1.5 s,
// 3.7 s in all, against a 1 s write timeout) gets all of it.
//
// The first half failed before the write deadlines: the stream went on
// until the request timeout (5 min by default) though nobody read it.
func TestStreamClientThatStopsReading(t *testing.T) {
	t.Parallel()
	needProcNet(t)
	const writeTimeout = time.Second
	fake := newFake(t)
	su, base := newStreamUpstream(t, fake)
	s := start(t, opts{upstream: base, env: []string{"AIMODELS_WRITE_TIMEOUT=" + writeTimeout.String()}})
	s.storeKey(t, of.DefaultAPIKey)
	s.saveSelection(t, map[string]string{"text": "openai/gpt-4o-mini"})
	health := watchHealth(s.URL)

	t.Run("slow reader gets the whole stream", func(t *testing.T) {
		body := []byte(`{"model":"text","stream":true,"messages":[{"role":"user","content":"slow"}]}`)
		hr, _ := http.NewRequest("POST", s.URL+"/api/v1/chat/completions", bytes.NewReader(body))
		hr.Header.Set("Authorization", "Bearer "+adminToken)
		hr.Header.Set("Content-Type", "application/json")
		begin := time.Now()
		resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(hr)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		got, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatalf("the stream broke after %v: %v", time.Since(begin), err)
		}
		if n := bytes.Count(got, []byte(`"delta"`)); n != 12 || !bytes.HasSuffix(got, []byte("data: [DONE]\n\n")) {
			t.Errorf("%d events and [DONE]=%v, want 12 and the end", n, bytes.HasSuffix(got, []byte("data: [DONE]\n\n")))
		}
		t.Logf("a %v stream through a %v write timeout: complete", time.Since(begin).Round(time.Millisecond), writeTimeout)
	})

	t.Run("a client that stops reading is dropped", func(t *testing.T) {
		c := dialSmallBuffer(t, hostPort(s.URL))
		body := []byte(`{"model":"text","stream":true,"messages":[{"role":"user","content":"endless"}]}`)
		writeRequest(t, c, "POST", "/api/v1/chat/completions", map[string]string{
			"Authorization": "Bearer " + adminToken, "Content-Type": "application/json",
			"Content-Length": fmt.Sprint(len(body)),
		}, body)
		// Read the head and the first event, then stop reading.
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		br := bufio.NewReaderSize(c, 4096)
		resp, err := http.ReadResponse(br, &http.Request{Method: "POST"})
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("stream: %v %v", err, resp)
		}
		if _, err := br.ReadString('\n'); err != nil {
			t.Fatalf("first event: %v", err)
		}
		begin := time.Now()
		select {
		case <-su.gone:
		case <-time.After(20 * writeTimeout):
			t.Fatalf("the upstream stream is still open %v after the client stopped reading", 20*writeTimeout)
		}
		dropped := waitServerClosed(t, c, 5*time.Second)
		t.Logf("an SSE client that stopped reading: upstream closed after %v, connection after %v (per-event write deadline %v)",
			time.Since(begin).Round(time.Millisecond), dropped.Sub(begin).Round(time.Millisecond), writeTimeout)
		if d := dropped.Sub(begin); d > 10*writeTimeout {
			t.Errorf("dropped after %v, want within a few write timeouts", d)
		}
	})
	health.check(t, time.Second)
	s.stop(t)
}

// TestConnectionCap: with AIMODELS_MAX_CONNS=3 the server holds at most
// three connections; a fourth waits unanswered until one of the three
// closes, then it is served on the freed slot, and the cap still holds.
//
// It failed before the cap: the fourth connection was served at once, so
// any number of held connections was possible.
func TestConnectionCap(t *testing.T) {
	t.Parallel()
	const maxConns = 3
	fake := newFake(t)
	s := start(t, opts{upstream: fake.URL(), env: []string{fmt.Sprintf("AIMODELS_MAX_CONNS=%d", maxConns)}})
	s.httpc.CloseIdleConnections() // the harness's probe gives its slot back
	addr := hostPort(s.URL)

	type held struct {
		c  net.Conn
		br *bufio.Reader
	}
	health := func(h held) {
		writeRequest(t, h.c, "GET", "/healthz", nil, nil)
	}
	read := func(h held, within time.Duration) (*http.Response, error) {
		_ = h.c.SetReadDeadline(time.Now().Add(within))
		resp, err := http.ReadResponse(h.br, &http.Request{Method: "GET"})
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		return resp, err
	}
	open := func() held {
		c := dialFrom(t, "127.0.0.1", addr)
		return held{c: c, br: bufio.NewReader(c)}
	}
	var conns []held
	for range maxConns {
		h := open()
		health(h)
		if resp, err := read(h, 10*time.Second); err != nil || resp.StatusCode != 200 {
			t.Fatalf("connection %d of %d not served: %v", len(conns)+1, maxConns, err)
		}
		conns = append(conns, h) // kept open, idle
	}
	for round := range 2 {
		extra := open()
		health(extra)
		if resp, err := read(extra, 500*time.Millisecond); err == nil {
			t.Fatalf("round %d: connection %d served (%d) while %d were held", round, maxConns+1, resp.StatusCode, maxConns)
		}
		// Free a slot: the waiting connection is served on it.
		freed := time.Now()
		_ = conns[0].c.Close()
		conns = append(conns[1:], extra)
		// The first read timed out; the response is still to come.
		resp, err := read(extra, 10*time.Second)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("round %d: the waiting connection was not served once a slot was free: %v", round, err)
		}
		t.Logf("round %d: the waiting connection was served %v after a slot was freed", round, time.Since(freed).Round(time.Millisecond))
	}
	for _, h := range conns {
		_ = h.c.Close()
	}
	s.stop(t)
}
