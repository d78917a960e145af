package gormstore

import (
	"context"
	"errors"
	"testing"
	"time"

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/aimodels/aimodels/core/domain"
)

// TestConflictsAreRetried: deadlocks, lock wait timeouts and the
// certification conflicts of Galera (1213), Group Replication (3101) and
// TiDB (9007) are retried; a duplicate key or a syntax error is not. One
// that outlasts the attempts is ErrStoreUnavailable (503, try again), as
// is Galera's 1047 (a node not ready).
func TestConflictsAreRetried(t *testing.T) {
	s := &Store{}
	for _, c := range []struct {
		err       error
		retryable bool
	}{
		{&gomysql.MySQLError{Number: 1213, SQLState: [5]byte{'4', '0', '0', '0', '1'}, Message: "Deadlock found when trying to get lock; try restarting transaction"}, true},
		{&gomysql.MySQLError{Number: 1205, Message: "Lock wait timeout exceeded; try restarting transaction"}, true},
		{&gomysql.MySQLError{Number: 3101, Message: "Plugin instructed the server to rollback the current transaction."}, true},
		{&gomysql.MySQLError{Number: 9007, Message: "Write conflict"}, true},
		{&gomysql.MySQLError{Number: 1062, Message: "Duplicate entry"}, false},
		{&gomysql.MySQLError{Number: 1064, Message: "You have an error in your SQL syntax"}, false},
	} {
		if isRetryable(c.err) != c.retryable {
			t.Errorf("isRetryable(%v) = %v", c.err, !c.retryable)
		}
		if c.retryable && !errors.Is(s.wrap("op", c.err), domain.ErrStoreUnavailable) {
			t.Errorf("wrap(%v) = %v, want ErrStoreUnavailable", c.err, s.wrap("op", c.err))
		}
	}
	for _, e := range []error{&gomysql.MySQLError{Number: 1213}, &gomysql.MySQLError{Number: 1062}} {
		calls := 0
		begin := time.Now()
		err := retry(context.Background(), func() error { calls++; return e })
		want := 1
		if isRetryable(e) {
			want = retryAttempts
		}
		if calls != want || !errors.Is(err, e) {
			t.Errorf("retry of %v: %d calls (%v), want %d", e, calls, err, want)
		}
		t.Logf("retry of %v: %d calls in %v", e, calls, time.Since(begin).Round(time.Millisecond))
	}
	notReady := &gomysql.MySQLError{Number: 1047, Message: "WSREP has not yet prepared node for application use"}
	if err := s.wrap("op", notReady); !errors.Is(err, domain.ErrStoreUnavailable) {
		t.Errorf("wrap(1047) = %v, want ErrStoreUnavailable", err)
	}

	// A conflict that clears is invisible to the caller.
	calls := 0
	err := retry(context.Background(), func() error {
		if calls++; calls < 3 {
			return &gomysql.MySQLError{Number: 1213}
		}
		return nil
	})
	if err != nil || calls != 3 {
		t.Fatalf("retry: %v after %d calls, want success at the third", err, calls)
	}
	// A cancelled context stops the retries.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	calls = 0
	err = retry(ctx, func() error { calls++; return &gomysql.MySQLError{Number: 1213} })
	if calls != 1 || !errors.Is(err, context.Canceled) {
		t.Fatalf("retry with a cancelled context: %d calls, %v", calls, err)
	}
}

// TestBackoffJitteredAndBounded: each delay is within [d/2, d] of its
// doubling step d, capped; two sequences differ (jitter), and all of
// retry's waits together stay under 2 s.
func TestBackoffJitteredAndBounded(t *testing.T) {
	var total time.Duration
	a, b := backoff{base: retryBase, max: retryMax}, backoff{base: retryBase, max: retryMax}
	same := true
	for i := range 40 {
		d := min(retryBase<<i, retryMax)
		x, y := a.next(), b.next()
		if x < d/2 || x > d || y < d/2 || y > d {
			t.Fatalf("delay %d: %v and %v, want within [%v, %v]", i, x, y, d/2, d)
		}
		same = same && x == y
		if i < retryAttempts-1 {
			total += d
		}
	}
	if same {
		t.Error("two back-off sequences are equal: no jitter")
	}
	if total > 2*time.Second {
		t.Errorf("retry may wait %v in all", total)
	}
}
