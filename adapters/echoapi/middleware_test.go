package echoapi_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/aimodels/aimodels/adapters/echoapi"
)

func TestAccessLogLevelsAndFields(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))
	e := echo.New()
	e.Use(middleware.RequestIDWithConfig(middleware.RequestIDConfig{}))
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
