package openrouter

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/aimodels/aimodels/core/domain"
	"github.com/aimodels/aimodels/ports"
)

// DefaultBaseURL is OpenRouter's API base URL.
const DefaultBaseURL = "https://openrouter.ai/api/v1"

// Defaults of the options.
const (
	DefaultRetryMax      = 3
	DefaultRetryWaitMin  = 200 * time.Millisecond
	DefaultRetryWaitMax  = 5 * time.Second
	DefaultRetryAfterCap = 10 * time.Second
	DefaultTimeout       = 120 * time.Second
	DefaultMaxBodyBytes  = 16 << 20
	// DefaultMaxLineBytes bounds one line of a streamed response.
	DefaultMaxLineBytes = 1 << 20
	// maxErrorBody bounds what is read of an error response.
	maxErrorBody = 64 << 10
	// maxPages bounds how many catalog pages are followed.
	maxPages = 50
	// maxCatalogModels and maxCatalogBytes bound the whole catalog over
	// its pages (OpenRouter's has about 430 models in 400 kB): a hostile
	// upstream cannot make the server hold gigabytes.
	maxCatalogModels = 20_000
	maxCatalogBytes  = 64 << 20
)

var _ ports.Gateway = (*Client)(nil)

// Client is an OpenRouter API client. It is safe for concurrent use and
// keeps no API key: each call takes one.
type Client struct {
	base          *url.URL
	http          *http.Client          // the caller's client (or a pooled default); Close closes its transport
	rc            *retryablehttp.Client // GETs: idempotent
	rp            *retryablehttp.Client // chat and transcription POSTs
	rp1           *retryablehttp.Client // the same, sent once (a fallback follows)
	rs            *retryablehttp.Client // streams: no client timeout, POST policy
	referer       string
	title         string
	userAgent     string
	timeout       time.Duration
	retryMax      int
	waitMin       time.Duration
	waitMax       time.Duration
	retryAfterCap time.Duration
	maxBody       int64
	maxLine       int
	logger        *slog.Logger
	userModels    bool
	observe       func(op string, attempts int, err error, elapsed time.Duration)
}

// Option configures a Client.
type Option func(*Client) error

// WithBaseURL sets the API base URL (default DefaultBaseURL), such as an
// openroutertest server's URL.
func WithBaseURL(raw string) Option {
	return func(c *Client) error {
		u, err := url.Parse(strings.TrimRight(raw, "/"))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return &domain.ValidationError{Field: "base_url", Reason: "must be an http(s) URL"}
		}
		c.base = u
		return nil
	}
}

// WithHTTPClient sends requests through hc's transport (and its redirect
// policy and cookie jar). The per-attempt timeout is still WithTimeout's.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) error {
		if hc == nil {
			return &domain.ValidationError{Field: "http_client", Reason: "must not be nil"}
		}
		cp := *hc
		c.http = &cp
		return nil
	}
}

// WithAppAttribution sends OpenRouter's app attribution headers
// (HTTP-Referer and X-Title) with every request.
func WithAppAttribution(referer, title string) Option {
	return func(c *Client) error {
		c.referer, c.title = referer, title
		return nil
	}
}

// WithRetry sets the retry policy: at most max retries after the first
// attempt, exponential backoff between minWait and maxWait with jitter,
// and a Retry-After longer than retryAfterCap is not waited for (the error
// carries it instead).
func WithRetry(max int, minWait, maxWait, retryAfterCap time.Duration) Option {
	return func(c *Client) error {
		if max < 0 || minWait < 0 || maxWait < minWait || retryAfterCap < 0 {
			return &domain.ValidationError{Field: "retry", Reason: "needs max >= 0 and 0 <= minWait <= maxWait"}
		}
		c.retryMax, c.waitMin, c.waitMax, c.retryAfterCap = max, minWait, maxWait, retryAfterCap
		return nil
	}
}

// WithTimeout bounds each attempt (default DefaultTimeout): the whole
// exchange for JSON calls, the wait for the response headers for streams.
func WithTimeout(d time.Duration) Option {
	return func(c *Client) error {
		if d <= 0 {
			return &domain.ValidationError{Field: "timeout", Reason: "must be positive"}
		}
		c.timeout = d
		return nil
	}
}

