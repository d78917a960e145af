package core

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aimodels/aimodels/core/domain"
	"github.com/aimodels/aimodels/ports"
)

// LedgerOptions tune the usage ledger. Zero values take the defaults.
type LedgerOptions struct {
	// Buffer bounds the rows waiting to be written (default
	// DefaultUsageBuffer). A row recorded while it is full is dropped and
	// counted (LedgerStats.Dropped), with one log line per burst.
	Buffer int
	// Batch bounds the rows of one write (default 500).
	Batch int
	// FlushEvery is how often buffered rows are written when fewer than a
	// batch wait (default 1s).
	FlushEvery time.Duration
	// Retention is how long raw rows are kept (default
	// DefaultUsageRetention; negative: forever). Rollups are kept.
	Retention time.Duration
	// PruneEvery is how often rows older than Retention are deleted
	// (default 1h).
	PruneEvery time.Duration
	// RetryMin and RetryMax bound the back-off between attempts to write
	// a batch the store refused (default 100ms and 30s).
	RetryMin, RetryMax time.Duration
	// WriteTimeout bounds one write (default 30s).
	WriteTimeout time.Duration
	// After is the ledger's timer (default time.After); tests pass a
	// fake to decide when flushes and retries happen.
	After func(time.Duration) <-chan time.Time
	// Observe, when set, sees every recorded event on the request path
	// (metrics); it must be cheap and must not keep the pointer.
	Observe func(*domain.UsageEvent)
}

// Defaults of LedgerOptions.
const (
	DefaultUsageBuffer    = 10_000
	DefaultUsageRetention = 30 * 24 * time.Hour
)

func (o LedgerOptions) withDefaults() LedgerOptions {
	if o.Buffer <= 0 {
		o.Buffer = DefaultUsageBuffer
	}
	if o.Batch <= 0 {
		o.Batch = 500
	}
	if o.FlushEvery <= 0 {
		o.FlushEvery = time.Second
	}
	if o.Retention == 0 {
		o.Retention = DefaultUsageRetention
	}
	if o.PruneEvery <= 0 {
		o.PruneEvery = time.Hour
	}
	if o.RetryMin <= 0 {
		o.RetryMin = 100 * time.Millisecond
	}
	if o.RetryMax < o.RetryMin {
		o.RetryMax = max(30*time.Second, o.RetryMin)
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = 30 * time.Second
	}
	if o.After == nil {
		o.After = time.After
	}
	return o
}

// LedgerStats are the ledger's counters since it started.
type LedgerStats struct {
	// Depth is how many rows wait to be written; Capacity bounds it.
	Depth, Capacity int
	// Recorded counts every row recorded; Written those stored; Dropped
	// those lost because the buffer was full (or the ledger closed, or a
	// batch the store kept refusing as invalid). Recorded = Written +
	// Dropped + Depth.
	Recorded, Written, Dropped uint64
	// WriteFailures counts failed attempts to write a batch.
	WriteFailures uint64
	// Pruned counts raw rows deleted after the retention period.
	Pruned uint64
}

// Ledger writes usage events to a ports.UsageStore off the request
// path: Record only appends to a bounded in-memory buffer; a background
// writer stores the rows in batches, retrying with back-off while the
// store is down, and prunes raw rows after the retention period. Close
// writes what is buffered before it returns.
type Ledger struct {
	store ports.UsageStore
	opts  LedgerOptions
	clock ports.Clock
	log   *slog.Logger

	mu      sync.Mutex
	queue   []domain.UsageEvent
	closed  bool
	changed chan struct{} // closed and replaced whenever the queue shrinks or a write fails

	wake   chan struct{}   // a write is due now
	actx   context.Context // ends when Close's context ends: give up
	cancel context.CancelFunc
	done   chan struct{} // the writer has stopped

	prefix    string // of event keys: unique to this ledger
	seq       uint64 // the writer's key counter
	recorded  atomic.Uint64
	written   atomic.Uint64
	dropped   atomic.Uint64
	failures  atomic.Uint64
	pruned    atomic.Uint64
	bursting  atomic.Bool
	burstFrom atomic.Uint64 // dropped count when the burst began
	lastPrune time.Time
}

