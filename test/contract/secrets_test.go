package contract_test

import (
	"github.com/aimodels/aimodels/test/testenv"

	"bytes"
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aimodels/aimodels/adapters/gormstore"
	"github.com/aimodels/aimodels/adapters/memstore"
	"github.com/aimodels/aimodels/adapters/tinkcipher"
	"github.com/aimodels/aimodels/core"
	"github.com/aimodels/aimodels/core/domain"
	"github.com/aimodels/aimodels/ports"
)

const plainKey = "sk-or-v1-PLAINTEXTSENTINEL0123456789abcdef"

// storeKey encrypts plaintext for scope/provider and saves it, as the
// core's key service does.
func storeKey(t testing.TB, ctx context.Context, ks ports.KeyStore, c ports.Cipher, scope, provider, plaintext string) {
	t.Helper()
	ct, id, err := c.Encrypt([]byte(plaintext), domain.AssociatedData(scope, provider))
	if err != nil {
		t.Fatal(err)
	}
	k := &domain.StoredKey{Scope: scope, Provider: provider, Ciphertext: ct, KeyID: id, Hint: domain.MaskKey(plaintext)}
	if err := ks.SaveKey(ctx, k); err != nil {
		t.Fatal(err)
	}
}

func readKey(ctx context.Context, ks ports.KeyStore, c ports.Cipher, scope, provider string) (string, error) {
	k, err := ks.GetKey(ctx, scope, provider)
	if err != nil {
		return "", err
	}
	pt, err := c.Decrypt(k.Ciphertext, domain.AssociatedData(scope, provider))
	return string(pt), err
}

// eachStore runs fn against every store: the in-memory one (whose dump
// is nil: it stores no bytes), SQLite and MySQL (dump returns the bytes
// the database keeps of the api_keys).
func eachStore(t *testing.T, fn func(t *testing.T, s ports.KeyStore, dump func() []byte)) {
	t.Run("memory", func(t *testing.T) {
		s := memstore.New()
		fn(t, s, nil)
	})
	t.Run("sqlite", func(t *testing.T) {
		s, path := openSQLite(t)
		fn(t, s, func() []byte {
			db, _ := s.DB()
			if _, err := db.ExecContext(t.Context(), "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
				t.Fatal(err)
			}
			var all []byte
			for _, p := range []string{path, path + "-wal", path + "-shm"} {
				b, _ := os.ReadFile(p)
				all = append(all, b...)
			}
			if len(all) == 0 {
				t.Fatal("empty database file")
			}
			return all
		})
	})
	t.Run("mysql", func(t *testing.T) {
		contractSkip(t)
		s, _ := openMySQL(t)
		fn(t, s, func() []byte { return dumpMySQLKeys(t, s) })
	})
}

func contractSkip(t *testing.T) {
	t.Helper()
	if os.Getenv("AIMODELS_TEST_MYSQL_DSN") == "" {
		testenv.Missing(t, "MySQL tests need AIMODELS_TEST_MYSQL_DSN")
	}
}

// dumpMySQLKeys returns every column of every api_keys row, raw and hex.
func dumpMySQLKeys(t testing.TB, s *gormstore.Store) []byte {
	db, err := s.DB()
	if err != nil {
		t.Fatal(err)
	}
	rows, err := db.QueryContext(context.Background(),
		"SELECT id, scope, provider, ciphertext, HEX(ciphertext), key_id, hint, created_at, updated_at FROM api_keys")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var buf bytes.Buffer
	cols, _ := rows.Columns()
	vals := make([]sql.RawBytes, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	n := 0
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for _, v := range vals {
			buf.Write(v)
			buf.WriteByte('|')
			buf.WriteString(hex.EncodeToString(v))
			buf.WriteByte('|')
		}
		n++
	}
	if n == 0 {
		t.Fatal("api_keys is empty")
	}
	return buf.Bytes()
}

