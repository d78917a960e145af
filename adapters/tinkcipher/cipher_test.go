package tinkcipher_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aimodels/aimodels/adapters/tinkcipher"
	"github.com/aimodels/aimodels/core/domain"
)

var ad = domain.AssociatedData("default", "openrouter")

func mustGenerate(t *testing.T) *tinkcipher.Cipher {
	t.Helper()
	c, err := tinkcipher.Generate()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRoundTripAndKeyID(t *testing.T) {
	c := mustGenerate(t)
	pt := []byte("sk-or-v1-0123456789abcdef")
	ct, id, err := c.Encrypt(pt, ad)
	if err != nil {
		t.Fatal(err)
	}
	if id == 0 || id != c.PrimaryKeyID() {
		t.Fatalf("key id %d, primary %d", id, c.PrimaryKeyID())
	}
	if bytes.Contains(ct, pt) {
		t.Fatal("ciphertext contains the plaintext")
	}
	got, err := c.Decrypt(ct, ad)
	if err != nil || string(got) != string(pt) {
		t.Fatalf("decrypt = %q, %v", got, err)
	}
	ct2, _, _ := c.Encrypt(pt, ad)
	if bytes.Equal(ct, ct2) {
		t.Fatal("two encryptions gave the same ciphertext (nonce reuse?)")
	}
}

func TestDecryptFailuresAreTyped(t *testing.T) {
	c := mustGenerate(t)
	other := mustGenerate(t)
	secret := "sk-or-v1-secret-value-xyz"
	ct, _, err := c.Encrypt([]byte(secret), ad)
	if err != nil {
		t.Fatal(err)
	}
	flipped := bytes.Clone(ct)
	flipped[len(flipped)-3] ^= 0x01
	header := bytes.Clone(ct)
	header[2] ^= 0x80
	cases := []struct {
		name   string
		cipher *tinkcipher.Cipher
		ct     []byte
		ad     []byte
	}{
		{"tampered body", c, flipped, ad},
		{"tampered key id", c, header, ad},
		{"other scope", c, ct, domain.AssociatedData("other", "openrouter")},
		{"other provider", c, ct, domain.AssociatedData("default", "openai")},
		{"wrong keyset", other, ct, ad},
		{"empty", c, nil, ad},
		{"short", c, []byte{1, 2, 3}, ad},
		{"prefix only", c, ct[:5], ad},
		{"truncated", c, ct[:len(ct)-1], ad},
		{"garbage", c, bytes.Repeat([]byte{0xff}, 64), ad},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pt, err := tc.cipher.Decrypt(tc.ct, tc.ad)
			if !errors.Is(err, domain.ErrDecrypt) {
				t.Fatalf("err = %v, want ErrDecrypt", err)
			}
			if pt != nil {
				t.Fatal("plaintext returned on failure")
			}
			if strings.Contains(err.Error(), secret) {
				t.Fatal("error contains the secret")
			}
		})
	}
}

func FuzzDecryptNeverPanics(f *testing.F) {
	c, err := tinkcipher.Generate()
	if err != nil {
		f.Fatal(err)
	}
	ct, _, _ := c.Encrypt([]byte("sk-or-v1-fuzz"), ad)
	f.Add(ct)
	f.Add([]byte{})
	f.Add([]byte{1, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		if _, err := c.Decrypt(b, ad); err != nil && !errors.Is(err, domain.ErrDecrypt) {
			t.Fatalf("untyped error %v", err)
		}
	})
}

func TestLoadOrGenerate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keyset.json")
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	c1, generated, err := tinkcipher.LoadOrGenerate(path, log)
	if err != nil || !generated {
		t.Fatalf("first run: generated=%v err=%v", generated, err)
	}
	if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "development") {
		t.Fatalf("no development warning logged: %s", logs.String())
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want 0600", fi.Mode().Perm())
	}
	ct, _, _ := c1.Encrypt([]byte("secret-1"), ad)
	c2, generated, err := tinkcipher.LoadOrGenerate(path, log)
	if err != nil || generated {
		t.Fatalf("second run: generated=%v err=%v", generated, err)
	}
	if pt, err := c2.Decrypt(ct, ad); err != nil || string(pt) != "secret-1" {
		t.Fatalf("reloaded keyset cannot decrypt: %v", err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Fatalf("temporary files left behind: %v", entries)
	}
}

