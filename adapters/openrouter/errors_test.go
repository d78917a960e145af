package openrouter_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aimodels/aimodels/adapters/openrouter"
	"github.com/aimodels/aimodels/core/domain"
	"github.com/aimodels/aimodels/test/openroutertest"
	"github.com/aimodels/aimodels/test/testenv"
)

func TestCheckResponseFixtures(t *testing.T) {
	tests := []struct {
		fixture string
		status  int
		op      string
		kind    error
	}{
		{openroutertest.FixtureErrInvalidKey, 401, "GET /key", domain.ErrInvalidKey},
		{openroutertest.FixtureErrMissingKey, 401, "GET /key", domain.ErrInvalidKey},
		{openroutertest.FixtureErrMissingKeyOld, 401, "GET /credits", domain.ErrInvalidKey},
		{openroutertest.FixtureErrInsufficient, 402, "POST /chat/completions", domain.ErrInsufficientCredits},
		{openroutertest.FixtureErrNoEndpoints, 404, "POST /chat/completions", domain.ErrModelNotFound},
		{openroutertest.FixtureErrNoEndpoints, 404, "GET /models", domain.ErrUpstreamRejected},
		{openroutertest.FixtureErrUpstreamRateLm, 429, "POST /chat/completions", domain.ErrRateLimited},
	}
	for _, tt := range tests {
		t.Run(tt.fixture+" "+tt.op, func(t *testing.T) {
			body := fixture(t, tt.fixture)
			resp := &http.Response{StatusCode: tt.status, Header: http.Header{"Retry-After": {"7"}}, Body: io.NopCloser(bytes.NewReader(body))}
			err := openrouter.CheckResponse(tt.op, resp)
			ue := upstream(t, err, tt.kind)
			msg, code := fixtureError(t, body)
			if ue.Message != msg || ue.Code != code || ue.Status != tt.status || ue.Op != tt.op || ue.Wait != 7*time.Second {
				t.Fatalf("got %+v, want message %q code %d", ue, msg, code)
			}
		})
	}
	body := fixture(t, openroutertest.FixtureErrUpstreamRateLm)
	err := openrouter.CheckResponse("POST /chat/completions", &http.Response{StatusCode: 429, Body: io.NopCloser(bytes.NewReader(body))})
	ue := upstream(t, err, domain.ErrRateLimited)
	if raw, _ := ue.Metadata["raw"].(string); raw == "" || ue.Metadata["provider_name"] != "Google" {
		t.Fatalf("metadata %v", ue.Metadata)
	}
	if openrouter.CheckResponse("GET /key", &http.Response{StatusCode: 204, Body: http.NoBody}) != nil {
		t.Fatal("2xx is an error")
	}
	date := time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
	err = openrouter.CheckResponse("GET /key", &http.Response{StatusCode: 503, Header: http.Header{"Retry-After": {date}},
		Body: io.NopCloser(bytes.NewReader([]byte("<html>down</html>")))})
	ue = upstream(t, err, domain.ErrUpstreamUnavailable)
	if ue.Wait < 80*time.Second || ue.Wait > 90*time.Second || ue.Message != "<html>down</html>" {
		t.Fatalf("%+v", ue)
	}
}