// WithMaxBodyBytes bounds a JSON response body (default 16 MiB); a larger
// body is refused with domain.ErrBadUpstreamResponse.
func WithMaxBodyBytes(n int64) Option {
	return func(c *Client) error {
		if n <= 0 {
			return &domain.ValidationError{Field: "max_body_bytes", Reason: "must be positive"}
		}
		c.maxBody = n
		return nil
	}
}

// WithLogger logs requests, retries and failures to l (never the key).
func WithLogger(l *slog.Logger) Option {
	return func(c *Client) error {
		c.logger = l
		return nil
	}
}

// WithObserver calls observe after every call (retries included in it)
// with the operation ("POST /chat/completions", …), its attempts, its
// error (nil on success) and how long it took: metrics. It must be cheap.
func WithObserver(observe func(op string, attempts int, err error, elapsed time.Duration)) Option {
	return func(c *Client) error {
		c.observe = observe
		return nil
	}
}

// WithUserModels lists GET /models/user (what this key may use under the
// account's settings) instead of the whole public catalog.
func WithUserModels(on bool) Option {
	return func(c *Client) error {
		c.userModels = on
		return nil
	}
}

// New returns a Client.
func New(opts ...Option) (*Client, error) {
	base, _ := url.Parse(DefaultBaseURL)
	c := &Client{
		base:          base,
		timeout:       DefaultTimeout,
		retryMax:      DefaultRetryMax,
		waitMin:       DefaultRetryWaitMin,
		waitMax:       DefaultRetryWaitMax,
		retryAfterCap: DefaultRetryAfterCap,
		maxBody:       DefaultMaxBodyBytes,
		maxLine:       DefaultMaxLineBytes,
		userAgent:     "aimodels/" + version(),
	}
	for _, o := range opts {
		if err := o(c); err != nil {
			return nil, fmt.Errorf("openrouter: new client: %w", err)
		}
	}
	if c.http == nil {
		// The default transport keeps 2 idle connections per host: under
		// concurrent requests to the one upstream host most would dial anew.
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConns, t.MaxIdleConnsPerHost = 1024, 1024
		c.http = &http.Client{Transport: t}
	}
	// Every attempt of a JSON call is bounded by c.timeout (retryablehttp
	// sends each attempt through Do); a stream bounds the wait for its
	// headers itself and then lives as long as it is read.
	hc := *c.http
	hc.Timeout = 0 // the pool bounds each attempt instead
	// No redirect is followed, whatever the caller's client does: the key
	// goes to the base URL's host only (CheckResponse makes a 3xx an error).
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	timed, stream := hc, hc
	timed.Transport = pool{rt: transport(c.http), timeout: c.timeout}
	stream.Transport = pool{rt: transport(c.http)}
	c.rc = c.retryClient(&timed, c.checkRetry)
	c.rp = c.retryClient(&timed, c.checkRetryInference)
	c.rp1 = c.retryClient(&timed, c.checkRetryInference)
	c.rp1.RetryMax = 0
	c.rs = c.retryClient(&stream, c.checkRetryInference)
	return c, nil
}

// pool is the transport of the retrying clients. It bounds each attempt
// by timeout (0: no bound), from sending the request to closing the
// response body, and it hides the transport's CloseIdleConnections from
// retryablehttp, which calls it whenever it gives up on a request: one
// failing request must not drop the connections every other request
// reuses (Client.Close still closes them).
//
// The bound is a context deadline rather than http.Client.Timeout: the
// client's timeout starts a goroutine per attempt for any transport but
// net/http's own (this is not), and at low request rates waking it costs
// more than the whole rest of aimodels' work (BenchmarkServer/chat:
// 1 → 0 goroutines per request; CPU per 1,000 chat completions at
// 200 req/s in BENCHMARKS.md).
type pool struct {
	rt      http.RoundTripper
	timeout time.Duration
}