func TestLoadOrGenerateConcurrentStartAgrees(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keyset.json")
	const n = 8
	ciphers := make([]*tinkcipher.Cipher, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			c, _, err := tinkcipher.LoadOrGenerate(path, nil)
			if err != nil {
				t.Error(err)
				return
			}
			ciphers[i] = c
		})
	}
	wg.Wait()
	for i := 1; i < n; i++ {
		if ciphers[i] != nil && ciphers[0] != nil && ciphers[i].PrimaryKeyID() != ciphers[0].PrimaryKeyID() {
			t.Fatalf("process %d got another keyset", i)
		}
	}
}

func TestMasterEncryptedFile(t *testing.T) {
	dir := t.TempDir()
	masterPath := filepath.Join(dir, "master.json")
	m := mustGenerate(t)
	if err := m.WriteFile(masterPath, nil); err != nil {
		t.Fatal(err)
	}
	master, err := tinkcipher.MasterFromFile(masterPath)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "keyset.enc.json")
	c, generated, err := tinkcipher.LoadOrGenerateWithMaster(path, master, nil)
	if err != nil || !generated {
		t.Fatal(generated, err)
	}
	raw, _ := os.ReadFile(path)
	if !strings.Contains(string(raw), "encryptedKeyset") {
		t.Fatalf("file is not an encrypted keyset: %s", raw)
	}
	if _, err := tinkcipher.LoadFile(path, nil); !errors.Is(err, tinkcipher.ErrBadKeyset) {
		t.Fatalf("cleartext read of encrypted keyset: %v", err)
	}
	ct, _, _ := c.Encrypt([]byte("s"), ad)
	if _, err := c.AddPrimaryKey(context.Background()); err != nil {
		t.Fatal(err)
	}
	c2, err := tinkcipher.LoadFile(path, master)
	if err != nil {
		t.Fatal(err)
	}
	if c2.PrimaryKeyID() != c.PrimaryKeyID() {
		t.Fatal("rotation not persisted to the encrypted file")
	}
	if _, err := c2.Decrypt(ct, ad); err != nil {
		t.Fatal(err)
	}
}

func TestLoadEnv(t *testing.T) {
	c := mustGenerate(t)
	path := filepath.Join(t.TempDir(), "k.json")
	if err := c.WriteFile(path, nil); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	ct, _, _ := c.Encrypt([]byte("env-secret"), ad)
	for name, v := range map[string]string{"json": string(raw), "base64": base64.StdEncoding.EncodeToString(raw)} {
		t.Run(name, func(t *testing.T) {
			t.Setenv("AIMODELS_TEST_KEYSET", v)
			e, err := tinkcipher.LoadEnv("AIMODELS_TEST_KEYSET", nil)
			if err != nil {
				t.Fatal(err)
			}
			if pt, err := e.Decrypt(ct, ad); err != nil || string(pt) != "env-secret" {
				t.Fatal(err)
			}
			if _, err := e.AddPrimaryKey(context.Background()); !errors.Is(err, tinkcipher.ErrNotPersistable) {
				t.Fatalf("rotating an env keyset: %v", err)
			}
		})
	}
	t.Setenv("AIMODELS_TEST_KEYSET", "not a keyset")
	if _, err := tinkcipher.LoadEnv("AIMODELS_TEST_KEYSET", nil); !errors.Is(err, tinkcipher.ErrBadKeyset) {
		t.Fatalf("bad env keyset: %v", err)
	}
}

