package core

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/aimodels/aimodels/core/domain"
	"github.com/aimodels/aimodels/ports"
)

// catalogCache keeps the last good catalog. Concurrent cold callers share
// one upstream fetch, which a caller that gives up does not cancel; when a
// refresh fails the last good catalog is served marked stale, and the
// upstream is not asked again before retry.
//
// golang.org/x/sync/singleflight would share the fetch too, but the core
// depends on the standard library only; the shared fetch is the one
// channel below.
type catalogCache struct {
	gw    ports.CatalogGateway
	clock ports.Clock
	log   *slog.Logger
	ttl   time.Duration
	retry time.Duration
	limit time.Duration
	// key returns the key to fetch with ("" for none): the public catalog
	// ignores it, a per-key catalog (/models/user) needs it.
	key func(context.Context) domain.APIKey

	mu          sync.Mutex
	cur         *domain.Catalog
	version     uint64
	staleErr    error
	lastAttempt time.Time
	inflight    *fetchCall // nil when no fetch runs
}

type fetchCall struct {
	done chan struct{} // closed when view and err are set
	view ports.CatalogView
	err  error
}

func (c *catalogCache) viewLocked() ports.CatalogView {
	return ports.CatalogView{Catalog: c.cur, Stale: c.staleErr != nil, StaleReason: c.staleErr, Version: c.version}
}

// cached returns the current catalog without fetching; ok is false when cold.
func (c *catalogCache) cached() (ports.CatalogView, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.viewLocked(), c.cur != nil
}

func (c *catalogCache) get(ctx context.Context, refresh bool) (ports.CatalogView, error) {
	c.mu.Lock()
	now := c.clock.Now()
	if c.cur != nil && !refresh {
		fresh := now.Sub(c.cur.FetchedAt()) < c.ttl
		backingOff := c.staleErr != nil && now.Sub(c.lastAttempt) < c.retry
		if fresh || backingOff {
			v := c.viewLocked()
			c.mu.Unlock()
			return v, nil
		}
	}
	call := c.inflight
	if call == nil {
		call = &fetchCall{done: make(chan struct{})}
		c.inflight, c.lastAttempt = call, now
		go c.fetch(context.WithoutCancel(ctx), call)
	}
	c.mu.Unlock()

	select {
	case <-call.done:
		return call.view, call.err
	case <-ctx.Done():
		return ports.CatalogView{}, ctx.Err()
	}
}

// fetch runs one upstream fetch for every waiter, bounded by limit
// whatever the callers' contexts; whatever the gateway does (an error, a
// panic), the waiters are released.
func (c *catalogCache) fetch(ctx context.Context, call *fetchCall) {
	var models []domain.Model
	err := errors.New("catalog fetch aborted")
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("catalog fetch panicked: %v", r)
		}
		c.finish(call, models, err)
	}()
	ctx, cancel := context.WithTimeout(ctx, c.limit)
	defer cancel()
	models, err = c.gw.ListModels(ctx, c.key(ctx))
}

func (c *catalogCache) finish(call *fetchCall, models []domain.Model, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	defer close(call.done)
	c.inflight = nil
	if err != nil {
		if c.cur == nil {
			call.err = err
			return
		}
		c.staleErr = err
		c.log.Warn("catalog refresh failed; serving the last good catalog", "error", err)
		call.view = c.viewLocked()
		return
	}
	c.cur = domain.NewCatalog(models, c.clock.Now())
	c.version++
	c.staleErr = nil
	call.view = c.viewLocked()
}

// Catalog returns the cached catalog, fetching when cold, expired or
// refresh, with each type's recommended default and what changed since
// the catalog served before.
func (mm *ModelManager) Catalog(ctx context.Context, refresh bool) (ports.CatalogView, error) {
	v, err := mm.catalog.get(ctx, refresh)
	if err != nil {
		return v, err
	}
	v.Recommended = mm.recs.of(v.Catalog)
	v.Changes = mm.changes.of(ctx, v.Catalog)
	return v, nil
}
