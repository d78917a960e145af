package memstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/aimodels/aimodels/core/domain"
	"github.com/aimodels/aimodels/ports"
)

// MaxScopeLength is the longest scope the store accepts, in bytes: the
// limit of gormstore, so that both accept the same scopes.
const MaxScopeLength = 64

// ErrClosed is the cause (Err) of the *domain.StoreError of kind
// domain.ErrStoreUnavailable that every call returns after Close.
var ErrClosed = errors.New("memstore: store is closed")

// Store is an in-memory store. The zero value is not usable: call New.
// It is safe for concurrent use.
type Store struct {
	mu         sync.Mutex
	keys       map[int64]*domain.StoredKey // by ID
	keyIDs     map[scoped]int64            // (scope, provider) -> ID
	sels       map[scoped]domain.SavedSelection
	prompts    map[int64]*domain.Prompt
	versions   map[int64][]domain.PromptVersion // by prompt ID, oldest first
	lastKeyID  int64
	lastPrompt int64
	last       time.Time // the latest timestamp handed out
	closed     bool
	failNext   error
	hook       func(ctx context.Context, method string) error
	usage      usageData               // the usage ledger (usage.go)
	snapshot   *domain.CatalogSnapshot // the catalog served last (catalog.go)
}

// scoped is a record's unique key: its scope and a name (provider or type).
type scoped struct{ scope, name string }

var (
	_ ports.KeyStore       = (*Store)(nil)
	_ ports.SelectionStore = (*Store)(nil)
	_ ports.PromptStore    = (*Store)(nil)
	_ ports.Pinger         = (*Store)(nil)
	_ ports.UsageStore     = (*Store)(nil)
)

// New returns an empty store.
func New() *Store {
	return &Store{
		keys:     map[int64]*domain.StoredKey{},
		keyIDs:   map[scoped]int64{},
		sels:     map[scoped]domain.SavedSelection{},
		prompts:  map[int64]*domain.Prompt{},
		versions: map[int64][]domain.PromptVersion{},
	}
}

// FailNext makes the next call of any method return err unchanged (not
// wrapped, so errors.Is finds it) and change nothing; the calls after it
// run normally again. To stand for an outage, pass a *domain.StoreError
// of kind domain.ErrStoreUnavailable. FailNext(nil) cancels a failure not
// yet returned.
func (s *Store) FailNext(err error) {
	s.mu.Lock()
	s.failNext = err
	s.mu.Unlock()
}

// SetHook makes hook run at the start of every later call, with the
// call's context and the name of the method ("SaveKey",
// "ReplaceCiphertexts", "Ping", …); a non-nil error is returned by the
// call unchanged, which then changes nothing. A call that FailNext fails
// does not reach the hook. The hook runs without the
// store's lock, so it may call the store, and it is called for those
// calls too. SetHook(nil) removes it.
func (s *Store) SetHook(hook func(ctx context.Context, method string) error) {
	s.mu.Lock()
	s.hook = hook
	s.mu.Unlock()
}

// Close makes the store unavailable: every later call returns a
// *domain.StoreError of kind domain.ErrStoreUnavailable wrapping
// ErrClosed. Close always returns nil.
func (s *Store) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	return nil
}

// Ping returns nil unless the store is closed or ctx is done; then it
// returns a *domain.StoreError of kind domain.ErrStoreUnavailable.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.begin(ctx, "Ping"); err != nil {
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			return &domain.StoreError{Kind: domain.ErrStoreUnavailable, Op: "Ping", Err: err}
		}
		return err
	}
	s.mu.Unlock()
	return nil
}

// begin starts a call of method: it returns the injected failure, the
// hook's error, an error wrapping ctx.Err() or the closed store's error,
// or else nil with s.mu held.
func (s *Store) begin(ctx context.Context, method string) error {
	s.mu.Lock()
	fail, hook := s.failNext, s.hook
	s.failNext = nil
	s.mu.Unlock()
	if fail != nil {
		return fail
	}
	if hook != nil {
		if err := hook(ctx, method); err != nil {
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memstore %s: %w", method, err)
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return &domain.StoreError{Kind: domain.ErrStoreUnavailable, Op: method, Err: ErrClosed}
	}
	return nil
}

// now returns the time of a write: UTC, to the microsecond, and later
// than every time returned before, so that a key saved again always gets
// a new UpdatedAt (ReplaceCiphertexts relies on it). s.mu must be held.
func (s *Store) now() time.Time {
	t := time.Now().UTC().Truncate(time.Microsecond)
	if !t.After(s.last) {
		t = s.last.Add(time.Microsecond)
	}
	s.last = t
	return t
}

// normScope returns the scope to store: domain.DefaultScope for "", a
// *domain.ValidationError when it is too long.
func normScope(scope string) (string, error) {
	if scope == "" {
		return domain.DefaultScope, nil
	}
	if len(scope) > MaxScopeLength {
		return "", &domain.ValidationError{Field: "scope", Reason: "must be at most 64 bytes"}
	}
	return scope, nil
}

func notFound(method string) error {
	return &domain.StoreError{Kind: domain.ErrNotFound, Op: method}
}

// cloneKey returns a copy of k that shares no memory with it.
func cloneKey(k *domain.StoredKey) domain.StoredKey {
	c := *k
	c.Ciphertext = bytes.Clone(k.Ciphertext)
	return c
}