// RoundTrip sends one attempt under the attempt's deadline.
func (p pool) RoundTrip(r *http.Request) (*http.Response, error) {
	if p.timeout <= 0 {
		return p.rt.RoundTrip(r)
	}
	ctx, cancel := context.WithTimeout(r.Context(), p.timeout)
	resp, err := p.rt.RoundTrip(r.WithContext(ctx))
	if err != nil || resp.Body == nil { // net/http makes a nil body empty
		cancel()
		return resp, err
	}
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

// cancelOnClose ends an attempt's deadline when its body is closed.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

// Close closes the body and releases the attempt's deadline.
func (b *cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

func transport(hc *http.Client) http.RoundTripper {
	if hc.Transport != nil {
		return hc.Transport
	}
	return http.DefaultTransport
}

func (c *Client) retryClient(hc *http.Client, check retryablehttp.CheckRetry) *retryablehttp.Client {
	rc := &retryablehttp.Client{
		HTTPClient:   hc,
		RetryMax:     c.retryMax,
		RetryWaitMin: c.waitMin,
		RetryWaitMax: c.waitMax,
		CheckRetry:   check,
		Backoff:      c.backoff,
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
	}
	if c.logger != nil {
		rc.Logger = slogAdapter{c.logger}
	}
	if c.logger != nil || c.observe != nil {
		rc.RequestLogHook = func(_ retryablehttp.Logger, r *http.Request, attempt int) {
			if n, ok := r.Context().Value(attemptsKey{}).(*atomic.Int32); ok {
				n.Store(int32(attempt + 1))
			}
			if c.logger != nil && c.logger.Enabled(r.Context(), slog.LevelDebug) {
				c.logger.Debug("openrouter request", "method", r.Method, "path", r.URL.Path, "attempt", attempt+1)
			}
		}
	}
	return rc
}

// Close releases idle connections.
func (c *Client) Close() { c.http.CloseIdleConnections() }

func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Path == "github.com/aimodels/aimodels" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			return strings.TrimPrefix(bi.Main.Version, "v")
		}
		for _, d := range bi.Deps {
			if d.Path == "github.com/aimodels/aimodels" && d.Version != "" {
				return strings.TrimPrefix(d.Version, "v")
			}
		}
	}
	return "dev"
}

// endpoint resolves path (with an optional query) against the base URL.
func (c *Client) endpoint(pathAndQuery string) string {
	return c.base.String() + pathAndQuery
}

// send performs one logical request (with retries) and returns a 2xx
// response whose body the caller must close; every failure is a
// *Error.
func (c *Client) send(ctx context.Context, rc *retryablehttp.Client, op, method, rawURL string, key domain.APIKey, body []byte, accept string) (*http.Response, error) {
	if err := ctx.Err(); err != nil {
		return nil, transportError(op, ctx, err)
	}
	var rb any
	if body != nil {
		rb = body
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, method, rawURL, rb)
	if err != nil {
		return nil, &Error{Kind: domain.ErrUpstreamRejected, Op: op, Message: "cannot build request", Err: err}
	}
	h := req.Header
	if k := key.Reveal(); k != "" {
		h.Set("Authorization", "Bearer "+k)
	}
	if body != nil {
		h.Set("Content-Type", "application/json")
	}
	h.Set("Accept", accept)
	h.Set("User-Agent", c.userAgent)
	if c.referer != "" {
		h.Set("HTTP-Referer", c.referer)
	}
	if c.title != "" {
		h.Set("X-Title", c.title)
	}
	var attempts atomic.Int32
	if c.logger != nil || c.observe != nil {
		req = req.WithContext(context.WithValue(ctx, attemptsKey{}, &attempts))
	}
	start := time.Now()
	resp, err := rc.Do(req)
	if err == nil {
		err = CheckResponse(op, resp)
		if err != nil {
			resp.Body.Close()
		}
	} else if resp != nil {
		resp.Body.Close()
	}
	if err != nil {
		if _, ok := err.(*Error); !ok {
			err = transportError(op, ctx, err)
		}
		err = redactKey(err, key)
		c.logFailure(ctx, op, err, int(attempts.Load()), time.Since(start))
		if c.observe != nil {
			c.observe(op, int(attempts.Load()), err, time.Since(start))
		}
		return nil, err
	}
	if c.observe != nil {
		c.observe(op, int(attempts.Load()), nil, time.Since(start))
	}
	if c.logger != nil && c.logger.Enabled(ctx, slog.LevelDebug) {
		c.log(ctx, slog.LevelDebug, "openrouter response", "op", op, "status", resp.StatusCode, "attempts", attempts.Load(), "elapsed", time.Since(start))
	}
	return resp, nil
}

