package echoapi

import (
	"crypto/sha256"
	"crypto/subtle"
	"log/slog"
	"math"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/time/rate"
)

// Defaults of AuthConfig.
const (
	// DefaultFailureBurst is how many failed authentications a client
	// address may make before it is refused.
	DefaultFailureBurst = 20
	// DefaultFailureEvery is how often one more failed attempt is allowed
	// once the burst is spent.
	DefaultFailureEvery = time.Second
	// DefaultFailureSummary is the interval of the summary log lines.
	DefaultFailureSummary = 10 * time.Second
	// DefaultMaxClients bounds the client addresses tracked at once.
	DefaultMaxClients = 10_000
)

// AuthConfig configures BearerAuthWithConfig.
type AuthConfig struct {
	// Token is the bearer token every request must present (white space
	// around it is ignored, as around the presented one).
	Token string
	// Public lists registered route paths (such as "/api/v1/openapi.json")
	// that pass without a token.
	Public []string
	// FailureBurst is how many wrong bearer tokens one client address
	// (c.RealIP(); an IPv6 address counts by its /64) may present before
	// each further request of it that presents a token is refused with
	// 429 and Retry-After, without the token being compared. 0 means
	// DefaultFailureBurst; a negative value turns the limit off.
	FailureBurst int
	// FailureEvery is how often the address regains one attempt (the
	// bucket's refill); 0 means DefaultFailureEvery.
	FailureEvery time.Duration
	// Logger receives one warning per address and SummaryInterval that
	// had failures, with their count; default: discard.
	Logger *slog.Logger
	// SummaryInterval is the interval of the summary lines; 0 means
	// DefaultFailureSummary.
	SummaryInterval time.Duration
	// MaxClients bounds the addresses tracked at once (memory stays
	// bounded: an address whose bucket is full again is forgotten at the
	// next summary); beyond it, new addresses share one bucket. 0 means
	// DefaultMaxClients.
	MaxClients int

	// now and afterFunc replace time.Now and time.AfterFunc in tests.
	now       func() time.Time
	afterFunc func(time.Duration, func())
}

// BearerAuth is BearerAuthWithConfig with the default failure limit.
func BearerAuth(token string, public ...string) echo.MiddlewareFunc {
	return BearerAuthWithConfig(AuthConfig{Token: token, Public: public})
}

// BearerAuthWithConfig requires "Authorization: Bearer <token>". The
// comparison is constant-time and independent of the token's length (both
// sides are hashed first); the presented token is trimmed of surrounding
// white space. Failures are 401 in the JSON error shape.
//
// Wrong tokens are limited per client address (see AuthConfig): past the
// burst, 429 with Retry-After. Both answers carry "Connection: close" and
// leave the request body unread, so a client trickling a body it declared
// cannot hold the connection (net/http would otherwise read up to 256 kB of
// it before answering). Their access-log lines are at debug level (see
// AccessLog); the summary lines say what happened.
func BearerAuthWithConfig(cfg AuthConfig) echo.MiddlewareFunc {
	want := sha256.Sum256([]byte(strings.TrimSpace(cfg.Token)))
	lim := newFailureLimiter(cfg)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			for _, p := range cfg.Public {
				if c.Path() == p {
					return next(c)
				}
			}
			h := c.Request().Header.Get(echo.HeaderAuthorization)
			scheme, got, ok := strings.Cut(h, " ")
			got = strings.TrimSpace(got)
			if !ok || !strings.EqualFold(scheme, "Bearer") || got == "" {
				// No token, no guess: not counted.
				c.Response().Header().Set("WWW-Authenticate", `Bearer realm="aimodels"`)
				return refuse(c, echo.NewHTTPError(http.StatusUnauthorized, "missing bearer token"))
			}
			ip := clientKey(c.RealIP())
			if wait, limited := lim.limited(ip); limited {
				return lim.tooMany(c, wait)
			}
			sum := sha256.Sum256([]byte(got))
			if subtle.ConstantTimeCompare(sum[:], want[:]) == 1 {
				return next(c)
			}
			if wait, limited := lim.fail(ip); limited {
				return lim.tooMany(c, wait)
			}
			c.Response().Header().Set("WWW-Authenticate", `Bearer realm="aimodels", error="invalid_token"`)
			return refuse(c, echo.NewHTTPError(http.StatusUnauthorized, "invalid bearer token"))
		}
	}
}

// authFailedKey marks, in the echo.Context, a request refused by
// BearerAuth, so that AccessLog logs it at debug.
const authFailedKey = "echoapi.auth_failed"

// refuse answers an unauthenticated request with err, without its body.
func refuse(c echo.Context, err error) error {
	c.Set(authFailedKey, true)
	return answerUnread(c, err)
}

// answerUnread answers err and closes the connection after it without
// reading the request body: "Connection: close", and an expired read
// deadline so that net/http's read of the rest of the body (it reads up to
// 256 kB of an unread body before answering, to keep the connection) fails
// at once instead of waiting for a client that trickles it.
func answerUnread(c echo.Context, err error) error {
	c.Response().Header().Set(echo.HeaderConnection, "close")
	if r := c.Request(); r.ContentLength != 0 && r.Body != nil && r.Body != http.NoBody {
		_ = http.NewResponseController(c.Response()).SetReadDeadline(time.Now())
	}
	return WriteError(c, err)
}

// clientKey is the address failures are counted by: an IPv4 address, the
// /64 prefix of an IPv6 one (a host usually holds a whole /64), or the
// text itself (at most 64 bytes) when it is not an address.
func clientKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip[:min(len(ip), 64)]
	}
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.WithZone("").Prefix(64)
		return p.String()
	}
	return a.String()
}

