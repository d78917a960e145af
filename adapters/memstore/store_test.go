package memstore_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/aimodels/aimodels/adapters/memstore"
	"github.com/aimodels/aimodels/core/domain"
)

// The contract suite (test/contract) checks the port rules; these tests
// check what is memstore's own: failure injection and copies.

func TestFailNextFailsOneCallAndChangesNothing(t *testing.T) {
	ctx := t.Context()
	s := memstore.New()
	boom := errors.New("boom")
	s.FailNext(boom)
	k := &domain.StoredKey{Provider: domain.ProviderOpenRouter, Ciphertext: []byte("ct"), KeyID: 1}
	if err := s.SaveKey(ctx, k); !errors.Is(err, boom) {
		t.Fatalf("first call: %v, want the injected error", err)
	}
	if k.ID != 0 {
		t.Fatalf("a failed save filled in %+v", k)
	}
	if _, err := s.GetKey(ctx, "", domain.ProviderOpenRouter); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("the failed save stored the key: %v", err)
	}
	s.FailNext(boom)
	s.FailNext(nil)
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("FailNext(nil) did not cancel: %v", err)
	}
}

func TestHookMayCallTheStore(t *testing.T) {
	ctx := t.Context()
	s := memstore.New()
	var mu sync.Mutex
	var calls []string
	s.SetHook(func(ctx context.Context, method string) error {
		mu.Lock()
		calls = append(calls, method)
		mu.Unlock()
		if method == "ListKeys" {
			// A write between two calls, from inside the hook.
			return s.SaveKey(ctx, &domain.StoredKey{Scope: "late", Provider: "p", Ciphertext: []byte("ct")})
		}
		return nil
	})
	list, err := s.ListKeys(ctx, "late")
	if err != nil || len(list) != 1 {
		t.Fatalf("list = %+v, %v; want the key the hook saved", list, err)
	}
	s.SetHook(nil)
	if err := s.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(calls) != 2 || calls[0] != "ListKeys" || calls[1] != "SaveKey" {
		t.Fatalf("hook saw %q, want [ListKeys SaveKey]", calls)
	}
}

func TestClosedStoreIsUnavailable(t *testing.T) {
	s := memstore.New()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	err := s.Ping(t.Context())
	var se *domain.StoreError
	if !errors.As(err, &se) || !errors.Is(err, domain.ErrStoreUnavailable) || !errors.Is(err, memstore.ErrClosed) {
		t.Fatalf("ping after close: %v", err)
	}
}

func TestCiphertextsAreCopied(t *testing.T) {
	ctx := t.Context()
	s := memstore.New()
	ct := []byte("ciphertext")
	if err := s.SaveKey(ctx, &domain.StoredKey{Provider: "p", Ciphertext: ct}); err != nil {
		t.Fatal(err)
	}
	ct[0] = 'X'
	got, err := s.GetKey(ctx, "", "p")
	if err != nil {
		t.Fatal(err)
	}
	got.Ciphertext[1] = 'Y'
	again, _ := s.GetKey(ctx, "", "p")
	if string(again.Ciphertext) != "ciphertext" {
		t.Fatalf("stored ciphertext shares memory with a caller: %q", again.Ciphertext)
	}
}
