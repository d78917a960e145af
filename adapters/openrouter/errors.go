package openrouter

import (
	"context"
	"errors"
	json "github.com/goccy/go-json"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/aimodels/aimodels/core/domain"
)

// Error is a failed call to OpenRouter. Kind is the domain sentinel it
// maps to, so errors.Is(err, domain.ErrRateLimited) and friends work
// through Unwrap; the rest is what OpenRouter said, for people and logs.
// It never carries the API key.
type Error struct {
	// Kind is the domain sentinel this failure maps to.
	Kind error
	// Op names the call, such as "GET /models".
	Op string
	// Status is the HTTP status (0 when no response arrived).
	Status int
	// Code is OpenRouter's error.code, when it sent one.
	Code int
	// Message is OpenRouter's error.message (or a description of the fault).
	Message string
	// Metadata is OpenRouter's error.metadata, as sent.
	Metadata map[string]any
	// Wait is how long the upstream asked to wait (Retry-After; 0 when not said).
	Wait time.Duration
	// Err is the underlying transport or decoding error, if any.
	Err error
}

// Error implements error.
func (e *Error) Error() string {
	s := "openrouter"
	if e.Op != "" {
		s += " " + e.Op
	}
	s += ": " + e.Kind.Error()
	if e.Status != 0 {
		s += " (HTTP " + strconv.Itoa(e.Status) + ")"
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Wait > 0 {
		s += "; retry after " + e.Wait.String()
	}
	if e.Err != nil && e.Message == "" {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap exposes both the sentinel and the cause to errors.Is/As.
func (e *Error) Unwrap() []error {
	if e.Err != nil {
		return []error{e.Kind, e.Err}
	}
	return []error{e.Kind}
}

// RetryAfter returns Wait, for domain.RetryAfterOf.
func (e *Error) RetryAfter() time.Duration { return e.Wait }

// apiError is OpenRouter's {"error": {"code", "message", "metadata"}}.
type apiError struct {
	Code     json.Number    `json:"code"`
	Message  string         `json:"message"`
	Metadata map[string]any `json:"metadata"`
}

func (e *apiError) code() int {
	if e == nil {
		return 0
	}
	if n, err := strconv.ParseFloat(string(e.Code), 64); err == nil && n >= 0 && n < 1000 {
		return int(n)
	}
	return 0
}

// errorBody is the envelope of an error answer.
type errorBody struct {
	Error *apiError `json:"error"`
}

// CheckResponse returns nil for a 2xx response and otherwise a
// *Error with OpenRouter's message, code and metadata, the
// status, the Retry-After delay and a Kind chosen by status (see kindFor).
// A redirect (3xx, never followed) is ErrBadUpstreamResponse naming the
// host it pointed to. It reads (at most 64 KiB of) the body of an error
// response but does not close it. op names the call, such as "GET /key".
func CheckResponse(op string, resp *http.Response) error {
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		return nil
	}
	ue := &Error{
		Kind:   kindFor(op, resp.StatusCode),
		Op:     op,
		Status: resp.StatusCode,
		Wait:   retryAfter(resp.Header, time.Now()),
	}
	if resp.StatusCode >= 300 && resp.StatusCode <= 399 {
		ue.Kind = domain.ErrBadUpstreamResponse
		ue.Message = "redirect not followed (the API key is sent to the configured OpenRouter host only)"
		if loc, err := resp.Location(); err == nil {
			ue.Message = "redirect to " + loc.Host + " not followed (the API key is sent to the configured OpenRouter host only)"
		}
		return ue
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	var eb errorBody
	switch {
	case err != nil:
		ue.Message = http.StatusText(resp.StatusCode)
	case json.Unmarshal(data, &eb) == nil && eb.Error != nil:
		ue.Code = eb.Error.code()
		ue.Message = eb.Error.Message
		ue.Metadata = eb.Error.Metadata
	default:
		ue.Message = snippet(data)
	}
	if ue.Message == "" {
		ue.Message = http.StatusText(resp.StatusCode)
	}
	return ue
}

// snippet returns a short printable start of a non-JSON error body.
func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 {
			return ' '
		}
		return r
	}, s)
}

// isInference reports whether op is a call that names a model, where 404
// means "no endpoints for this model".
func isInference(op string) bool {
	return strings.HasPrefix(op, "POST /chat/") || strings.HasPrefix(op, "POST /audio/")
}

// kindFor maps an HTTP status (or an error.code inside a 200 body or a
// stream) to a domain sentinel:
// 400/413/422 → ErrUpstreamRejected, 401 → ErrInvalidKey,
// 402 → ErrInsufficientCredits, 403 → ErrForbidden, 404 → ErrModelNotFound
// for chat and transcription (ErrUpstreamRejected otherwise),
// 408/504 → ErrTimeout, 429 → ErrRateLimited, 5xx →
// ErrUpstreamUnavailable, anything else → ErrBadUpstreamResponse.
func kindFor(op string, status int) error {
	switch {
	case status == 400 || status == 413 || status == 422:
		return domain.ErrUpstreamRejected
	case status == 401:
		return domain.ErrInvalidKey
	case status == 402:
		return domain.ErrInsufficientCredits
	case status == 403:
		return domain.ErrForbidden
	case status == 404:
		if isInference(op) {
			return domain.ErrModelNotFound
		}
		return domain.ErrUpstreamRejected
	case status == 408 || status == 504:
		return domain.ErrTimeout
	case status == 429:
		return domain.ErrRateLimited
	case status >= 500 && status <= 599:
		return domain.ErrUpstreamUnavailable
	}
	return domain.ErrBadUpstreamResponse
}