func TestErrorClassesFromFake(t *testing.T) {
	ctx := context.Background()
	s := newFake(t)
	c := newClient(t, s)

	t.Run("invalid key", func(t *testing.T) {
		s.Reset()
		_, err := c.KeyInfo(ctx, "sk-or-v1-not-the-right-key-000000")
		ue := upstream(t, err, domain.ErrInvalidKey)
		msg, _ := fixtureError(t, s.Fixture(openroutertest.FixtureErrInvalidKey))
		if ue.Message != msg || s.RequestCount(openroutertest.RouteKey) != 1 {
			t.Fatalf("%+v, %d requests", ue, s.RequestCount(openroutertest.RouteKey))
		}
	})
	t.Run("missing key", func(t *testing.T) {
		s.Reset()
		_, err := c.KeyInfo(ctx, "")
		ue := upstream(t, err, domain.ErrInvalidKey)
		msg, _ := fixtureError(t, s.Fixture(openroutertest.FixtureErrMissingKey))
		if ue.Message != msg {
			t.Fatalf("%+v", ue)
		}
	})
	for _, st := range []int{400, 402, 403, 404} {
		t.Run("not retried "+http.StatusText(st), func(t *testing.T) {
			s.Reset()
			s.SetFault(openroutertest.RouteChat, openroutertest.Fault{Status: st})
			_, err := c.ChatCompletion(ctx, testKey, chatRequest("openai/gpt-4o"))
			if err == nil {
				t.Fatal("no error")
			}
			if n := s.RequestCount(openroutertest.RouteChat); n != 1 {
				t.Fatalf("%d requests, want 1", n)
			}
		})
	}
	t.Run("429 with Retry-After retried then succeeds", func(t *testing.T) {
		s.Reset()
		s.SetFault(openroutertest.RouteKey, openroutertest.Fault{Status: 429, RetryAfter: "1", Times: 1})
		start := time.Now()
		if _, err := c.KeyInfo(ctx, testKey); err != nil {
			t.Fatal(err)
		}
		if n := s.RequestCount(openroutertest.RouteKey); n != 2 {
			t.Fatalf("%d requests, want 2", n)
		}
		if el := time.Since(start); el < 900*time.Millisecond {
			t.Fatalf("did not wait for Retry-After: %v", el)
		}
	})
	t.Run("429 with Retry-After over the cap is returned", func(t *testing.T) {
		s.Reset()
		s.SetFault(openroutertest.RouteKey, openroutertest.Fault{Status: 429, RetryAfter: "30"})
		_, err := c.KeyInfo(ctx, testKey)
		ue := upstream(t, err, domain.ErrRateLimited)
		if ue.Wait != 30*time.Second || s.RequestCount(openroutertest.RouteKey) != 1 {
			t.Fatalf("%+v after %d requests", ue, s.RequestCount(openroutertest.RouteKey))
		}
	})
	for _, st := range []int{502, 503, 504, 408} {
		t.Run("retried then succeeds "+http.StatusText(st), func(t *testing.T) {
			s.Reset()
			s.SetFault(openroutertest.RouteCredits, openroutertest.Fault{Status: st, Times: 2})
			if _, err := c.Credits(ctx, testKey); err != nil {
				t.Fatal(err)
			}
			if n := s.RequestCount(openroutertest.RouteCredits); n != 3 {
				t.Fatalf("%d requests, want 3", n)
			}
		})
	}
	t.Run("503 until retries run out", func(t *testing.T) {
		s.Reset()
		s.SetFault(openroutertest.RouteCredits, openroutertest.Fault{Status: 503})
		_, err := c.Credits(ctx, testKey)
		ue := upstream(t, err, domain.ErrUpstreamUnavailable)
		if ue.Status != 503 || s.RequestCount(openroutertest.RouteCredits) != 4 {
			t.Fatalf("%+v after %d requests", ue, s.RequestCount(openroutertest.RouteCredits))
		}
	})
	t.Run("truncated", func(t *testing.T) {
		s.Reset()
		s.SetFault(openroutertest.RouteKey, openroutertest.Fault{Truncate: true})
		_, err := c.KeyInfo(ctx, testKey)
		upstream(t, err, domain.ErrBadUpstreamResponse)
	})
	t.Run("malformed", func(t *testing.T) {
		s.Reset()
		s.SetFault(openroutertest.RouteModels, openroutertest.Fault{Malformed: true})
		_, err := c.ListModels(ctx, "")
		upstream(t, err, domain.ErrBadUpstreamResponse)
		s.SetFault(openroutertest.RouteChat, openroutertest.Fault{Malformed: true})
		_, err = c.ChatCompletion(ctx, testKey, chatRequest("openai/gpt-4o"))
		upstream(t, err, domain.ErrBadUpstreamResponse)
	})
	t.Run("connection reset", func(t *testing.T) {
		s.Reset()
		s.SetFault(openroutertest.RouteKey, openroutertest.Fault{ResetConnection: true})
		_, err := c.KeyInfo(ctx, testKey)
		upstream(t, err, domain.ErrUpstreamUnavailable)
		// 1 + 3 retries; net/http may itself retry an idempotent GET on a
		// reused connection once per attempt.
		if n := s.RequestCount(openroutertest.RouteKey); n < 4 || n > 8 {
			t.Fatalf("%d attempts, want 4 to 8 (connection errors are retried)", n)
		}
	})
}

