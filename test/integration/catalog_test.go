package integration

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aimodels/aimodels/adapters/openrouter"
	"github.com/aimodels/aimodels/core"
	"github.com/aimodels/aimodels/core/domain"
	"github.com/aimodels/aimodels/ports"
	"github.com/aimodels/aimodels/test/openroutertest"
)

// nopStore satisfies the store ports for tests that only use the catalog.
type nopStore struct {
	ports.KeyStore
	ports.SelectionStore
	ports.PromptStore
}

// GetKey finds no key: the catalog is then fetched without one.
func (nopStore) GetKey(context.Context, string, string) (*domain.StoredKey, error) {
	return nil, &domain.StoreError{Kind: domain.ErrNotFound, Op: "get key"}
}

type nopCipher struct{}

func (nopCipher) Encrypt(p, _ []byte) ([]byte, uint32, error) { return p, 1, nil }
func (nopCipher) Decrypt(c, _ []byte) ([]byte, error)         { return c, nil }

func newService(t *testing.T, fake *openroutertest.Server, opts core.Options, gwOpts ...openrouter.Option) *core.Service {
	t.Helper()
	return newServiceWith(t, fake, core.Deps{}, opts, gwOpts...)
}

// newServiceWith is newService with deps (the gateway and stores
// are filled in).
func newServiceWith(t *testing.T, fake *openroutertest.Server, deps core.Deps, opts core.Options, gwOpts ...openrouter.Option) *core.Service {
	t.Helper()
	all := append([]openrouter.Option{openrouter.WithBaseURL(fake.URL()), openrouter.WithRetry(1, time.Millisecond, 5*time.Millisecond, time.Second)}, gwOpts...)
	gw, err := openrouter.New(all...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(gw.Close)
	st := nopStore{}
	deps.Gateway, deps.Keys, deps.Selections, deps.Prompts, deps.Cipher = gw, st, st, st, nopCipher{}
	svc, err := core.New(deps, opts)
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// hangGuard only turns a hang into a failure; no outcome depends on it.
const hangGuard = 60 * time.Second

// gate holds every GET /models on its way to the fake until released,
// reporting each one it holds.
type gate struct {
	rt      http.RoundTripper
	held    chan struct{} // one value per request held
	release chan struct{} // closed to let them through
}

func (g *gate) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasSuffix(r.URL.Path, "/models") {
		g.held <- struct{}{}
		select {
		case <-g.release:
		case <-r.Context().Done():
			return nil, r.Context().Err()
		}
	}
	return g.rt.RoundTrip(r)
}

// waitingCtx reports, once, the first time the caller asks for Done: a
// caller of the catalog does that when it settles down to wait for the
// shared fetch (the select on the fetch and its context).
type waitingCtx struct {
	context.Context
	once    sync.Once
	waiting chan<- int
	id      int
}

func (c *waitingCtx) Done() <-chan struct{} {
	c.once.Do(func() { c.waiting <- c.id })
	return c.Context.Done()
}

// TestColdCatalogStampede: 100 concurrent callers on a cold cache cause
// exactly one upstream request, counted by the fake. The upstream request
// is held until every caller waits for it, so the callers really overlap
// however the goroutines are scheduled.
func TestColdCatalogStampede(t *testing.T) {
	const callers = 100
	fake := openroutertest.New()
	defer fake.Close()
	g := &gate{rt: http.DefaultTransport, held: make(chan struct{}, callers), release: make(chan struct{})}
	released := false
	releaseOnce := func() {
		if !released {
			released = true
			close(g.release)
		}
	}
	defer releaseOnce() // a failure below must not leave the fetch held
	svc := newService(t, fake, core.Options{}, openrouter.WithHTTPClient(&http.Client{Transport: g}))

	var wg sync.WaitGroup
	waiting := make(chan int, callers)
	lens := make([]int, callers)
	errs := make([]error, callers)
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := &waitingCtx{Context: context.Background(), waiting: waiting, id: i}
			v, err := svc.Catalog(ctx, false)
			errs[i] = err
			if err == nil {
				lens[i] = v.Catalog.Len()
			}
		}()
	}
	select {
	case <-g.held:
	case <-time.After(hangGuard):
		t.Fatal("no upstream catalog request")
	}
	seen := map[int]bool{}
	for len(seen) < callers {
		select {
		case id := <-waiting:
			seen[id] = true
		case <-time.After(hangGuard):
			t.Fatalf("only %d of %d callers wait for the catalog", len(seen), callers)
		}
	}
	// Every caller has decided to wait while the one fetch is held: a
	// second fetch now could only come from a caller that did not share.
	if extra := len(g.held); extra != 0 {
		t.Fatalf("%d more upstream catalog requests while the first was held", extra)
	}
	releaseOnce()
	wg.Wait()
	for i := range callers {
		if errs[i] != nil || lens[i] != lens[0] || lens[0] < 500 {
			t.Fatalf("caller %d: %d models, %v", i, lens[i], errs[i])
		}
	}
	if n := fake.RequestCount(openroutertest.RouteModels); n != 1 {
		t.Fatalf("%d cold callers caused %d upstream catalog requests, want 1", callers, n)
	}
	if extra := len(g.held); extra != 0 {
		t.Fatalf("%d more upstream catalog requests after the first", extra)
	}
}

// manualClock is a ports.Clock that moves only when the test says.
type manualClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *manualClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// TestStaleCatalogWhenUpstreamFails: a good catalog, then the upstream
// fails; the last good catalog is served marked stale, then recovers.
// The service's clock is moved by hand past the TTL and the retry wait.
func TestStaleCatalogWhenUpstreamFails(t *testing.T) {
	fake := openroutertest.New()
	defer fake.Close()
	clk := &manualClock{now: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
	svc := newServiceWith(t, fake, core.Deps{}, core.Options{Clock: clk, CatalogTTL: 50 * time.Millisecond, CatalogRetryAfter: 10 * time.Millisecond})
	ctx := context.Background()
	good, err := svc.Catalog(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	fake.SetFault(openroutertest.RouteModels, openroutertest.Fault{Status: 503})
	clk.Advance(60 * time.Millisecond) // past the TTL
	stale, err := svc.Catalog(ctx, false)
	if err != nil || !stale.Stale || stale.Catalog.Len() != good.Catalog.Len() {
		t.Fatalf("stale=%v err=%v", stale.Stale, err)
	}
	if !errors.Is(stale.StaleReason, domain.ErrUpstreamUnavailable) {
		t.Fatalf("reason %v", stale.StaleReason)
	}
	// Within the retry wait the stale catalog is served without asking.
	asked := fake.RequestCount(openroutertest.RouteModels)
	if again, err := svc.Catalog(ctx, false); err != nil || !again.Stale || fake.RequestCount(openroutertest.RouteModels) != asked {
		t.Fatalf("within the retry wait: stale=%v err=%v, %d upstream requests, want %d", again.Stale, err, fake.RequestCount(openroutertest.RouteModels), asked)
	}
	fake.ClearFaults()
	clk.Advance(20 * time.Millisecond) // past the retry wait
	fresh, err := svc.Catalog(ctx, true)
	if err != nil || fresh.Stale {
		t.Fatalf("recovery: stale=%v err=%v", fresh.Stale, err)
	}
}
