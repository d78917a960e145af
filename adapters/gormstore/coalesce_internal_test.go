package gormstore

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aimodels/aimodels/core/domain"
)

// TestRowQueueWritesTheLatestValueOnceForAWaitingBatch drives the queue
// with a write that blocks until told: saves that arrive while the row is
// being written are written once, with the value saved last.
func TestRowQueueWritesTheLatestValueOnceForAWaitingBatch(t *testing.T) {
	var q rowQueue
	var mu sync.Mutex
	var written []string
	gate := make(chan struct{})
	write := func(_ context.Context, sel *domain.SavedSelection) error {
		<-gate
		mu.Lock()
		written = append(written, sel.ModelID)
		mu.Unlock()
		sel.SavedAt = time.Unix(int64(len(sel.ModelID)), 0)
		return nil
	}
	sel := func(id string) *domain.SavedSelection {
		return &domain.SavedSelection{Scope: "s", Type: domain.TypeText, ModelID: id}
	}
	ctx := context.Background()
	first := make(chan error, 1)
	go func() { first <- q.save(ctx, sel("first"), write) }()
	waitFor(t, func() bool { q.mu.Lock(); defer q.mu.Unlock(); _, busy := q.rows[rowKey{"s", "text"}]; return busy })

	// Ten saves join while "first" is in flight, one after the other.
	results := make([]chan error, 10)
	saved := make([]*domain.SavedSelection, 10)
	for i := range results {
		results[i] = make(chan error, 1)
		saved[i] = sel(fmt.Sprintf("m%d", i))
		go func() { results[i] <- q.save(ctx, saved[i], write) }()
		waitFor(t, func() bool {
			q.mu.Lock()
			defer q.mu.Unlock()
			b := q.rows[rowKey{"s", "text"}]
			return b != nil && b.sel.ModelID == fmt.Sprintf("m%d", i)
		})
	}
	// A caller that gives up while waiting gets its context's error.
	cctx, cancel := context.WithCancel(ctx)
	gaveUp := make(chan error, 1)
	go func() { gaveUp <- q.save(cctx, sel("m9"), write) }()
	cancel()
	if err := <-gaveUp; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled waiter: %v", err)
	}

	close(gate)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	for i, r := range results {
		if err := <-r; err != nil {
			t.Fatalf("save %d: %v", i, err)
		}
		if saved[i].SavedAt.IsZero() {
			t.Fatalf("save %d has no SavedAt of the batch write", i)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(written) != 2 || written[0] != "first" || written[1] != "m9" {
		t.Fatalf("writes %q, want [first m9]", written)
	}
	waitFor(t, func() bool { q.mu.Lock(); defer q.mu.Unlock(); return len(q.rows) == 0 })
}

func TestRowQueueReportsTheBatchError(t *testing.T) {
	var q rowQueue
	gate := make(chan struct{})
	boom := errors.New("boom")
	var n atomic.Int32
	write := func(context.Context, *domain.SavedSelection) error {
		<-gate
		if n.Add(1) == 2 {
			return boom
		}
		return nil
	}
	ctx := context.Background()
	first := make(chan error, 1)
	go func() {
		first <- q.save(ctx, &domain.SavedSelection{Scope: "s", Type: domain.TypeText, ModelID: "a"}, write)
	}()
	waitFor(t, func() bool { q.mu.Lock(); defer q.mu.Unlock(); return len(q.rows) == 1 })
	second := make(chan error, 1)
	go func() {
		second <- q.save(ctx, &domain.SavedSelection{Scope: "s", Type: domain.TypeText, ModelID: "b"}, write)
	}()
	waitFor(t, func() bool { q.mu.Lock(); defer q.mu.Unlock(); return q.rows[rowKey{"s", "text"}] != nil })
	close(gate)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if err := <-second; !errors.Is(err, boom) {
		t.Fatalf("batch error: %v", err)
	}
}

// TestConcurrentSavesOfOneRowAreCoalesced: 50 writers of one row on a
// real store, half through SaveSelection and half through a one-type
// SaveSelections (the server's autosave); every save is acknowledged, the
// row holds a saved value, and fewer writes reached the database than
// saves were made.
func TestConcurrentSavesOfOneRowAreCoalesced(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, Config{Driver: DriverSQLite, DSN: filepath.Join(t.TempDir(), "t.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const writers, each = 50, 20
	valid := map[string]bool{}
	for w := range writers {
		for i := range each {
			valid[fmt.Sprintf("m/%d/%d", w, i)] = true
		}
	}
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				sels := []domain.SavedSelection{{Scope: "Shared", Type: domain.TypeText, ModelID: fmt.Sprintf("m/%d/%d", w, i)}}
				sel := &sels[0]
				var err error
				if w%2 == 0 {
					err = s.SaveSelection(ctx, sel)
				} else {
					err = s.SaveSelections(ctx, sels) // the server's path: one type per autosave
				}
				if err != nil {
					t.Error(err)
					return
				}
				if sel.Scope != "shared" && sel.Scope != "Shared" || sel.SavedAt.IsZero() {
					t.Errorf("acknowledged save without scope or time: %+v", sel)
					return
				}
			}
		})
	}
	wg.Wait()
	rows, err := s.GetSelections(ctx, "Shared")
	if err != nil || len(rows) != 1 || !valid[rows[0].ModelID] {
		t.Fatalf("rows %+v, %v", rows, err)
	}
	if n := s.writes.Load(); n == 0 || n >= writers*each {
		t.Fatalf("%d writes for %d saves: nothing was coalesced", n, writers*each)
	} else {
		t.Logf("%d saves, %d writes", writers*each, n)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 5 s")
		}
		time.Sleep(time.Millisecond)
	}
}