// NewLedger starts a ledger writing to store.
func NewLedger(store ports.UsageStore, opts LedgerOptions, clock ports.Clock, log *slog.Logger) *Ledger {
	if clock == nil {
		clock = ports.SystemClock{}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	l := &Ledger{
		store: store, opts: opts.withDefaults(), clock: clock, log: log,
		changed: make(chan struct{}), wake: make(chan struct{}, 1),
		done:   make(chan struct{}),
		prefix: hex.EncodeToString(b[:]) + "-",
	}
	l.actx, l.cancel = context.WithCancel(context.Background())
	l.queue = make([]domain.UsageEvent, 0, min(l.opts.Buffer, l.opts.Batch))
	l.lastPrune = clock.Now()
	go l.run()
	return l
}

// Record buffers one event; it never waits on the store. When the buffer
// is full (or the ledger is closed) the event is counted as dropped.
func (l *Ledger) Record(e domain.UsageEvent) {
	l.recorded.Add(1)
	if l.opts.Observe != nil {
		l.opts.Observe(&e)
	}
	l.mu.Lock()
	if l.closed || len(l.queue) >= l.opts.Buffer {
		closed := l.closed
		l.mu.Unlock()
		l.drop(closed)
		return
	}
	l.queue = append(l.queue, e)
	n := len(l.queue)
	l.mu.Unlock()
	if n%l.opts.Batch == 0 {
		l.poke()
	}
}

// drop counts one dropped event and logs the first of a burst.
func (l *Ledger) drop(closed bool) {
	n := l.dropped.Add(1)
	if l.bursting.Swap(true) {
		return
	}
	l.burstFrom.Store(n - 1)
	if closed {
		l.log.Warn("usage ledger: a row was recorded after the ledger closed; it is dropped")
		return
	}
	l.log.Warn("usage ledger: the buffer is full (the database is slow or down); rows are dropped until it drains",
		"capacity", l.opts.Buffer)
}

func (l *Ledger) poke() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// Stats returns the ledger's counters.
func (l *Ledger) Stats() LedgerStats {
	l.mu.Lock()
	depth := len(l.queue)
	l.mu.Unlock()
	return LedgerStats{
		Depth: depth, Capacity: l.opts.Buffer, Recorded: l.recorded.Load(), Written: l.written.Load(),
		Dropped: l.dropped.Load(), WriteFailures: l.failures.Load(), Pruned: l.pruned.Load(),
	}
}

// Flush writes every buffered row, waiting until the buffer is empty (or
// ctx ends, with the error of ctx).
func (l *Ledger) Flush(ctx context.Context) error {
	for {
		l.mu.Lock()
		n, ch := len(l.queue), l.changed
		l.mu.Unlock()
		if n == 0 {
			return nil
		}
		l.poke()
		select {
		case <-ch:
		case <-l.done:
			return errors.New("usage ledger: closed with rows unwritten")
		case <-ctx.Done():
			return fmt.Errorf("usage ledger: %d rows not yet written: %w", n, ctx.Err())
		}
	}
}

// Close stops taking rows and writes the buffered ones, retrying while
// the store refuses them, until ctx ends: then the rows left are counted
// as dropped and the error says how many. It is safe to call more than
// once.
func (l *Ledger) Close(ctx context.Context) error {
	defer l.cancel()
	l.mu.Lock()
	l.closed = true
	l.mu.Unlock()
	l.poke()
	select {
	case <-l.done:
	case <-ctx.Done():
		l.cancel()
		<-l.done
	}
	l.mu.Lock()
	left := len(l.queue)
	l.queue = nil
	l.mu.Unlock()
	if left > 0 {
		l.dropped.Add(uint64(left))
		l.log.Error("usage ledger: closing with rows the database did not take; they are lost", "rows", left)
		return fmt.Errorf("usage ledger: %d rows not written before the deadline: %w", left, ctx.Err())
	}
	return nil
}

// run is the writer: it writes when a batch is full, every FlushEvery,
// and on Flush and Close; it returns once closed and empty, or aborted.
func (l *Ledger) run() {
	defer close(l.done)
	for {
		if !l.drain() {
			return // aborted
		}
		l.maybePrune()
		l.mu.Lock()
		closed := l.closed && len(l.queue) == 0
		l.mu.Unlock()
		if closed {
			return
		}
		select {
		case <-l.wake:
		case <-l.opts.After(l.opts.FlushEvery):
		case <-l.actx.Done():
			return
		}
	}
}

// notify wakes the goroutines waiting for the queue to change. l.mu is held.
func (l *Ledger) notify() {
	close(l.changed)
	l.changed = make(chan struct{})
}

// drain writes the buffered rows a batch at a time until none is left;
// a failed batch is tried again after a back-off, for as long as it
// takes. It returns false when Close's deadline aborted it.
func (l *Ledger) drain() bool {
	fails := 0
	var batch []domain.UsageEvent
	for {
		l.mu.Lock()
		n := min(len(l.queue), l.opts.Batch)
		for i := range l.queue[:n] {
			if l.queue[i].Key == "" {
				l.seq++
				l.queue[i].Key = l.prefix + strconv.FormatUint(l.seq, 36)
			}
		}
		// A copy: the store sets IDs in it while Record may move the queue.
		batch = append(batch[:0], l.queue[:n]...)
		l.mu.Unlock()
		if n == 0 {
			return true
		}
		err := l.write(batch)
		if err == nil {
			l.written.Add(uint64(n))
			l.remove(n)
			if fails > 0 {
				l.log.Info("usage ledger: the database takes rows again; the buffered ones are written", "after_failures", fails)
			}
			fails = 0
			continue
		}
		fails++
		l.failures.Add(1)
		l.mu.Lock()
		l.notify()
		l.mu.Unlock()
		if fails == 1 {
			l.log.Warn("usage ledger: cannot write usage rows; they stay buffered and are retried", "rows", l.Stats().Depth, "error", err)
		}
		if !errors.Is(err, domain.ErrStoreUnavailable) && fails >= 5 {
			// Not an outage: the store refuses these rows. Retrying would
			// hold the buffer forever.
			l.remove(n)
			l.dropped.Add(uint64(n))
			l.log.Error("usage ledger: the database keeps refusing a batch; it is dropped", "rows", n, "error", err)
			fails = 0
			continue
		}
		select {
		case <-l.opts.After(l.backoff(fails)):
		case <-l.actx.Done():
			return false
		}
	}
}

func (l *Ledger) write(batch []domain.UsageEvent) error {
	ctx, cancel := context.WithTimeout(l.actx, l.opts.WriteTimeout)
	defer cancel()
	return l.store.InsertUsage(ctx, batch)
}

// remove drops the first n rows of the queue, which were written.
func (l *Ledger) remove(n int) {
	l.mu.Lock()
	rest := copy(l.queue, l.queue[n:])
	clear(l.queue[rest:])
	l.queue = l.queue[:rest]
	if len(l.queue) < l.opts.Buffer && l.bursting.Load() {
		l.bursting.Store(false)
		lost := l.dropped.Load() - l.burstFrom.Load()
		l.log.Warn("usage ledger: the buffer drains again; rows were dropped while it was full", "dropped", lost)
	}
	l.notify()
	l.mu.Unlock()
}

// backoff is the wait before the n-th retry: RetryMin doubling up to RetryMax.
func (l *Ledger) backoff(n int) time.Duration {
	d := l.opts.RetryMin
	for i := 1; i < n && d < l.opts.RetryMax; i++ {
		d *= 2
	}
	return min(d, l.opts.RetryMax)
}

// maybePrune deletes raw rows older than the retention, every PruneEvery.
func (l *Ledger) maybePrune() {
	if l.opts.Retention < 0 {
		return
	}
	now := l.clock.Now()
	if now.Sub(l.lastPrune) < l.opts.PruneEvery {
		return
	}
	l.lastPrune = now
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	n, err := l.store.PruneUsage(ctx, now.Add(-l.opts.Retention))
	l.pruned.Add(uint64(max(n, 0)))
	if err != nil {
		l.log.Warn("usage ledger: pruning old rows failed; tried again later", "error", err)
		return
	}
	if n > 0 {
		l.log.Info("usage ledger: pruned rows past the retention", "rows", n, "retention", l.opts.Retention)
	}
}
