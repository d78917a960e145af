package echoapi_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/aimodels/aimodels/adapters/echoapi"
)

func TestAccessLogLevelsAndFields(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))
	e := echo.New()
	e.Use(middleware.RequestIDWithConfig(middleware.RequestIDConfig{Generator: echoapi.RequestIDs()}))
	e.Use(echoapi.AccessLog(log))
	e.GET("/read", func(c echo.Context) error { return c.String(http.StatusOK, "ok") })
	e.GET("/missing", func(c echo.Context) error { return echo.ErrNotFound })
	e.POST("/write", func(c echo.Context) error { return c.NoContent(http.StatusNoContent) })
	send := func(method, target string) {
		req := httptest.NewRequest(method, target, nil)
		req.Header.Set("Authorization", "Bearer very-secret-token")
		e.ServeHTTP(httptest.NewRecorder(), req)
	}

	send(http.MethodGet, "/read?key=sk-or-v1-secret")
	if buf.Len() != 0 {
		t.Fatalf("a successful read is logged at info: %s", buf.String())
	}
	send(http.MethodGet, "/missing")
	send(http.MethodPost, "/write?x=1")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 info lines (404 read, write), got %q", lines)
	}
	for i, want := range []string{"method=GET path=/missing status=404", "method=POST path=/write status=204"} {
		if !strings.Contains(lines[i], want) || !strings.Contains(lines[i], "request_id=") || !strings.Contains(lines[i], "level=INFO") {
			t.Errorf("line %d = %q, want %q with a request id", i, lines[i], want)
		}
	}

	buf.Reset()
	debug := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e2 := echo.New()
	e2.Use(echoapi.AccessLog(debug))
	e2.GET("/read", func(c echo.Context) error { return c.String(http.StatusOK, "ok") })
	req := httptest.NewRequest(http.MethodGet, "/read?key=sk-or-v1-secret", nil)
	req.Header.Set("Authorization", "Bearer very-secret-token")
	e2.ServeHTTP(httptest.NewRecorder(), req)
	if !strings.Contains(buf.String(), "level=DEBUG") || !strings.Contains(buf.String(), "path=/read ") {
		t.Fatalf("a successful read at debug: %q", buf.String())
	}
	for _, secret := range []string{"very-secret-token", "sk-or-v1-secret", "Authorization"} {
		if strings.Contains(buf.String(), secret) {
			t.Fatalf("the access log carries %q: %s", secret, buf.String())
		}
	}
}

func TestRequestIDsAreUniqueAcrossGeneratorsAndGoroutines(t *testing.T) {
	a, b := echoapi.RequestIDs(), echoapi.RequestIDs()
	x, y := a(), b()
	if x == y || len(x) != len("0123456789abcdef-0123456789abcdef") || x[:17] == y[:17] {
		t.Fatalf("two processes' first ids: %q %q", x, y)
	}
	if z := a(); z[:17] != x[:17] || z == x {
		t.Fatalf("one process's ids: %q %q (same prefix, different ids)", x, z)
	}
	var mu sync.Mutex
	seen := map[string]bool{}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 1000 {
				id := a()
				mu.Lock()
				if seen[id] {
					t.Errorf("duplicate id %q", id)
				}
				seen[id] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(seen) != 8000 {
		t.Fatalf("%d ids", len(seen))
	}
}