func TestPlaintextNeverStored(t *testing.T) {
	eachStore(t, func(t *testing.T, s ports.KeyStore, dump func() []byte) {
		if dump == nil {
			t.Skip("the store keeps no bytes to search")
		}
		ctx := t.Context()
		c, err := tinkcipher.Generate()
		if err != nil {
			t.Fatal(err)
		}
		storeKey(t, ctx, s, c, "default", domain.ProviderOpenRouter, plainKey)
		storeKey(t, ctx, s, c, "tenant-x", domain.ProviderOpenRouter, plainKey)
		raw := dump()
		low := bytes.ToLower(raw)
		for _, needle := range []string{plainKey, "PLAINTEXTSENTINEL", hex.EncodeToString([]byte("PLAINTEXTSENTINEL"))} {
			if bytes.Contains(raw, []byte(needle)) || bytes.Contains(low, bytes.ToLower([]byte(needle))) {
				t.Fatalf("the stored bytes contain %q", needle)
			}
		}
		if !bytes.Contains(raw, []byte(domain.MaskKey(plainKey))) {
			t.Fatal("dump does not contain the masked hint: is it dumping the right data?")
		}
		got, err := readKey(ctx, s, c, "default", domain.ProviderOpenRouter)
		if err != nil || got != plainKey {
			t.Fatalf("round trip: %v", err)
		}
	})
}

func TestStoredCiphertextAttacks(t *testing.T) {
	eachStore(t, func(t *testing.T, s ports.KeyStore, _ func() []byte) {
		ctx := t.Context()
		c, _ := tinkcipher.Generate()
		storeKey(t, ctx, s, c, "alice", domain.ProviderOpenRouter, plainKey)
		storeKey(t, ctx, s, c, "bob", domain.ProviderOpenRouter, "sk-or-v1-bobs-own-key-000000000")
		ka, _ := s.GetKey(ctx, "alice", domain.ProviderOpenRouter)

		check := func(name string, err error, pt string) {
			t.Helper()
			if !errors.Is(err, domain.ErrDecrypt) {
				t.Fatalf("%s: err = %v, want ErrDecrypt", name, err)
			}
			if pt != "" || strings.Contains(err.Error(), plainKey) {
				t.Fatalf("%s: plaintext leaked", name)
			}
		}

		for _, pos := range []int{0, 7, len(ka.Ciphertext) / 2, len(ka.Ciphertext) - 1} {
			flipped := *ka
			flipped.Ciphertext = bytes.Clone(ka.Ciphertext)
			flipped.Ciphertext[pos] ^= 0x01
			if err := s.SaveKey(ctx, &flipped); err != nil {
				t.Fatal(err)
			}
			pt, err := readKey(ctx, s, c, "alice", domain.ProviderOpenRouter)
			check(fmt.Sprintf("byte %d flipped", pos), err, pt)
		}

		// Alice's ciphertext copied onto Bob's row, and onto another provider.
		moved := *ka
		moved.Scope, moved.ID = "bob", 0
		if err := s.SaveKey(ctx, &moved); err != nil {
			t.Fatal(err)
		}
		pt, err := readKey(ctx, s, c, "bob", domain.ProviderOpenRouter)
		check("moved to another scope", err, pt)
		moved.Scope, moved.Provider = "alice", "openai"
		if err := s.SaveKey(ctx, &moved); err != nil {
			t.Fatal(err)
		}
		pt, err = readKey(ctx, s, c, "alice", "openai")
		check("moved to another provider", err, pt)

		// A wrong keyset.
		storeKey(t, ctx, s, c, "carol", domain.ProviderOpenRouter, plainKey)
		other, _ := tinkcipher.Generate()
		pt, err = readKey(ctx, s, other, "carol", domain.ProviderOpenRouter)
		check("wrong keyset", err, pt)
	})
}

// failingStore fails ReplaceCiphertexts on the failOn-th call.
type failingStore struct {
	ports.KeyStore
	calls  atomic.Int32
	failOn int32
}

