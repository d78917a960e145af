package core_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aimodels/aimodels/adapters/memstore"
	"github.com/aimodels/aimodels/core"
	"github.com/aimodels/aimodels/core/domain"
)

// fakeTimers stands for time.After: every wait is announced on waits
// and ends only when the test fires it.
type fakeTimers struct {
	mu      sync.Mutex
	pending []chan time.Time
	waits   chan time.Duration
}

func newTimers() *fakeTimers { return &fakeTimers{waits: make(chan time.Duration, 10_000)} }

func (f *fakeTimers) After(d time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1)
	f.mu.Lock()
	f.pending = append(f.pending, ch)
	f.mu.Unlock()
	f.waits <- d
	return ch
}

// fire ends every wait begun so far.
func (f *fakeTimers) fire() {
	f.mu.Lock()
	p := f.pending
	f.pending = nil
	f.mu.Unlock()
	for _, ch := range p {
		ch <- time.Time{}
	}
}

// waitFor returns the next announced wait other than skip.
func (f *fakeTimers) waitFor(t *testing.T, skip time.Duration) time.Duration {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case d := <-f.waits:
			if d != skip {
				return d
			}
		case <-timeout:
			t.Fatal("the ledger never waited")
		}
	}
}

// switchableStore is a memstore whose usage writes fail while down.
type switchableStore struct {
	*memstore.Store
	mu   sync.Mutex
	down bool
}

func newSwitchable() *switchableStore {
	s := &switchableStore{Store: memstore.New()}
	s.SetHook(func(_ context.Context, method string) error {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.down && method == "InsertUsage" {
			return &domain.StoreError{Kind: domain.ErrStoreUnavailable, Op: method, Err: errors.New("connection refused")}
		}
		return nil
	})
	return s
}

func (s *switchableStore) setDown(d bool) {
	s.mu.Lock()
	s.down = d
	s.mu.Unlock()
}

// syncBuffer is a bytes.Buffer safe for the writer's logs and the test's reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func ev(i int) domain.UsageEvent {
	return domain.UsageEvent{Time: time.Date(2026, 3, 1, 10, 0, i, 0, time.UTC), Scope: "default", Endpoint: domain.EndpointChat,
		Type: "text", RequestedModel: "m/x", Model: "m/x", Outcome: domain.OutcomeOK, Cost: domain.MustDecimal(fmt.Sprintf("0.000%03d", i+1))}
}

func stored(t *testing.T, s *memstore.Store) []domain.UsageEvent {
	t.Helper()
	rows, err := s.ListUsage(context.Background(), "default", domain.UsageListQuery{Limit: 100_000})
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

const never = time.Hour // FlushEvery in the tests: writes happen on Flush and full batches

func TestLedgerWritesOffThePath(t *testing.T) {
	st := newSwitchable()
	timers := newTimers()
	l := core.NewLedger(st, core.LedgerOptions{Buffer: 100, Batch: 10, FlushEvery: never, After: timers.After}, nil, nil)
	want := domain.Decimal{}
	for i := range 25 {
		l.Record(ev(i))
		want = want.Add(ev(i).Cost)
	}
	if err := l.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	rows := stored(t, st.Store)
	got := domain.Decimal{}
	keys := map[string]bool{}
	for _, r := range rows {
		got = got.Add(r.Cost)
		keys[r.Key] = true
	}
	if len(rows) != 25 || !got.Equal(want) || len(keys) != 25 {
		t.Fatalf("%d rows (%d keys) costing %s, want 25 costing %s", len(rows), len(keys), got, want)
	}
	s := l.Stats()
	if s.Recorded != 25 || s.Written != 25 || s.Dropped != 0 || s.Depth != 0 || s.Capacity != 100 {
		t.Fatalf("stats %+v", s)
	}
	if err := l.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
}

// TestLedgerKeepsRowsWhileTheStoreIsDown: rows recorded during an outage
// stay buffered, the writer backs off (doubling), and every row is
// written once the store is back.
func TestLedgerKeepsRowsWhileTheStoreIsDown(t *testing.T) {
	st := newSwitchable()
	st.setDown(true)
	timers := newTimers()
	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	l := core.NewLedger(st, core.LedgerOptions{Buffer: 1000, Batch: 50, FlushEvery: never, RetryMin: 100 * time.Millisecond,
		RetryMax: 400 * time.Millisecond, After: timers.After}, nil, log)
	defer l.Close(context.Background())
	for i := range 120 {
		l.Record(ev(i))
	}
	// The writer tries, fails and backs off: 100ms, 200ms, 400ms, 400ms.
	var waits []time.Duration
	for range 4 {
		waits = append(waits, timers.waitFor(t, never))
		timers.fire()
	}
	if fmt.Sprint(waits) != "[100ms 200ms 400ms 400ms]" {
		t.Fatalf("back-off %v", waits)
	}
	if n := len(stored(t, st.Store)); n != 0 {
		t.Fatalf("%d rows stored while down", n)
	}
	if s := l.Stats(); s.Depth != 120 || s.WriteFailures < 4 || s.Dropped != 0 {
		t.Fatalf("stats while down %+v", s)
	}
	if n := strings.Count(logs.String(), "cannot write usage rows"); n != 1 {
		t.Fatalf("the outage was logged %d times, want once:\n%s", n, logs.String())
	}
	timers.waitFor(t, never) // the fifth attempt failed too
	st.setDown(false)
	timers.fire()
	if err := l.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := len(stored(t, st.Store)); n != 120 {
		t.Fatalf("%d rows after the outage, want 120", n)
	}
	if s := l.Stats(); s.Written != 120 || s.Depth != 0 || s.Dropped != 0 {
		t.Fatalf("stats after %+v", s)
	}
}

// TestLedgerDropsWhenFull: a full buffer drops and counts, logging once
// per burst, and what is missing equals what was dropped.
func TestLedgerDropsWhenFull(t *testing.T) {
	st := newSwitchable()
	st.setDown(true)
	timers := newTimers()
	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	l := core.NewLedger(st, core.LedgerOptions{Buffer: 10, Batch: 5, FlushEvery: never, After: timers.After}, nil, log)
	for i := range 25 {
		l.Record(ev(i))
	}
	timers.waitFor(t, never) // a write failed
	if s := l.Stats(); s.Dropped != 15 || s.Depth != 10 || s.Recorded != 25 {
		t.Fatalf("stats %+v", s)
	}
	if n := strings.Count(logs.String(), "buffer is full"); n != 1 {
		t.Fatalf("the burst was logged %d times:\n%s", n, logs.String())
	}
	st.setDown(false)
	timers.fire()
	if err := l.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	s := l.Stats()
	if got := len(stored(t, st.Store)); uint64(got) != s.Recorded-s.Dropped || got != 10 {
		t.Fatalf("%d stored, %d recorded, %d dropped", got, s.Recorded, s.Dropped)
	}
	if !strings.Contains(logs.String(), "dropped=15") {
		t.Fatalf("the end of the burst does not say what it dropped:\n%s", logs.String())
	}
	// A second burst logs again.
	st.setDown(true)
	for i := range 12 {
		l.Record(ev(100 + i))
	}
	if n := strings.Count(logs.String(), "buffer is full"); n != 2 {
		t.Fatalf("two bursts logged %d times", n)
	}
	timers.waitFor(t, never)
	st.setDown(false)
	timers.fire()
	if err := l.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	if s := l.Stats(); s.Written+s.Dropped != s.Recorded || s.Written != 20 {
		t.Fatalf("after two bursts %+v", s)
	}
}

// lostAck stores a batch and then reports a failure once, as a commit
// whose answer the connection lost.
type lostAck struct {
	*memstore.Store
	once sync.Once
}

func (s *lostAck) InsertUsage(ctx context.Context, evs []domain.UsageEvent) error {
	err := s.Store.InsertUsage(ctx, evs)
	lost := false
	s.once.Do(func() { lost = true })
	if lost {
		return &domain.StoreError{Kind: domain.ErrStoreUnavailable, Op: "InsertUsage", Err: errors.New("connection lost")}
	}
	return err
}

func TestLedgerRetryIsCountedOnce(t *testing.T) {
	st := &lostAck{Store: memstore.New()}
	timers := newTimers()
	l := core.NewLedger(st, core.LedgerOptions{Batch: 100, FlushEvery: never, After: timers.After}, nil, nil)
	for i := range 30 {
		l.Record(ev(i))
	}
	go func() {
		timers.waitFor(t, never)
		timers.fire()
	}()
	if err := l.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := len(stored(t, st.Store)); n != 30 {
		t.Fatalf("%d rows after a retried batch, want 30", n)
	}
	rs, _ := st.UsageRollups(context.Background(), "default", time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC))
	if len(rs) != 1 || rs[0].Requests != 30 {
		t.Fatalf("rollups %+v", rs)
	}
	_ = l.Close(t.Context())
}

