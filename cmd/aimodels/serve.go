package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/aimodels/aimodels/adapters/echoapi"
	"github.com/aimodels/aimodels/frontend"
	"github.com/aimodels/aimodels/ports"
)

// newEcho builds the HTTP server: probes, the authenticated API under
// /api/v1, JSON 404s for any other /api path, and the settings UI.
func newEcho(svc ports.Service, cfg *config, token string, log *slog.Logger) *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = echoapi.ErrorHandler(log)
	e.IPExtractor = echo.ExtractIPDirect()
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			log.Error("panic in handler", "path", c.Path(), "error", err)
			return err
		},
	}))
	e.Use(middleware.RequestID())
	e.Use(echoapi.AccessLog(log))
	e.Use(echoapi.SecurityHeaders())
	if origins := splitList(cfg.CORSOrigins); len(origins) > 0 {
		e.Use(middleware.CORSWithConfig(middleware.CORSConfig{
			AllowOrigins: origins,
			AllowHeaders: []string{echo.HeaderAuthorization, echo.HeaderContentType, "If-None-Match"},
			AllowMethods: []string{http.MethodGet, http.MethodPut, http.MethodPost, http.MethodDelete},
		}))
	}
	echoapi.RegisterProbes(e, svc)
	timeout := func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			ctx, cancel := context.WithTimeout(c.Request().Context(), cfg.RequestTimeout)
			defer cancel()
			c.SetRequest(c.Request().WithContext(ctx))
			return next(c)
		}
	}
	api := e.Group("/api/v1", echoapi.BearerAuth(token, "/api/v1/openapi.json"), timeout)
	echoapi.Register(api, echoapi.All(svc), echoapi.Options{
		Logger: log, Prefix: "/api/v1",
		Scope: func(echo.Context) string { return cfg.Scope },
	})
	e.Any("/api/*", func(c echo.Context) error { return echo.ErrNotFound })
	spa := echoapi.SPA(frontend.DistFS())
	e.GET("/*", spa)
	e.HEAD("/*", spa)
	return e
}

// shutdownGrace is how long a SIGTERM waits for requests in flight before
// cancelling them (well under the usual 30 s before a SIGKILL).
const shutdownGrace = 10 * time.Second

// splitList returns the non-empty comma-separated items of s, trimmed.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// randomToken returns 24 random bytes in hex, the generated admin token.
func randomToken() (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

// serve runs the server until ctx ends (SIGINT, SIGTERM), then finishes
// the requests in flight within shutdownGrace.
func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	// SIGHUP reloads the keyset once serving; caught from the start so that
	// one sent while the store opens does not end the process.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	cfg, log, err := parseConfig("serve", args, stdout, stderr, nil)
	if err != nil {
		return err
	}
	log.Info("aimodels serve: starting the server (aimodels help lists the commands)", "version", versionString())
	a, err := wire(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()

	token := cfg.AdminToken
	if token == "" {
		if token, err = randomToken(); err != nil {
			return err
		}
	}
	e := newEcho(a.svc, cfg, token, log)
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", cfg.Addr, err)
	}
	addr := ln.Addr().String()
	// Cancelling baseCtx ends every in-flight request (and its upstream
	// call) when the graceful shutdown runs out of patience.
	baseCtx, cancelBase := context.WithCancel(context.Background())
	defer cancelBase()
	srv := &http.Server{
		BaseContext:       func(net.Listener) context.Context { return baseCtx },
		Handler:           e,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	log.Info("aimodels listening", "addr", addr)
	if cfg.AdminToken == "" {
		// Printed, not logged: the fragment never reaches a server log.
		fmt.Fprintf(stdout, "Open the settings: http://%s/#token=%s\n", addr, token)
	} else {
		fmt.Fprintf(stdout, "Open the settings: http://%s/ (token from AIMODELS_ADMIN_TOKEN)\n", addr)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
wait:
	for {
		select {
		case err := <-errc:
			return err
		case <-hup:
			a.reloadKeyset(ctx, log)
		case <-ctx.Done():
			break wait
		}
	}
	log.Info("shutting down: finishing requests in flight", "grace", shutdownGrace)
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	err = srv.Shutdown(sctx)
	if errors.Is(err, context.DeadlineExceeded) {
		log.Warn("requests still running after the grace period; cancelling them")
		cancelBase()
		err = srv.Close()
	}
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
