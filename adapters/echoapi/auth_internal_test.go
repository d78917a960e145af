package echoapi

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
)

// fakeTime is a manual clock with the one timer the failure limiter sets.
type fakeTime struct {
	mu    sync.Mutex
	now   time.Time
	fn    func()
	after time.Duration
}

func (f *fakeTime) Now() time.Time { f.mu.Lock(); defer f.mu.Unlock(); return f.now }
func (f *fakeTime) AfterFunc(d time.Duration, fn func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fn, f.after = fn, d
}
func (f *fakeTime) advance(d time.Duration) { f.mu.Lock(); f.now = f.now.Add(d); f.mu.Unlock() }

// fire runs the pending summary, after moving the clock to it; it
// reports whether one was pending.
func (f *fakeTime) fire() bool {
	f.mu.Lock()
	fn, d := f.fn, f.after
	f.fn = nil
	f.now = f.now.Add(d)
	f.mu.Unlock()
	if fn == nil {
		return false
	}
	fn()
	return true
}

const testToken = "a-token-for-the-failure-limit-tests"

// limitedServer is one route behind BearerAuthWithConfig(cfg) on a
// manual clock, with the access log and the summaries in one buffer.
func limitedServer(cfg AuthConfig) (*echo.Echo, *fakeTime, *bytes.Buffer) {
	clock := &fakeTime{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	var logs bytes.Buffer
	cfg.Token, cfg.now, cfg.afterFunc = testToken, clock.Now, clock.AfterFunc
	cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	e := echo.New()
	e.HTTPErrorHandler = ErrorHandler(nil)
	e.Use(AccessLog(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))))
	e.GET("/api/x", func(c echo.Context) error { return c.String(http.StatusOK, "ok") }, BearerAuthWithConfig(cfg))
	return e, clock, &logs
}

func send(e *echo.Echo, ip, auth string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, "/api/x", nil)
	req.RemoteAddr = ip + ":40000"
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	return rec
}

// TestFailureLimit: 20 wrong tokens from one address are 401, the next
// ones 429 with Retry-After (even with the right token: a limited address
// learns nothing), until the bucket refills one attempt per second;
// another address, and requests without a token, are not affected; one
// summary line per address and interval; both answers close the
// connection and are logged at debug only.
func TestFailureLimit(t *testing.T) {
	e, clock, logs := limitedServer(AuthConfig{})
	for i := range DefaultFailureBurst {
		rec := send(e, "192.0.2.7", "Bearer wrong")
		if rec.Code != http.StatusUnauthorized || rec.Header().Get("Connection") != "close" {
			t.Fatalf("failure %d: %d, Connection %q; want 401 and close", i+1, rec.Code, rec.Header().Get("Connection"))
		}
	}
	for _, auth := range []string{"Bearer wrong", "Bearer " + testToken} {
		rec := send(e, "192.0.2.7", auth)
		if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "1" || rec.Header().Get("Connection") != "close" {
			t.Fatalf("%s past the burst: %d Retry-After %q Connection %q; want 429, 1, close", auth, rec.Code, rec.Header().Get("Retry-After"), rec.Header().Get("Connection"))
		}
	}
	if rec := send(e, "192.0.2.7", ""); rec.Code != http.StatusUnauthorized {
		t.Errorf("no token from a limited address: %d, want 401 (no guess, not counted)", rec.Code)
	}
	if rec := send(e, "198.51.100.1", "Bearer "+testToken); rec.Code != http.StatusOK {
		t.Errorf("the right token from another address: %d", rec.Code)
	}
	if rec := send(e, "198.51.100.1", "Bearer  "+testToken+" \t"); rec.Code != http.StatusOK {
		t.Errorf("the right token with white space around it: %d", rec.Code)
	}
	clock.advance(time.Second) // one attempt back
	if rec := send(e, "192.0.2.7", "Bearer wrong"); rec.Code != http.StatusUnauthorized {
		t.Errorf("after a second: %d, want 401", rec.Code)
	}
	if rec := send(e, "192.0.2.7", "Bearer wrong"); rec.Code != http.StatusTooManyRequests {
		t.Errorf("then: %d, want 429", rec.Code)
	}
	if strings.Contains(logs.String(), "level=INFO") {
		t.Errorf("refused requests logged at info:\n%s", logs)
	}
	if !clock.fire() {
		t.Fatal("no summary scheduled")
	}
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], "level=WARN") || !strings.Contains(lines[0], `msg="failed authentications in the last 10s"`) ||
		!strings.Contains(lines[0], "ip=192.0.2.7 count=24 unauthorized=21 refused=3") {
		t.Errorf("summary: %q", lines)
	}
	// Quiet for long enough: the bucket is full, the address forgotten,
	// and no summary runs any more.
	logs.Reset()
	clock.advance(time.Minute)
	if !clock.fire() {
		t.Fatal("no summary scheduled while an address is tracked")
	}
	if logs.Len() != 0 {
		t.Errorf("a summary of a quiet interval: %s", logs)
	}
	if clock.fire() {
		t.Error("summaries go on with nothing tracked")
	}
	if rec := send(e, "192.0.2.7", "Bearer "+testToken); rec.Code != http.StatusOK {
		t.Errorf("the right token once the bucket refilled: %d", rec.Code)
	}
}

// TestFailureLimitMemory: at most MaxClients addresses are tracked; a new
// one beyond shares one bucket; an IPv6 /64 is one address.
func TestFailureLimitMemory(t *testing.T) {
	lim := newFailureLimiter(AuthConfig{MaxClients: 3, FailureBurst: 2})
	for _, ip := range []string{"192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4", "192.0.2.5"} {
		lim.fail(clientKey(ip))
	}
	if len(lim.clients) != 4 || lim.clients[overflowKey] == nil {
		t.Fatalf("tracked %d addresses (%v), want 3 and the shared bucket", len(lim.clients), keys(lim.clients))
	}
	if _, limited := lim.fail(clientKey("192.0.2.6")); !limited {
		t.Error("the shared bucket of 2 took a third failure")
	}
	if a, b := clientKey("2001:db8:1:2:aaaa::1"), clientKey("2001:db8:1:2:bbbb::2"); a != b || a != "2001:db8:1:2::/64" {
		t.Errorf("IPv6 keys %q and %q, want one /64", a, b)
	}
	if k := clientKey("::ffff:192.0.2.1"); k != "192.0.2.1" {
		t.Errorf("IPv4-mapped key %q", k)
	}
	off := newFailureLimiter(AuthConfig{FailureBurst: -1})
	for range 100 {
		if _, limited := off.fail("192.0.2.1"); limited {
			t.Fatal("a negative burst still limits")
		}
	}
}

func keys(m map[string]*client) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