func TestTimeout(t *testing.T) {
	s := newFake(t)
	c := newClient(t, s, openrouter.WithTimeout(100*time.Millisecond))
	s.SetFault(openroutertest.RouteKey, openroutertest.Fault{Hang: true})
	start := time.Now()
	_, err := c.KeyInfo(context.Background(), testKey)
	upstream(t, err, domain.ErrTimeout)
	if el := time.Since(start); el > 2*time.Second {
		t.Fatalf("took %v", el)
	}
	s.SetFault(openroutertest.RouteChat, openroutertest.Fault{Hang: true})
	_, err = c.ChatCompletionStream(context.Background(), testKey, chatRequest("openai/gpt-4o"))
	upstream(t, err, domain.ErrTimeout)
}

// TestHugeBodyRefused: a body over the limit is refused, and the client
// stops reading it long before its end and drops the connection. Each
// half has a fake of its own, so one request's count cannot leak into the
// other's, and the count is read only after the fake's handler returned.
func TestHugeBodyRefused(t *testing.T) {
	const huge = 20 << 20
	s := newFake(t)
	s.SetFault(openroutertest.RouteModels, openroutertest.Fault{HugeBytes: huge})
	_, err := newClient(t, s).ListModels(context.Background(), "")
	upstream(t, err, domain.ErrBadUpstreamResponse)

	// With a small limit, the client stops reading long before the end.
	const limit = 1 << 20
	s = newFake(t)
	s.SetFault(openroutertest.RouteModels, openroutertest.Fault{HugeBytes: huge})
	conns := &countingDialer{closed: make(chan struct{}, 16)}
	hc := &http.Client{Transport: &http.Transport{DialContext: conns.DialContext}}
	_, err = newClient(t, s, openrouter.WithMaxBodyBytes(limit), openrouter.WithHTTPClient(hc)).ListModels(context.Background(), "")
	upstream(t, err, domain.ErrBadUpstreamResponse)
	if n := s.RequestCount(openroutertest.RouteModels); n != 1 {
		t.Fatalf("%d requests, want 1 (an oversized body is not retried)", n)
	}
	// The client drops the connection instead of draining the body; the
	// transport closes it from its read loop, so wait for that event.
	select {
	case <-conns.closed:
	case <-time.After(30 * time.Second): // only against a hang
		t.Fatal("the client never closed its connection to the fake")
	}
	if read := conns.read.Load(); read > limit+256<<10 {
		t.Fatalf("the client read %d bytes off the wire for a limit of %d", read, limit)
	}
	// Close waits for the handler, which stops at its first failed write
	// and then records what it sent.
	s.Close()
	if sent := s.BytesSent(openroutertest.RouteModels); sent < limit || sent >= huge {
		t.Fatalf("server sent %d of %d bytes, want between the limit %d and the end", sent, huge, limit)
	}
}

// countingDialer counts the bytes read off its connections and reports
// each connection's Close.
type countingDialer struct {
	read   atomic.Int64
	closed chan struct{}
}

func (d *countingDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: c, d: d}, nil
}

type countingConn struct {
	net.Conn
	d    *countingDialer
	once sync.Once
}

func (c *countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.d.read.Add(int64(n))
	return n, err
}

func (c *countingConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.d.closed <- struct{}{} })
	return err
}

