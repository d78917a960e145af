package gormstore

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aimodels/aimodels/core/domain"
)

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
