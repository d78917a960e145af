package echoapi

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/aimodels/aimodels/ports"
)

// AccessLog logs one line per request with slog: method, path (without
// the query string, which may carry anything), status, duration, bytes and
// request id. It never logs headers, so Authorization never reaches a log.
//
// Successful reads (GET and HEAD answered below 400, such as the settings
// page polling the catalog) and requests refused by BearerAuth (a guessing
// client would flood the log; BearerAuth logs a summary instead) are logged
// at debug; every write, inference request and other error at info. A line
// whose level is off costs nothing.
func AccessLog(log *slog.Logger) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			err := next(c)
			if err != nil {
				c.Error(err)
			}
			req, res := c.Request(), c.Response()
			level := slog.LevelInfo
			if res.Status < 400 && (req.Method == http.MethodGet || req.Method == http.MethodHead) || c.Get(authFailedKey) != nil {
				level = slog.LevelDebug
			}
			ctx := req.Context()
			h := log.Handler()
			if !h.Enabled(ctx, level) {
				return nil
			}
			// The record goes to the handler without a source position:
			// Logger.LogAttrs would take the caller's stack (runtime.Callers)
			// on every request for a position nobody reads, 2.5 % of the
			// server's CPU at 200 chat completions a second (CPU profile of
			// aimodels-bench's 200 req/s scenario).
			r := slog.NewRecord(time.Now(), level, "http request", 0)
			r.AddAttrs(
				slog.String("method", req.Method),
				slog.String("path", req.URL.Path),
				slog.Int("status", res.Status),
				slog.Duration("duration", time.Since(start)),
				slog.Int64("bytes", res.Size),
				slog.String("ip", c.RealIP()),
				slog.String("request_id", res.Header().Get(echo.HeaderXRequestID)),
			)
			_ = h.Handle(ctx, r)
			return nil
		}
	}
}

// ContentSecurityPolicy is the policy of the settings UI: everything from
// this origin only, no inline script, no framing.
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

// securityHeaders are the headers every response carries.
var securityHeaders = [][2]string{
	{"X-Content-Type-Options", "nosniff"},
	{"X-Frame-Options", "DENY"},
	{"Referrer-Policy", "no-referrer"},
	{"Content-Security-Policy", ContentSecurityPolicy},
	{"Cross-Origin-Opener-Policy", "same-origin"},
	{"Permissions-Policy", "camera=(), microphone=(), geolocation=()"},
}

// SecurityHeaders sets the headers every response carries.
func SecurityHeaders() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			h := c.Response().Header()
			for _, kv := range securityHeaders {
				h.Set(kv[0], kv[1])
			}
			return next(c)
		}
	}
}

// probe is one public health route. The same table registers the probes
// (RegisterProbes) and documents them in the OpenAPI document.
type probe struct {
	path        string
	operationID string
	summary     string
	unready     bool // answers 503 (ProbeStatus) while the database does not answer
	handle      func(svc ports.Readiness, c echo.Context) error
}

// probes are the routes of RegisterProbes.
func probes() []probe {
	return []probe{
		{path: "/healthz", operationID: "healthz", summary: "The process is up (whatever the database)",
			handle: func(_ ports.Readiness, c echo.Context) error {
				return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
			}},
		{path: "/readyz", operationID: "readyz", summary: "The database answers: 200 ready, 503 while it does not", unready: true,
			handle: func(svc ports.Readiness, c echo.Context) error {
				if err := svc.Ready(c.Request().Context()); err != nil {
					return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": "database unreachable"})
				}
				return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
			}},
	}
}

// RegisterProbes adds GET /healthz (the process is up) and GET /readyz
// (the database answers) to e, and HEAD for both (the same status, no
// body); all are public. The OpenAPI document of Register describes them
// too.
func RegisterProbes(e *echo.Echo, svc ports.Readiness) {
	for _, p := range probes() {
		h := p.handle
		handle := func(c echo.Context) error { return h(svc, c) }
		e.GET(p.path, handle)
		e.HEAD(p.path, handle)
	}
}