var errInjected = errors.New("injected failure")

func (f *failingStore) ReplaceCiphertexts(ctx context.Context, keys []domain.StoredKey) error {
	if f.calls.Add(1) == f.failOn {
		return &domain.StoreError{Kind: domain.ErrStoreUnavailable, Op: "replace ciphertexts", Err: errInjected}
	}
	return f.KeyStore.ReplaceCiphertexts(ctx, keys)
}

func TestRotation(t *testing.T) {
	eachStore(t, func(t *testing.T, s ports.KeyStore, _ func() []byte) {
		ctx := t.Context()
		keysetPath := t.TempDir() + "/keyset.json"
		c, _, err := tinkcipher.LoadOrGenerate(keysetPath, nil)
		if err != nil {
			t.Fatal(err)
		}
		oldID := c.PrimaryKeyID()
		const scopes, perScope = 10, 100
		want := map[[2]string]string{}
		for sc := range scopes {
			for p := range perScope {
				scope, provider := fmt.Sprintf("scope-%d", sc), fmt.Sprintf("provider-%03d", p)
				plain := fmt.Sprintf("sk-or-v1-%d-%03d-secretsecret", sc, p)
				storeKey(t, ctx, s, c, scope, provider, plain)
				want[[2]string{scope, provider}] = plain
			}
		}
		verify := func(t *testing.T, wantKeyID func(uint32) bool) {
			t.Helper()
			n := 0
			var after int64
			for {
				b, err := s.KeysAfter(ctx, after, 200)
				if err != nil {
					t.Fatal(err)
				}
				if len(b) == 0 {
					break
				}
				for _, k := range b {
					pt, err := c.Decrypt(k.Ciphertext, domain.AssociatedData(k.Scope, k.Provider))
					if err != nil || string(pt) != want[[2]string{k.Scope, k.Provider}] {
						t.Fatalf("key %s/%s unreadable: %v", k.Scope, k.Provider, err)
					}
					if !wantKeyID(k.KeyID) {
						t.Fatalf("key %s/%s under key id %d", k.Scope, k.Provider, k.KeyID)
					}
					n++
				}
				after = b[len(b)-1].ID
			}
			if n != scopes*perScope {
				t.Fatalf("%d keys, want %d", n, scopes*perScope)
			}
		}

		// A rotation that fails on its third batch leaves every key readable.
		fs := &failingStore{KeyStore: s, failOn: 3}
		rep, err := core.NewRotation(c, fs, c).Rotate(ctx, core.RotateOptions{BatchSize: 100, DisableOld: true})
		if !errors.Is(err, errInjected) {
			t.Fatalf("rotation error = %v, want the injected failure", err)
		}
		if rep.Batches != 2 || len(rep.Disabled) != 0 {
			t.Fatalf("partial report %+v", rep)
		}
		mid := c.PrimaryKeyID()
		verify(t, func(id uint32) bool { return id == oldID || id == mid })

		// Run again to completion: everything under the newest primary.
		rep, err = core.NewRotation(c, s, c).Rotate(ctx, core.RotateOptions{BatchSize: 100, DisableOld: true})
		if err != nil {
			t.Fatal(err)
		}
		newID := c.PrimaryKeyID()
		if rep.NewKeyID != newID || rep.Reencrypted != scopes*perScope {
			t.Fatalf("report %+v", rep)
		}
		verify(t, func(id uint32) bool { return id == newID })
		for _, k := range c.Keys() {
			if k.ID != newID && k.Status != "DISABLED" {
				t.Fatalf("old key %d still %s", k.ID, k.Status)
			}
		}
		// The persisted keyset agrees.
		reloaded, err := tinkcipher.LoadFile(keysetPath, nil)
		if err != nil || reloaded.PrimaryKeyID() != newID {
			t.Fatalf("persisted keyset: %v", err)
		}
	})
}
