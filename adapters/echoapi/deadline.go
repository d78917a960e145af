package echoapi

import (
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// writePiece is how much of a response WriteTimeout lets one write
// deadline cover: a client must take at least this much per timeout
// (1 MiB per 30 s by default, ≈ 35 kB/s; browsers take the gzip answers,
// a tenth of the size). Each piece is a write call of its own. Measured
// with the bench's uncompressed catalog (1.23 MB, 8 workers, two runs of
// 4 rounds, each build in the same rounds as the bare net/http server):
// 256 kB pieces 0.86–0.91× the bare server's throughput, one write of the
// whole body 0.93–0.97×, 1 MiB pieces 1.28–1.34× (and 0.75–0.79× its CPU
// per answer): the kernel sends a 1 MiB write with far less work per byte
// on loopback than either.
const writePiece = 1 << 20

// WriteTimeout returns middleware that bounds how long a response waits
// for a client that does not read it: before every write (in pieces of
// 1 MiB) and flush it sets the connection's write deadline to d from now,
// so the write fails, and net/http drops the connection, once the client
// has taken nothing for d, while a client reading slowly but steadily is
// not cut. The time a handler takes before it writes (an upstream call) is
// not counted. Event streams (Content-Type text/event-stream) are left to
// set their own deadline per event (Options.StreamWriteTimeout). A d of 0
// or less turns it off.
//
// It needs a ResponseWriter that supports deadlines through
// http.ResponseController (net/http's does); on others it does nothing.
func WriteTimeout(d time.Duration) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		if d <= 0 {
			return next
		}
		return func(c echo.Context) error {
			// Echo gives the next request a fresh Writer; until then the
			// error handler's answer is covered too.
			res := c.Response()
			res.Writer = &deadlineWriter{ResponseWriter: res.Writer, rc: http.NewResponseController(res.Writer), d: d}
			return next(c)
		}
	}
}

// deadlineWriter renews the connection's write deadline before each
// write; see WriteTimeout.
type deadlineWriter struct {
	http.ResponseWriter
	rc     *http.ResponseController
	d      time.Duration
	stream bool // an event stream: its handler sets the deadlines
}

func (w *deadlineWriter) renew() {
	if !w.stream {
		_ = w.rc.SetWriteDeadline(time.Now().Add(w.d))
	}
}

// WriteHeader notes whether the response is an event stream and renews
// the deadline.
func (w *deadlineWriter) WriteHeader(code int) {
	w.stream = strings.HasPrefix(w.Header().Get(echo.HeaderContentType), "text/event-stream")
	w.renew()
	w.ResponseWriter.WriteHeader(code)
}

// Write writes p in pieces of writePiece, each under a fresh deadline.
func (w *deadlineWriter) Write(p []byte) (int, error) {
	if len(p) <= writePiece {
		w.renew()
		return w.ResponseWriter.Write(p)
	}
	n := 0
	for len(p) > 0 {
		w.renew()
		m, err := w.ResponseWriter.Write(p[:min(len(p), writePiece)])
		n += m
		if err != nil {
			return n, err
		}
		p = p[m:]
	}
	return n, nil
}

// FlushError flushes under a fresh deadline.
func (w *deadlineWriter) FlushError() error {
	w.renew()
	return w.rc.Flush()
}

// Unwrap lets http.ResponseController reach the writer underneath.
func (w *deadlineWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
