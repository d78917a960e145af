package openrouter_test

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/aimodels/aimodels/adapters/openrouter"
	"github.com/aimodels/aimodels/core/domain"
	"github.com/aimodels/aimodels/test/openroutertest"
)

// A call that fails after its retries is one warn line, with the attempt
// count, the kind and the wait; the library's per-attempt lines are debug.
func TestFailedCallLogsOneWarnLine(t *testing.T) {
	s := newFake(t)
	s.SetFault(openroutertest.RouteKey, openroutertest.Fault{Status: 503})
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))
	c := newClient(t, s, openrouter.WithLogger(log))
	_, err := c.KeyInfo(context.Background(), testKey)
	upstream(t, err, domain.ErrUpstreamUnavailable)
	if n := s.RequestCount(openroutertest.RouteKey); n != 4 {
		t.Fatalf("%d attempts reached the fake, want 4", n)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("%d log lines at info, want 1:\n%s", len(lines), buf.String())
	}
	for _, want := range []string{"level=WARN", `msg="openrouter call failed"`, `op="GET /key"`, "attempts=4", `kind="upstream unavailable"`, "status=503"} {
		if !strings.Contains(lines[0], want) {
			t.Errorf("log line lacks %s: %s", want, lines[0])
		}
	}
	if strings.Contains(buf.String(), testKey.Reveal()) {
		t.Fatal("the key reached the log")
	}

	// A wait longer than the client waits for is not retried, and said.
	s.SetFault(openroutertest.RouteCredits, openroutertest.Fault{Status: 429, RetryAfter: "30"})
	buf.Reset()
	_, err = c.Credits(context.Background(), testKey)
	upstream(t, err, domain.ErrRateLimited)
	if line := strings.TrimSpace(buf.String()); strings.Count(line, "\n") != 0 || !strings.Contains(line, "attempts=1") || !strings.Contains(line, "retry_after=30s") {
		t.Errorf("rate-limited call logged %q", line)
	}

	// At debug, each attempt is there too.
	buf.Reset()
	debug := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c = newClient(t, s, openrouter.WithLogger(debug))
	_, _ = c.KeyInfo(context.Background(), testKey)
	if got := strings.Count(buf.String(), `msg="openrouter request"`); got != 4 {
		t.Errorf("%d attempt lines at debug, want 4:\n%s", got, buf.String())
	}
}

// A call that cannot connect at all was four ERROR lines of the library's
// and a WARN: it is one WARN line too.
func TestUnreachableCallLogsOneWarnLine(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now: connection refused
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))
	c, err := openrouter.New(openrouter.WithBaseURL("http://"+addr+"/api/v1"),
		openrouter.WithRetry(3, time.Millisecond, 5*time.Millisecond, time.Second), openrouter.WithLogger(log))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.KeyInfo(context.Background(), testKey)
	upstream(t, err, domain.ErrUpstreamUnavailable)
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], "level=WARN") || !strings.Contains(lines[0], "attempts=4") {
		t.Fatalf("want one WARN line with attempts=4, got:\n%s", buf.String())
	}
}