// inBodyError turns an error object found in a 2xx body or a stream event
// into a typed error; an unknown or missing code counts as the upstream
// being unavailable.
func inBodyError(op string, status int, e *apiError) error {
	code := e.code()
	kind := domain.ErrUpstreamUnavailable
	if code != 0 {
		kind = kindFor(op, code)
	}
	msg := e.Message
	if msg == "" {
		msg = "error inside the response"
	}
	return &Error{Kind: kind, Op: op, Status: status, Code: code, Message: msg, Metadata: e.Metadata}
}

// retryAfter parses Retry-After as seconds or an HTTP date (0 when absent
// or unparsable).
func retryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		if secs <= 0 || math.IsNaN(secs) {
			return 0
		}
		if secs > 7*24*3600 {
			secs = 7 * 24 * 3600
		}
		return time.Duration(secs * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

// transportError maps a failure without a usable response: a done
// context keeps context.Canceled / DeadlineExceeded visible, timeouts are
// ErrTimeout, everything else (refused, reset, DNS) ErrUpstreamUnavailable.
func transportError(op string, ctx context.Context, err error) *Error {
	ue := &Error{Op: op, Err: err}
	switch {
	case errors.Is(err, context.Canceled) || errors.Is(ctx.Err(), context.Canceled):
		ue.Kind = domain.ErrUpstreamUnavailable
		ue.Message = "request cancelled"
		if !errors.Is(err, context.Canceled) {
			ue.Err = errors.Join(err, context.Canceled)
		}
	case isTimeout(err) || ctx.Err() != nil:
		ue.Kind = domain.ErrTimeout
		ue.Message = "no answer in time"
	default:
		ue.Kind = domain.ErrUpstreamUnavailable
		ue.Message = "cannot reach OpenRouter"
	}
	return ue
}

func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, errHeaderTimeout) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// errHeaderTimeout is the cause of a stream whose headers did not arrive in time.
var errHeaderTimeout = errors.New("response headers timeout")

// checkRetry is the retry policy (retryablehttp.CheckRetry).
func (c *Client) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	if err != nil {
		return retryableTransport(err), nil
	}
	switch resp.StatusCode {
	case http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
	case http.StatusPaymentRequired:
		// A 402 is retried only when the upstream says when to try again.
		if resp.Header.Get("Retry-After") == "" {
			return false, nil
		}
	default:
		return false, nil
	}
	if ra := retryAfter(resp.Header, time.Now()); ra > c.retryAfterCap {
		return false, nil
	}
	return true, nil
}

// checkRetryInference is the retry policy of chat and transcription POSTs,
// which OpenRouter bills and which are not idempotent: a request is sent
// again only when it certainly did not run — the connection could not be
// made, or the upstream refused it with 429 or 503 — never after a reset,
// an early EOF, a 502/504/408 or a timeout, when it may still be running
// (and be billed) upstream.
func (c *Client) checkRetryInference(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	if err != nil {
		return notConnected(err), nil
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
	default:
		return false, nil
	}
	if ra := retryAfter(resp.Header, time.Now()); ra > c.retryAfterCap {
		return false, nil
	}
	return true, nil
}

// notConnected reports whether a transport error happened before the
// request could reach the upstream.
func notConnected(err error) bool {
	if isTimeout(err) {
		return false
	}
	if errors.Is(err, syscall.ECONNREFUSED) {
		return true
	}
	var oe *net.OpError
	return errors.As(err, &oe) && oe.Op == "dial"
}

// retryableTransport reports whether a transport error is worth another
// attempt: connection refused or reset, or a connection closed before the
// answer. Timeouts are not retried (the request may be running upstream,
// and the caller's wait would multiply); neither are bad URLs or TLS
// certificate failures.
func retryableTransport(err error) bool {
	if isTimeout(err) {
		return false
	}
	switch {
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.ECONNABORTED), errors.Is(err, syscall.EPIPE),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return true
	}
	var oe *net.OpError
	return errors.As(err, &oe) && oe.Op == "dial"
}

// backoff waits as Retry-After says (up to the cap) or exponentially with
// jitter: a random duration in [d/2, d] where d = min·2^attempt ≤ max.
func (c *Client) backoff(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil {
		if ra := retryAfter(resp.Header, time.Now()); ra > 0 {
			return min(ra, c.retryAfterCap)
		}
	}
	d := minWait
	for i := 0; i < attempt && d < maxWait; i++ {
		d *= 2
	}
	d = min(d, maxWait)
	if d <= 0 {
		return 0
	}
	half := d / 2
	return half + rand.N(d-half+1)
}
