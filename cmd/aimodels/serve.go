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
	"golang.org/x/net/netutil"

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
	if cfg.metrics != nil {
		e.Use(cfg.metrics.Middleware())
	}
	e.Use(echoapi.AccessLog(log))
	e.Use(echoapi.WriteTimeout(cfg.WriteTimeout))
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
	auth := echoapi.BearerAuthWithConfig(echoapi.AuthConfig{
		Token: token, Public: []string{"/api/v1/openapi.json"},
		FailureBurst: cfg.AuthFailureBurst, Logger: log,
	})
	api := e.Group("/api/v1", auth, timeout)
	echoapi.Register(api, echoapi.All(svc), echoapi.Options{
		Logger: log, Prefix: "/api/v1",
		Scope:              func(echo.Context) string { return cfg.Scope },
		StreamWriteTimeout: cfg.WriteTimeout,
		MaxUploads:         cfg.MaxUploads,
	})
	if cfg.metrics != nil && cfg.MetricsAddr == "" {
		// On the main address the metrics need the admin token; with
		// AIMODELS_METRICS_ADDR they are served there instead, without it.
		e.GET("/metrics", echo.WrapHandler(cfg.metrics.Handler()), auth)
	} else {
		e.GET("/metrics", func(echo.Context) error { return echo.ErrNotFound }) // not the UI's index
	}
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

// minTokenLength is the shortest admin token serve accepts.
const minTokenLength = 32

// adminToken returns the configured admin token trimmed of surrounding
// white space (saying so in the log: a token copied with a newline would
// otherwise never match), or a generated one when none is configured. A
// token shorter than minTokenLength is an error.
func adminToken(cfg *config, log *slog.Logger) (string, error) {
	if cfg.AdminToken == "" {
		return randomToken()
	}
	token := strings.TrimSpace(cfg.AdminToken)
	if token != cfg.AdminToken {
		log.Warn("the admin token (AIMODELS_ADMIN_TOKEN or -admin-token) has white space around it; it is trimmed", "length", len(token))
	}
	if len(token) < minTokenLength {
		return "", fmt.Errorf("the admin token (AIMODELS_ADMIN_TOKEN or -admin-token) has %d characters; use at least %d, e.g. openssl rand -hex 24, or leave it empty to have one generated", len(token), minTokenLength)
	}
	return token, nil
}

// checkServeSettings refuses settings serve cannot work with.
func checkServeSettings(cfg *config) error {
	switch {
	case cfg.MaxConns < 1:
		return fmt.Errorf("AIMODELS_MAX_CONNS=%d: at least 1", cfg.MaxConns)
	case cfg.MaxUploads < 1:
		return fmt.Errorf("AIMODELS_MAX_UPLOADS=%d: at least 1", cfg.MaxUploads)
	case cfg.AuthFailureBurst < 1:
		return fmt.Errorf("AIMODELS_AUTH_FAILURE_BURST=%d: at least 1", cfg.AuthFailureBurst)
	case cfg.ReadTimeout <= 0:
		return fmt.Errorf("AIMODELS_READ_TIMEOUT=%v: must be positive", cfg.ReadTimeout)
	case cfg.WriteTimeout <= 0:
		return fmt.Errorf("AIMODELS_WRITE_TIMEOUT=%v: must be positive", cfg.WriteTimeout)
	}
	return nil
}

// randomToken returns 24 random bytes in hex (48 characters), the
// generated admin token.
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
	if err := checkServeSettings(cfg); err != nil {
		return err
	}
	token, err := adminToken(cfg, log)
	if err != nil {
		return err
	}
	a, err := wire(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()

	e := newEcho(a.svc, cfg, token, log)
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", cfg.Addr, err)
	}
	addr := ln.Addr().String()
	// At most MaxConns connections at once: the next waits in the
	// kernel's backlog until one closes.
	ln = netutil.LimitListener(ln, cfg.MaxConns)
	// Cancelling baseCtx ends every in-flight request (and its upstream
	// call) when the graceful shutdown runs out of patience.
	baseCtx, cancelBase := context.WithCancel(context.Background())
	defer cancelBase()
	srv := &http.Server{
		BaseContext:       func(net.Listener) context.Context { return baseCtx },
		Handler:           e,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       cfg.ReadTimeout,
		// The outer bound of a response: the request's own deadline, then
		// the write timeout. echoapi.WriteTimeout renews the deadline per
		// write, so what a client that does not read can hold is
		// WriteTimeout, and event streams set their own per event.
		WriteTimeout: cfg.RequestTimeout + cfg.WriteTimeout,
		IdleTimeout:  2 * time.Minute,
		ErrorLog:     slog.NewLogLogger(log.Handler(), slog.LevelWarn),
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
	msrv, err := serveMetrics(cfg, a, log, errc)
	if err != nil {
		_ = srv.Close()
		return err
	}
	wctx, stopWatch := context.WithCancel(context.Background())
	defer stopWatch()
	go a.watchSelection(wctx, cfg.Scope, 30*time.Second)
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
	if msrv != nil {
		_ = msrv.Close()
	}
	// Every answered request has recorded its usage row: write what the
	// ledger still holds before the store closes.
	lctx, lcancel := context.WithTimeout(context.Background(), ledgerFlushGrace)
	defer lcancel()
	if lerr := a.svc.Close(lctx); lerr != nil {
		log.Error("usage ledger: rows lost at shutdown", "error", lerr)
	} else if l := a.svc.Ledger(); l != nil {
		log.Info("usage ledger: flushed at shutdown", "rows_written", l.Stats().Written)
	}
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// ledgerFlushGrace is how long a shutdown waits for the database to take
// the buffered usage rows.
const ledgerFlushGrace = 20 * time.Second

// serveMetrics serves GET /metrics on cfg.MetricsAddr, without the admin
// token, when it is set; a failure of that server is sent to errc.
func serveMetrics(cfg *config, a *app, log *slog.Logger, errc chan<- error) (*http.Server, error) {
	if cfg.MetricsAddr == "" || a.metrics == nil {
		return nil, nil
	}
	ln, err := net.Listen("tcp", cfg.MetricsAddr)
	if err != nil {
		return nil, fmt.Errorf("listen %s (AIMODELS_METRICS_ADDR): %w", cfg.MetricsAddr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", a.metrics.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute, WriteTimeout: time.Minute,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	log.Info("metrics listening, without the admin token", "addr", ln.Addr().String())
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			select {
			case errc <- fmt.Errorf("metrics server: %w", err):
			default:
			}
		}
	}()
	return srv, nil
}