// attemptsKey carries a call's attempt counter to the request log hook.
type attemptsKey struct{}

// logFailure writes the one line of a failed call, at warn: what failed,
// as which kind, after how many attempts and how long, and how long the
// upstream asked to wait.
func (c *Client) logFailure(ctx context.Context, op string, err error, attempts int, elapsed time.Duration) {
	if c.logger == nil || !c.logger.Enabled(ctx, slog.LevelWarn) {
		return
	}
	args := []any{"op", op, "attempts", attempts, "elapsed", elapsed}
	var e *Error
	if errors.As(err, &e) {
		args = append(args, "kind", e.Kind.Error())
		if e.Status != 0 {
			args = append(args, "status", e.Status)
		}
		if e.Wait > 0 {
			args = append(args, "retry_after", e.Wait)
		}
	}
	args = append(args, "error", err.Error())
	c.logger.Log(ctx, slog.LevelWarn, "openrouter call failed", args...)
}

func (c *Client) log(ctx context.Context, level slog.Level, msg string, args ...any) {
	if c.logger != nil {
		c.logger.Log(ctx, level, msg, args...)
	}
}

// getJSON sends a request and reads its body through the size limit.
func (c *Client) doJSON(ctx context.Context, op, method, rawURL string, key domain.APIKey, body []byte) ([]byte, error) {
	return c.doJSONWith(ctx, false, op, method, rawURL, key, body)
}

// doJSONWith is doJSON; once sends a POST once, without the retries of a
// 429 or 503 (the caller tries another model instead).
func (c *Client) doJSONWith(ctx context.Context, once bool, op, method, rawURL string, key domain.APIKey, body []byte) ([]byte, error) {
	rc := c.rc
	if method == http.MethodPost {
		rc = c.rp // chat and transcription: not idempotent, billed upstream
		if once {
			rc = c.rp1
		}
	}
	resp, err := c.send(ctx, rc, op, method, rawURL, key, body, "application/json")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return readBody(ctx, op, resp, c.maxBody)
}

// readBody reads at most limit bytes of the body; a longer body, a body
// cut short or a read failure is an error.
func readBody(ctx context.Context, op string, resp *http.Response, limit int64) ([]byte, error) {
	if resp.ContentLength > limit {
		return nil, tooLarge(op, resp.StatusCode, limit)
	}
	var buf bytes.Buffer
	if resp.ContentLength > 0 {
		// ReadFrom wants MinRead bytes free before it reads: with less it
		// would copy the whole body into a second buffer at the end.
		buf.Grow(int(resp.ContentLength) + bytes.MinRead)
	}
	_, err := buf.ReadFrom(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		if ctx.Err() != nil || isTimeout(err) {
			return nil, transportError(op, ctx, err)
		}
		return nil, &Error{Kind: domain.ErrBadUpstreamResponse, Op: op, Status: resp.StatusCode,
			Message: "response body cut short", Err: err}
	}
	if int64(buf.Len()) > limit {
		return nil, tooLarge(op, resp.StatusCode, limit)
	}
	return buf.Bytes(), nil
}

func tooLarge(op string, status int, limit int64) error {
	return &Error{Kind: domain.ErrBadUpstreamResponse, Op: op, Status: status,
		Message: fmt.Sprintf("response body exceeds %d bytes", limit)}
}

// badJSON wraps a decoding failure.
func badJSON(op string, status int, err error) error {
	return &Error{Kind: domain.ErrBadUpstreamResponse, Op: op, Status: status,
		Message: "malformed JSON response", Err: err}
}

var errStreamNotEvents = errors.New("expected an event stream")
