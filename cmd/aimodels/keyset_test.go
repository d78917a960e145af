package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/aimodels/aimodels/adapters/gormstore"
	"github.com/aimodels/aimodels/adapters/tinkcipher"
	"github.com/aimodels/aimodels/core/domain"
)

// storedKeys reads every stored key of the SQLite store in dir.
func storedKeys(t *testing.T, dir string) []domain.StoredKey {
	t.Helper()
	st, err := gormstore.Open(context.Background(), gormstore.Config{Driver: gormstore.DriverSQLite, DSN: filepath.Join(dir, "aimodels.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	keys, err := st.KeysAfter(context.Background(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// serveUntilListening runs `aimodels serve` with the environment of the test until
// it serves (then stops it) or exits, and returns its exit status and
// stderr.
func serveUntilListening(t *testing.T) (int, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stdout := &signalWriter{want: "Open the settings: http://", seen: make(chan struct{})}
	var stderr bytes.Buffer
	done := make(chan int, 1)
	go func() { done <- cli(ctx, []string{"serve"}, stdout, &stderr) }()
	select {
	case <-stdout.seen:
		cancel()
		return <-done, stderr.String()
	case code := <-done:
		return code, stderr.String()
	}
}

// TestLostKeysetRefusesToStart stores a key, then starts the server with
// its keyset file deleted, with another keyset in its place, and with the
// file readable by others: the first two refuse to start (exit 1, naming
// the path and the key ids the stored key needs) and change nothing, the
// third starts with a warning.
//
// It failed before the check: with the file deleted, serve generated a new
// keyset and served, and every stored key answered key_unreadable.
func TestLostKeysetRefusesToStart(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("AIMODELS_ADDR", "127.0.0.1:0")
	t.Setenv("AIMODELS_DATA_DIR", dir)
	var cfg config
	if err := cfg.bind(flag.NewFlagSet("t", flag.ContinueOnError)); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	a, err := wire(ctx, &cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.svc.SetKey(ctx, "default", domain.ProviderOpenRouter, "sk-or-v1-0123456789abcdef0123456789abcdef"); err != nil {
		t.Fatal(err)
	}
	keyID := a.cipher.PrimaryKeyID()
	a.Close()
	path := filepath.Join(dir, "keyset.json")
	original, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	before := storedKeys(t, dir)
	if len(before) != 1 || before[0].KeyID != keyID {
		t.Fatalf("stored %+v, want one key under %d", before, keyID)
	}

	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	code, stderr := serveUntilListening(t)
	if code != exitError || !strings.Contains(stderr, "keyset file "+path+" does not exist") || !strings.Contains(stderr, fmt.Sprintf("key ids [%d]", keyID)) {
		t.Errorf("serve without its keyset file: exit %d, want 1 naming %s and key %d:\n%s", code, path, keyID, stderr)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a keyset file was written: %v", err)
	}
	if after := storedKeys(t, dir); !reflect.DeepEqual(after, before) {
		t.Errorf("the stored key changed:\n%+v\n%+v", before, after)
	}

	other, err := tinkcipher.Generate()
	if err != nil {
		t.Fatal(err)
	}
	if err := other.WriteFile(path, nil); err != nil {
		t.Fatal(err)
	}
	code, stderr = serveUntilListening(t)
	if code != exitError || !strings.Contains(stderr, "keyset "+path+" has no enabled key "+fmt.Sprintf("[%d]", keyID)) {
		t.Errorf("serve with another keyset: exit %d, want 1 naming the missing key %d:\n%s", code, keyID, stderr)
	}
	if after := storedKeys(t, dir); !reflect.DeepEqual(after, before) {
		t.Errorf("the stored key changed:\n%+v\n%+v", before, after)
	}

	if err := os.WriteFile(path, original, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	code, stderr = serveUntilListening(t)
	if code != exitOK || !strings.Contains(stderr, "the keyset file is readable by other users") || !strings.Contains(stderr, "mode=0644") {
		t.Errorf("serve with a keyset file of mode 0644: exit %d, want 0 and a warning:\n%s", code, stderr)
	}
}