// TestLedgerCloseFlushes: Close writes what is buffered; with the store
// down past its deadline, the rows left are counted as dropped.
func TestLedgerCloseFlushes(t *testing.T) {
	st := newSwitchable()
	timers := newTimers()
	l := core.NewLedger(st, core.LedgerOptions{FlushEvery: never, After: timers.After}, nil, nil)
	for i := range 42 {
		l.Record(ev(i))
	}
	if err := l.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := len(stored(t, st.Store)); n != 42 {
		t.Fatalf("%d rows after Close, want 42", n)
	}
	l.Record(ev(99))
	if s := l.Stats(); s.Dropped != 1 {
		t.Fatalf("a row after Close: %+v", s)
	}

	down := newSwitchable()
	down.setDown(true)
	l2 := core.NewLedger(down, core.LedgerOptions{FlushEvery: never, After: timers.After}, nil, nil)
	for i := range 7 {
		l2.Record(ev(i))
	}
	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		timers.waitFor(t, never) // the first back-off: give up
		cancel()
	}()
	err := l2.Close(ctx)
	if err == nil || !strings.Contains(err.Error(), "7 rows") {
		t.Fatalf("Close with the store down: %v", err)
	}
	if s := l2.Stats(); s.Dropped != 7 || s.Written != 0 {
		t.Fatalf("stats %+v", s)
	}
}

// TestLedgerPrunes: rows older than the retention are pruned every
// PruneEvery; rollups stay.
func TestLedgerPrunes(t *testing.T) {
	st := memstore.New()
	clock := newClock()
	old := ev(1)
	old.Key, old.Time = "old", clock.Now().Add(-31*24*time.Hour)
	recent := ev(2)
	recent.Key, recent.Time = "recent", clock.Now().Add(-time.Hour)
	if err := st.InsertUsage(context.Background(), []domain.UsageEvent{old, recent}); err != nil {
		t.Fatal(err)
	}
	timers := newTimers()
	l := core.NewLedger(st, core.LedgerOptions{FlushEvery: never, After: timers.After}, clock, nil)
	defer l.Close(context.Background())
	timers.waitFor(t, 0) // idle
	clock.Advance(time.Hour)
	timers.fire()
	timers.waitFor(t, 0) // idle again, after pruning
	rows := stored(t, st)
	if len(rows) != 1 || rows[0].Key != "recent" || l.Stats().Pruned != 1 {
		t.Fatalf("after prune: %+v, stats %+v", rows, l.Stats())
	}
}
