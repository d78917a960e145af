package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMigrateCommand: `aimodels migrate` creates the schema of a fresh
// SQLite store and exits 0, and again changes nothing; `serve
// -migrate=false` refuses a store without the schema (naming aimodels
// migrate) and serves one that has it.
//
// It failed before the command: migrate was an unknown command (exit 2)
// and -migrate an unknown flag.
func TestMigrateCommand(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("AIMODELS_ADDR", "127.0.0.1:0")
	t.Setenv("AIMODELS_DATA_DIR", dir)
	ctx := context.Background()

	var out, errb bytes.Buffer
	if code := cli(ctx, []string{"serve", "-migrate=false"}, &out, &errb); code != exitError || !strings.Contains(errb.String(), "aimodels migrate") {
		t.Errorf("serve -migrate=false on an empty database: exit %d, want 1 naming aimodels migrate:\n%s", code, errb.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "keyset.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("serve refused but wrote a keyset: %v", err)
	}
	for range 2 {
		out.Reset()
		errb.Reset()
		if code := cli(ctx, []string{"migrate"}, &out, &errb); code != exitOK {
			t.Fatalf("migrate: exit %d: %s", code, errb.String())
		}
		if want := "database schema up to date: sqlite " + filepath.Join(dir, "aimodels.db"); !strings.Contains(out.String(), want) {
			t.Errorf("migrate printed %q, want %q", out.String(), want)
		}
	}
	t.Setenv("AIMODELS_MIGRATE", "false")
	if code, stderr := serveUntilListening(t); code != exitOK {
		t.Errorf("serve with AIMODELS_MIGRATE=false after migrate: exit %d:\n%s", code, stderr)
	}
	t.Setenv("AIMODELS_MIGRATE", "maybe")
	if code := cli(ctx, []string{"serve"}, &out, &errb); code != exitError || !strings.Contains(errb.String(), `AIMODELS_MIGRATE="maybe": use true or false`) {
		t.Errorf("AIMODELS_MIGRATE=maybe: exit %d: %s", code, errb.String())
	}
}