func TestRotationKeepsOldKeysAndPersists(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "keyset.json")
	c, _, err := tinkcipher.LoadOrGenerate(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	old := c.PrimaryKeyID()
	ctOld, _, _ := c.Encrypt([]byte("old"), ad)
	id, err := c.AddPrimaryKey(ctx)
	if err != nil || id == old || c.PrimaryKeyID() != id {
		t.Fatalf("AddPrimaryKey = %d, %v (old %d)", id, err, old)
	}
	ctNew, kid, _ := c.Encrypt([]byte("new"), ad)
	if kid != id {
		t.Fatalf("encrypted under %d, want new primary %d", kid, id)
	}
	if _, err := c.Decrypt(ctOld, ad); err != nil {
		t.Fatalf("old ciphertext after rotation: %v", err)
	}
	if err := c.DisableKey(ctx, id); !errors.Is(err, tinkcipher.ErrPrimaryKey) {
		t.Fatalf("disable primary: %v", err)
	}
	if err := c.DisableKey(ctx, 12345); !errors.Is(err, tinkcipher.ErrUnknownKey) {
		t.Fatalf("disable unknown: %v", err)
	}
	if err := c.DisableKey(ctx, old); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Decrypt(ctOld, ad); !errors.Is(err, domain.ErrDecrypt) {
		t.Fatalf("disabled key still decrypts: %v", err)
	}
	reloaded, err := tinkcipher.LoadFile(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if reloaded.PrimaryKeyID() != id {
		t.Fatal("new primary not persisted")
	}
	if pt, err := reloaded.Decrypt(ctNew, ad); err != nil || string(pt) != "new" {
		t.Fatal(err)
	}
	var states []string
	for _, k := range reloaded.Keys() {
		states = append(states, k.Status)
	}
	if len(states) != 2 {
		t.Fatalf("keys %v", reloaded.Keys())
	}
	fi, _ := os.Stat(path)
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode after rotation %v", fi.Mode().Perm())
	}
}

func TestConcurrentUseDuringRotation(t *testing.T) {
	c := mustGenerate(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 8 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				ct, _, err := c.Encrypt([]byte("x"), ad)
				if err != nil {
					t.Error(err)
					return
				}
				if _, err := c.Decrypt(ct, ad); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	for range 20 {
		if _, err := c.AddPrimaryKey(ctx); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	if n := len(c.Keys()); n != 21 {
		t.Fatalf("%d keys, want 21", n)
	}
}

// TestReloadPicksUpAnotherProcessRotation: a server's cipher and a
// rotating command's cipher share one file; after Reload the server
// encrypts under the new primary and reads what the rotation wrote.
func TestReloadPicksUpAnotherProcessRotation(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "keyset.json")
	server, _, err := tinkcipher.LoadOrGenerate(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if changed, err := server.Reload(ctx); err != nil || changed {
		t.Fatalf("reload of an unchanged file: %v %v", changed, err)
	}
	rotator, err := tinkcipher.LoadFile(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	old := rotator.PrimaryKeyID()
	id, err := rotator.AddPrimaryKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ctNew, _, _ := rotator.Encrypt([]byte("written after rotation"), ad)
	if err := rotator.DisableKey(ctx, old); err != nil {
		t.Fatal(err)
	}
	if _, err := server.Decrypt(ctNew, ad); !errors.Is(err, domain.ErrDecrypt) {
		t.Fatalf("before reload the server cannot know the new key: %v", err)
	}
	if changed, err := server.Reload(ctx); err != nil || !changed {
		t.Fatalf("reload after rotation: %v %v", changed, err)
	}
	if pt, err := server.Decrypt(ctNew, ad); err != nil || string(pt) != "written after rotation" {
		t.Fatalf("after reload: %q %v", pt, err)
	}
	if server.PrimaryKeyID() != id {
		t.Fatalf("primary %d, want %d", server.PrimaryKeyID(), id)
	}

	// Another keyset (not a rotation of this one) is refused.
	other, _ := tinkcipher.Generate()
	otherPath := filepath.Join(t.TempDir(), "other.json")
	if err := other.WriteFile(otherPath, nil); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(otherPath)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := server.Reload(ctx); !errors.Is(err, tinkcipher.ErrBadKeyset) {
		t.Fatalf("a foreign keyset was accepted: %v", err)
	}
	if pt, err := server.Decrypt(ctNew, ad); err != nil || string(pt) != "written after rotation" {
		t.Fatalf("after a refused reload: %q %v", pt, err)
	}

	// A broken file leaves the keyset in use.
	if err := os.WriteFile(path, []byte("{not a keyset"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := server.Reload(ctx); err == nil {
		t.Fatal("a broken file was accepted")
	}
	if pt, err := server.Decrypt(ctNew, ad); err != nil || string(pt) != "written after rotation" {
		t.Fatalf("after a failed reload: %q %v", pt, err)
	}

	// A keyset from memory has nothing to reload.
	mem, _ := tinkcipher.Generate()
	if _, err := mem.Reload(ctx); !errors.Is(err, tinkcipher.ErrNotPersistable) {
		t.Fatalf("in-memory keyset: %v", err)
	}
}
