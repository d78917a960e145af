package core_test

import (
	"context"
	"errors"
	"fmt"
	"github.com/aimodels/aimodels/adapters/memstore"
	"sync"
	"testing"

	"github.com/aimodels/aimodels/core"
	"github.com/aimodels/aimodels/core/domain"
)

// rotatingCipher is a toy keyset: every key id decrypts what it made
// until disabled; Encrypt uses the primary.
type rotatingCipher struct {
	primary  uint32
	disabled map[uint32]bool
}

func (r *rotatingCipher) PrimaryKeyID() uint32 { return r.primary }
func (r *rotatingCipher) AddPrimaryKey(context.Context) (uint32, error) {
	r.primary++
	return r.primary, nil
}
func (r *rotatingCipher) DisableKey(_ context.Context, id uint32) error {
	if id == r.primary {
		return errors.New("cannot disable the primary")
	}
	r.disabled[id] = true
	return nil
}
func (r *rotatingCipher) Encrypt(pt, ad []byte) ([]byte, uint32, error) {
	return (&xorCipher{keyID: r.primary}).Encrypt(pt, ad)
}
func (r *rotatingCipher) Decrypt(ct, ad []byte) ([]byte, error) {
	if len(ct) == 0 || r.disabled[uint32(ct[0])] {
		return nil, domain.ErrDecrypt
	}
	return (&xorCipher{}).Decrypt(ct, ad)
}

// errInjected is the failure a test makes the store return.
var errInjected = errors.New("injected store failure")

func seedKeys(t *testing.T, st *memstore.Store, c *rotatingCipher, n int) {
	t.Helper()
	for i := range n {
		scope := fmt.Sprintf("scope-%d", i%10)
		prov := fmt.Sprintf("p%d", i/10)
		ct, kid, _ := c.Encrypt([]byte(fmt.Sprintf("secret-%d", i)), domain.AssociatedData(scope, prov))
		if err := st.SaveKey(context.Background(), &domain.StoredKey{Scope: scope, Provider: prov, Ciphertext: ct, KeyID: kid}); err != nil {
			t.Fatal(err)
		}
	}
}

func checkAllReadable(t *testing.T, st *memstore.Store, c *rotatingCipher) map[uint32]int {
	t.Helper()
	byKey := map[uint32]int{}
	keys, err := st.KeysAfter(context.Background(), 0, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		pt, err := c.Decrypt(k.Ciphertext, domain.AssociatedData(k.Scope, k.Provider))
		if err != nil {
			t.Fatalf("key %d unreadable: %v", k.ID, err)
		}
		if len(pt) == 0 {
			t.Fatal("empty plaintext")
		}
		byKey[k.KeyID]++
	}
	return byKey
}

