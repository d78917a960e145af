package integration

import (
	"context"
	"errors"
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

func newService(t *testing.T, fake *openroutertest.Server, opts core.Options) *core.Service {
	t.Helper()
	gw, err := openrouter.New(openrouter.WithBaseURL(fake.URL()), openrouter.WithRetry(1, time.Millisecond, 5*time.Millisecond, time.Second))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(gw.Close)
	st := nopStore{}
	svc, err := core.New(core.Deps{Gateway: gw, Keys: st, Selections: st, Prompts: st, Cipher: nopCipher{}}, opts)
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// TestColdCatalogStampede: 100 concurrent callers on a cold cache cause
// exactly one upstream request, counted by the fake.
func TestColdCatalogStampede(t *testing.T) {
	fake := openroutertest.New()
	defer fake.Close()
	fake.SetFault(openroutertest.RouteModels, openroutertest.Fault{Latency: 200 * time.Millisecond, Times: 1})
	svc := newService(t, fake, core.Options{})
	var wg sync.WaitGroup
	lens := make([]int, 100)
	errs := make([]error, 100)
	for i := range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := svc.Catalog(context.Background(), false)
			errs[i] = err
			if err == nil {
				lens[i] = v.Catalog.Len()
			}
		}()
	}
	wg.Wait()
	for i := range 100 {
		if errs[i] != nil || lens[i] != lens[0] || lens[0] < 500 {
			t.Fatalf("caller %d: %d models, %v", i, lens[i], errs[i])
		}
	}
	if n := fake.RequestCount(openroutertest.RouteModels); n != 1 {
		t.Fatalf("100 cold callers caused %d upstream catalog requests, want 1", n)
	}
}

// TestStaleCatalogWhenUpstreamFails: a good catalog, then the upstream
// fails; the last good catalog is served marked stale, then recovers.
func TestStaleCatalogWhenUpstreamFails(t *testing.T) {
	fake := openroutertest.New()
	defer fake.Close()
	svc := newService(t, fake, core.Options{CatalogTTL: 50 * time.Millisecond, CatalogRetryAfter: 10 * time.Millisecond})
	ctx := context.Background()
	good, err := svc.Catalog(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	fake.SetFault(openroutertest.RouteModels, openroutertest.Fault{Status: 503})
	time.Sleep(60 * time.Millisecond)
	stale, err := svc.Catalog(ctx, false)
	if err != nil || !stale.Stale || stale.Catalog.Len() != good.Catalog.Len() {
		t.Fatalf("stale=%v err=%v", stale.Stale, err)
	}
	if !errors.Is(stale.StaleReason, domain.ErrUpstreamUnavailable) {
		t.Fatalf("reason %v", stale.StaleReason)
	}
	fake.ClearFaults()
	time.Sleep(20 * time.Millisecond)
	fresh, err := svc.Catalog(ctx, true)
	if err != nil || fresh.Stale {
		t.Fatalf("recovery: stale=%v err=%v", fresh.Stale, err)
	}
}