// overflowKey is the bucket every address shares once MaxClients are
// tracked.
const overflowKey = "(other addresses)"

// failureLimiter is a token bucket of failed authentications per client
// address, with counters for the summary lines.
type failureLimiter struct {
	off      bool
	burst    int
	every    time.Duration
	interval time.Duration
	max      int
	log      *slog.Logger
	now      func() time.Time
	after    func(time.Duration, func())

	mu        sync.Mutex
	clients   map[string]*client
	scheduled bool // a summary is due
}

// client is one address's bucket and what it did in the current summary
// interval.
type client struct {
	bucket          *rate.Limiter
	failed, refused int
}

func newFailureLimiter(cfg AuthConfig) *failureLimiter {
	l := &failureLimiter{
		off: cfg.FailureBurst < 0, burst: cfg.FailureBurst, every: cfg.FailureEvery,
		interval: cfg.SummaryInterval, max: cfg.MaxClients, log: cfg.Logger,
		now: cfg.now, after: cfg.afterFunc, clients: map[string]*client{},
	}
	if l.burst == 0 {
		l.burst = DefaultFailureBurst
	}
	if l.every <= 0 {
		l.every = DefaultFailureEvery
	}
	if l.interval <= 0 {
		l.interval = DefaultFailureSummary
	}
	if l.max <= 0 {
		l.max = DefaultMaxClients
	}
	if l.log == nil {
		l.log = slog.New(slog.DiscardHandler)
	}
	if l.now == nil {
		l.now = time.Now
	}
	if l.after == nil {
		l.after = func(d time.Duration, f func()) { time.AfterFunc(d, f) }
	}
	return l
}

// limited reports whether ip has no attempt left, and then how long until
// it has one; the refusal is counted.
func (l *failureLimiter) limited(ip string) (time.Duration, bool) {
	if l.off {
		return 0, false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	cl := l.clients[ip]
	if cl == nil {
		if len(l.clients) < l.max {
			return 0, false
		}
		if cl = l.clients[overflowKey]; cl == nil {
			return 0, false
		}
	}
	now := l.now()
	if tokens := cl.bucket.TokensAt(now); tokens < 1 {
		cl.refused++
		l.schedule()
		return l.wait(tokens), true
	}
	return 0, false
}

// fail counts a wrong token from ip. It reports limited when the bucket
// was empty after all (a concurrent failure took the last attempt).
func (l *failureLimiter) fail(ip string) (time.Duration, bool) {
	if l.off {
		return 0, false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	cl := l.client(ip, now)
	l.schedule()
	if !cl.bucket.AllowN(now, 1) {
		cl.refused++
		return l.wait(cl.bucket.TokensAt(now)), true
	}
	cl.failed++
	return 0, false
}

// client returns ip's entry, making one (or using the shared one when
// MaxClients are tracked and none can be forgotten). l.mu is held.
func (l *failureLimiter) client(ip string, now time.Time) *client {
	if cl := l.clients[ip]; cl != nil {
		return cl
	}
	if len(l.clients) >= l.max {
		l.forget(now)
	}
	if len(l.clients) >= l.max {
		ip = overflowKey
		if cl := l.clients[ip]; cl != nil {
			return cl
		}
	}
	cl := &client{bucket: rate.NewLimiter(rate.Every(l.every), l.burst)}
	l.clients[ip] = cl
	return cl
}

// forget drops the addresses with nothing to report whose bucket is full
// again: they are as if never seen. l.mu is held.
func (l *failureLimiter) forget(now time.Time) {
	for ip, cl := range l.clients {
		if cl.failed == 0 && cl.refused == 0 && cl.bucket.TokensAt(now) >= float64(l.burst) {
			delete(l.clients, ip)
		}
	}
}

// wait is how long until a bucket holding tokens has one, in whole
// seconds as Retry-After says it (at least 1 s).
func (l *failureLimiter) wait(tokens float64) time.Duration {
	d := time.Duration((1 - tokens) * float64(l.every))
	return max(time.Second, time.Duration(math.Ceil(d.Seconds()))*time.Second)
}

// schedule arranges the next summary. l.mu is held.
func (l *failureLimiter) schedule() {
	if !l.scheduled {
		l.scheduled = true
		l.after(l.interval, l.summarise)
	}
}

// summarise logs one line per address that failed in the interval,
// resets the counters and forgets the addresses whose bucket is full
// again; it runs again after an interval while any address is tracked.
func (l *failureLimiter) summarise() {
	type line struct {
		ip              string
		failed, refused int
	}
	var lines []line
	l.mu.Lock()
	for ip, cl := range l.clients {
		if cl.failed > 0 || cl.refused > 0 {
			lines = append(lines, line{ip, cl.failed, cl.refused})
			cl.failed, cl.refused = 0, 0
		}
	}
	l.forget(l.now())
	l.scheduled = false
	if len(l.clients) > 0 {
		l.schedule()
	}
	l.mu.Unlock()
	for _, ln := range lines {
		l.log.Warn("failed authentications in the last "+l.interval.String(),
			"ip", ln.ip, "count", ln.failed+ln.refused, "unauthorized", ln.failed, "refused", ln.refused)
	}
}

// tooMany answers a limited address: 429, Retry-After, the connection
// closed.
func (l *failureLimiter) tooMany(c echo.Context, wait time.Duration) error {
	c.Response().Header().Set("Retry-After", strconv.Itoa(int(wait/time.Second)))
	return refuse(c, echo.NewHTTPError(http.StatusTooManyRequests, "too many failed authentications from this address; try again later"))
}