func TestRotateKeys(t *testing.T) {
	st := memstore.New()
	c := &rotatingCipher{primary: 1, disabled: map[uint32]bool{}}
	seedKeys(t, st, c, 1000)
	rep, err := core.NewRotation(c, st, c).Rotate(context.Background(), core.RotateOptions{BatchSize: 64, DisableOld: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep.NewKeyID != 2 || rep.Reencrypted != 1000 || rep.Batches != 16 || len(rep.Disabled) != 1 || rep.Disabled[0] != 1 {
		t.Fatalf("report %+v", rep)
	}
	if by := checkAllReadable(t, st, c); by[2] != 1000 {
		t.Fatalf("not all under the new primary: %v", by)
	}
}

func TestRotateKeysFailingHalfWayLeavesAllReadable(t *testing.T) {
	st := memstore.New()
	c := &rotatingCipher{primary: 1, disabled: map[uint32]bool{}}
	seedKeys(t, st, c, 1000)
	replaces := 0
	st.SetHook(func(_ context.Context, method string) error {
		if method == "ReplaceCiphertexts" {
			if replaces++; replaces == 3 {
				return errInjected
			}
		}
		return nil
	})
	_, err := core.NewRotation(c, st, c).Rotate(context.Background(), core.RotateOptions{BatchSize: 100, DisableOld: true})
	if !errors.Is(err, errInjected) {
		t.Fatalf("got %v", err)
	}
	by := checkAllReadable(t, st, c)
	if by[1] != 800 || by[2] != 200 || len(c.disabled) != 0 {
		t.Fatalf("after failure: %v disabled=%v", by, c.disabled)
	}
	// Running it again finishes the job.
	st.SetHook(nil)
	rep, err := core.NewRotation(c, st, c).Rotate(context.Background(), core.RotateOptions{BatchSize: 100, DisableOld: true})
	if err != nil {
		t.Fatal(err)
	}
	if by := checkAllReadable(t, st, c); by[3] != 1000 || rep.Reencrypted != 1000 {
		t.Fatalf("second run: %v %+v", by, rep)
	}
}

// A server that has not reloaded the keyset keeps writing under the old
// primary while the rotation runs: the verification pass re-encrypts what
// it wrote before any old key is disabled.
func TestRotateKeysCatchesWritesUnderTheOldKey(t *testing.T) {
	st := memstore.New()
	c := &rotatingCipher{primary: 1, disabled: map[uint32]bool{}}
	seedKeys(t, st, c, 300)
	stale := &xorCipher{keyID: 1}
	var once sync.Once
	st.SetHook(func(ctx context.Context, method string) error {
		if method == "ReplaceCiphertexts" {
			once.Do(func() {
				ct, kid, _ := stale.Encrypt([]byte("written-late"), domain.AssociatedData("late", "openrouter"))
				_ = st.SaveKey(ctx, &domain.StoredKey{Scope: "late", Provider: "openrouter", Ciphertext: ct, KeyID: kid})
			})
		}
		return nil
	})
	rep, err := core.NewRotation(c, st, c).Rotate(context.Background(), core.RotateOptions{BatchSize: 100, DisableOld: true})
	if err != nil {
		t.Fatal(err)
	}
	by := checkAllReadable(t, st, c)
	if by[2] != 301 || len(by) != 1 || len(rep.Disabled) != 1 {
		t.Fatalf("after rotation: %v %+v", by, rep)
	}
}

// TestRotateThenRetireWhileServersRun is the two-step rotation: rotate
// without disabling, a server that has not reloaded yet writes under the
// old primary, then RetireOld re-encrypts that write and disables the
// old key without adding another one.
func TestRotateThenRetireWhileServersRun(t *testing.T) {
	ctx := context.Background()
	st := memstore.New()
	c := &rotatingCipher{primary: 1, disabled: map[uint32]bool{}}
	seedKeys(t, st, c, 50)
	rep, err := core.NewRotation(c, st, c).Rotate(ctx, core.RotateOptions{})
	if err != nil || rep.NewKeyID != 2 || len(rep.Disabled) != 0 {
		t.Fatalf("rotate: %+v %v", rep, err)
	}
	// A server still on the old keyset saves a key under key 1.
	ct, kid, _ := (&xorCipher{keyID: 1}).Encrypt([]byte("saved-in-the-window"), domain.AssociatedData("late", "openrouter"))
	if err := st.SaveKey(ctx, &domain.StoredKey{Scope: "late", Provider: "openrouter", Ciphertext: ct, KeyID: kid}); err != nil {
		t.Fatal(err)
	}
	rep, err = core.NewRotation(c, st, c).RetireOld(ctx, []uint32{1}, core.RotateOptions{BatchSize: 16})
	if err != nil {
		t.Fatal(err)
	}
	if rep.NewKeyID != 2 || c.primary != 2 || rep.Reencrypted != 1 || len(rep.Disabled) != 1 || rep.Disabled[0] != 1 || !c.disabled[1] {
		t.Fatalf("retire: %+v, primary %d, disabled %v", rep, c.primary, c.disabled)
	}
	if by := checkAllReadable(t, st, c); by[2] != 51 {
		t.Fatalf("not all under key 2: %v", by)
	}
	// Nothing left to retire: a second run changes nothing.
	rep, err = core.NewRotation(c, st, c).RetireOld(ctx, nil, core.RotateOptions{})
	if err != nil || rep.Reencrypted != 0 || len(rep.Disabled) != 0 {
		t.Fatalf("second retire: %+v %v", rep, err)
	}
}
