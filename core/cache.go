package core

import (
	"strings"
	"sync"
	"time"

	"github.com/aimodels/aimodels/ports"
)

// ttlCache caches one value per key (a scope, or a scope and a name) for
// a short time. A negative ttl disables it. Values include "absent"
// results (ok=false) so that a missing key is not looked up on every
// request either.
type ttlCache[V any] struct {
	clock ports.Clock
	ttl   time.Duration
	mu    sync.RWMutex
	m     map[string]ttlEntry[V]
	// gen changes on every forget, so a read that started before a write
	// cannot put the old value back after the write invalidated it.
	gen uint64
}

type ttlEntry[V any] struct {
	v   V
	ok  bool
	exp time.Time
}

func newTTLCache[V any](clock ports.Clock, ttl time.Duration) *ttlCache[V] {
	return &ttlCache[V]{clock: clock, ttl: ttl, m: make(map[string]ttlEntry[V])}
}

// generation returns the token to pass to put for a read starting now.
func (c *ttlCache[V]) generation() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.gen
}

// get returns (value, present, hit).
func (c *ttlCache[V]) get(scope string) (V, bool, bool) {
	var zero V
	if c.ttl < 0 {
		return zero, false, false
	}
	c.mu.RLock()
	e, hit := c.m[scope]
	c.mu.RUnlock()
	if !hit || c.clock.Now().After(e.exp) {
		return zero, false, false
	}
	return e.v, e.ok, true
}

func (c *ttlCache[V]) put(gen uint64, scope string, v V, ok bool) {
	if c.ttl < 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	c.m[scope] = ttlEntry[V]{v: v, ok: ok, exp: c.clock.Now().Add(c.ttl)}
}

func (c *ttlCache[V]) forget(scope string) {
	c.mu.Lock()
	delete(c.m, scope)
	c.gen++
	c.mu.Unlock()
}

// forgetPrefix drops every key starting with prefix (a scope's entries).
func (c *ttlCache[V]) forgetPrefix(prefix string) {
	c.mu.Lock()
	for k := range c.m {
		if strings.HasPrefix(k, prefix) {
			delete(c.m, k)
		}
	}
	c.gen++
	c.mu.Unlock()
}