func TestCancelledContextStopsRetries(t *testing.T) {
	s := newFake(t)
	c, err := openrouter.New(openrouter.WithBaseURL(s.URL()), openrouter.WithRetry(5, 2*time.Second, 4*time.Second, time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s.SetFault(openroutertest.RouteKey, openroutertest.Fault{Status: 503})
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for s.RequestCount(openroutertest.RouteKey) == 0 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	start := time.Now()
	_, err = c.KeyInfo(ctx, testKey)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v does not wrap context.Canceled", err)
	}
	upstream(t, err, domain.ErrUpstreamUnavailable)
	if el := time.Since(start); el > 500*time.Millisecond {
		t.Fatalf("took %v; the backoff is at least 1s", el)
	}
	if n := s.RequestCount(openroutertest.RouteKey); n != 1 {
		t.Fatalf("%d requests after cancel", n)
	}
	// An already cancelled context sends nothing.
	_, err = c.KeyInfo(ctx, testKey)
	if !errors.Is(err, context.Canceled) || s.RequestCount(openroutertest.RouteKey) != 1 {
		t.Fatalf("%v, %d requests", err, s.RequestCount(openroutertest.RouteKey))
	}
}

func TestConnectionRefused(t *testing.T) {
	s := newFake(t)
	url := s.URL()
	s.Close()
	c, err := openrouter.New(openrouter.WithBaseURL(url), openrouter.WithRetry(1, time.Millisecond, time.Millisecond, time.Second))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.KeyInfo(context.Background(), testKey)
	upstream(t, err, domain.ErrUpstreamUnavailable)
}

// TestChatTimeoutWithAndWithoutCallerDeadline: a chat call is bounded by
// the client's timeout, or by the caller's deadline when that is tighter
// (the client then skips its own timer), whichever comes first.
func TestChatTimeoutWithAndWithoutCallerDeadline(t *testing.T) {
	s := newFake(t)
	s.SetFault(openroutertest.RouteChat, openroutertest.Fault{Hang: true})
	cases := []struct {
		name          string
		clientTimeout time.Duration
		callerTimeout time.Duration // 0: no deadline
		want          time.Duration
	}{
		{"client timeout only", 150 * time.Millisecond, 0, 150 * time.Millisecond},
		{"caller deadline tighter", 10 * time.Second, 150 * time.Millisecond, 150 * time.Millisecond},
		{"client timeout tighter", 150 * time.Millisecond, 10 * time.Second, 150 * time.Millisecond},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newClient(t, s, openrouter.WithTimeout(tc.clientTimeout))
			ctx := context.Background()
			if tc.callerTimeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.callerTimeout)
				defer cancel()
			}
			start := time.Now()
			_, err := c.ChatCompletion(ctx, testKey, chatRequest("openai/gpt-4o"))
			upstream(t, err, domain.ErrTimeout)
			if el := time.Since(start); el < tc.want || el > tc.want+2*time.Second {
				t.Fatalf("gave up after %v, want about %v", el, tc.want)
			}
		})
	}
}

// TestBodyStallIsATimeout: the per-attempt timeout covers the body too,
// not only the headers: a completion whose body stops halfway fails with
// ErrTimeout after the timeout, and the connection is released.
func TestBodyStallIsATimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", "1000")
		_, _ = w.Write([]byte(`{"id":"gen-1","choices":[`))
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	c, err := openrouter.New(openrouter.WithBaseURL(srv.URL), openrouter.WithTimeout(150*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	_, err = c.ChatCompletion(context.Background(), testKey, chatRequest("openai/gpt-4o"))
	upstream(t, err, domain.ErrTimeout)
	if el := time.Since(start); el < 150*time.Millisecond || el > 3*time.Second {
		t.Fatalf("gave up after %v, want about 150ms", el)
	}
}

type nilBodyTransport struct{}

func (nilBodyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}}, Request: r}, nil
}

// TestNilBodyFromACustomTransport: a RoundTripper that leaves Body nil
// (http.Client would fill it in) gives an error, not a panic.
func TestNilBodyFromACustomTransport(t *testing.T) {
	c, err := openrouter.New(openrouter.WithBaseURL("http://upstream.invalid/api/v1"), openrouter.WithHTTPClient(&http.Client{Transport: nilBodyTransport{}}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ChatCompletion(context.Background(), testKey, chatRequest("openai/gpt-4o"))
	upstream(t, err, domain.ErrBadUpstreamResponse)
}

// cannedChat answers every request with the fixture's chat completion.
type cannedChat struct{ body []byte }

func (c cannedChat) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(bytes.NewReader(c.body)), Request: r}, nil
}

// TestAttemptStartsNoGoroutine guards the CPU of requests at low rates:
// bounding an attempt must not start a goroutine per request (as
// http.Client.Timeout does for a transport that is not net/http's), since
// waking one costs more than the rest of the request's work when the
// server is not busy.
func TestAttemptStartsNoGoroutine(t *testing.T) {
	c, err := openrouter.New(openrouter.WithBaseURL("http://upstream.invalid/api/v1"),
		openrouter.WithHTTPClient(&http.Client{Transport: cannedChat{fixture(t, "chat-completion-google.json")}}))
	if err != nil {
		t.Fatal(err)
	}
	const n = 200
	before := testenv.GoroutinesCreated()
	for range n {
		if _, err := c.ChatCompletion(context.Background(), testKey, chatRequest("openai/gpt-4o")); err != nil {
			t.Fatal(err)
		}
	}
	// A few goroutines of the runtime or the test framework may start
	// meanwhile; one per request may not.
	if got := testenv.GoroutinesCreated() - before; got > n/10 {
		t.Fatalf("%d chat completions started %d goroutines", n, got)
	}
}
