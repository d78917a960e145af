package gormstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aimodels/aimodels/core/domain"
	"github.com/aimodels/aimodels/test/testenv"
)

// TestSQLiteFilesPrivate: the database file, its -wal and its -shm are
// created with mode 0600, whatever the umask lets through, so a prompt's
// text is not readable by other local users; an existing file others can
// read is kept and reported in the log.
func TestSQLiteFilesPrivate(t *testing.T) {
	old := syscall.Umask(0o022) // the usual umask: SQLite alone would make 0644 files
	defer syscall.Umask(old)
	path := filepath.Join(t.TempDir(), "aimodels.db")
	s, err := Open(t.Context(), Config{Driver: DriverSQLite, DSN: path})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.CreatePrompt(t.Context(), &domain.Prompt{Name: "Secret", Type: domain.TypeText, Text: "the prompt's text"}); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{path, path + "-wal", path + "-shm"} {
		st, err := os.Stat(f)
		if err != nil {
			t.Fatalf("after a write: %v", err)
		}
		if m := st.Mode().Perm(); m != 0o600 {
			t.Errorf("%s has mode %#o, want 0600", filepath.Base(f), m)
		}
	}
	for _, dsn := range []string{"file:" + path + "?_pragma=busy_timeout(100)", "file://" + path} {
		if got := sqliteFile(dsn); got != path {
			t.Errorf("sqliteFile(%q) = %q, want %q", dsn, got, path)
		}
	}
	for _, dsn := range []string{":memory:", "file::memory:?cache=shared", "file:x.db?mode=memory", "file:" + path + "?mode=ro", "file:" + path + "?mode=rw"} {
		if got := sqliteFile(dsn); got != "" {
			t.Errorf("sqliteFile(%q) = %q, want none", dsn, got)
		}
	}

	open := filepath.Join(t.TempDir(), "open.db")
	if err := os.WriteFile(open, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	var logs testenv.SyncBuffer
	s2, err := Open(t.Context(), Config{Driver: DriverSQLite, DSN: open, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if st, _ := os.Stat(open); st.Mode().Perm() != 0o644 {
		t.Errorf("an existing file's mode was changed to %#o", st.Mode().Perm())
	}
	if !strings.Contains(logs.String(), "chmod 600") {
		t.Errorf("no warning about a file others can read; log:\n%s", logs.String())
	}
}

// TestSQLiteFullAndReadOnly: a SQLite database that is full (its page
// limit reached: SQLITE_FULL, as a full disk gives) or read-only
// (SQLITE_READONLY) fails writes with ErrStoreUnavailable and a message
// saying what to do, and Ping fails for WriteFaultHold afterwards, then
// recovers.
func TestSQLiteFullAndReadOnly(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "full.db")
	const hold = 300 * time.Millisecond
	s, err := Open(ctx, Config{Driver: DriverSQLite, DSN: path, WriteFaultHold: hold})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var pages int
	if err := s.w.Raw("PRAGMA page_count").Scan(&pages).Error; err != nil {
		t.Fatal(err)
	}
	// The writer pool is one connection that is never recycled: the limit stays.
	if err := s.w.Exec(fmt.Sprintf("PRAGMA max_page_count = %d", pages)).Error; err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("x", 1<<20)
	err = s.CreatePrompt(ctx, &domain.Prompt{Name: "big", Type: domain.TypeText, Text: big})
	if !errors.Is(err, domain.ErrStoreUnavailable) || !errors.Is(err, ErrStorageFull) || !strings.Contains(err.Error(), "free disk space") {
		t.Fatalf("write to a full database: %v; want ErrStoreUnavailable, ErrStorageFull and advice", err)
	}
	begin := time.Now()
	if err := s.Ping(ctx); !errors.Is(err, domain.ErrStoreUnavailable) || !errors.Is(err, ErrStorageFull) {
		t.Fatalf("Ping after a storage-full write = %v, want ErrStoreUnavailable (ErrStorageFull)", err)
	}
	waitPingOK(t, s, hold, begin)

	// A second store on the same file, opened read-only.
	ro, err := openWith(ctx, Config{Driver: DriverSQLite, DSN: "file:" + path + "?mode=ro", WriteFaultHold: hold}, false)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	err = ro.SaveSelection(ctx, &domain.SavedSelection{Type: domain.TypeText, ModelID: "a/b"})
	if !errors.Is(err, domain.ErrStoreUnavailable) || !errors.Is(err, ErrReadOnly) || !strings.Contains(err.Error(), "write permission") {
		t.Fatalf("write to a read-only database: %v; want ErrStoreUnavailable, ErrReadOnly and advice", err)
	}
	begin = time.Now()
	if err := ro.Ping(ctx); !errors.Is(err, ErrReadOnly) {
		t.Fatalf("Ping after a read-only write = %v, want ErrReadOnly", err)
	}
	waitPingOK(t, ro, hold, begin)
}

// waitPingOK polls Ping until it succeeds, which must not be before hold
// has passed since begin, nor long after.
func waitPingOK(t *testing.T, s *Store, hold time.Duration, begin time.Time) {
	t.Helper()
	deadline := time.Now().Add(hold + 10*time.Second)
	for {
		err := s.Ping(context.Background())
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Ping still fails %v after the fault: %v", time.Since(begin), err)
		}
		time.Sleep(10 * time.Millisecond) // polling; the deadline bounds it
	}
	if d := time.Since(begin); d < hold {
		t.Fatalf("Ping recovered %v after the fault, before the hold of %v", d, hold)
	}
}
