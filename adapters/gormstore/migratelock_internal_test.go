package gormstore

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aimodels/aimodels/test/testenv"
)

// TestMigrationLock (MySQL): the lock row admits one holder; a second
// store waits, saying for whom, and goes on once the first has migrated
// and released it; the holder renews the row; an expired row (a holder
// that died) is taken over.
func TestMigrationLock(t *testing.T) {
	cfg := Config{Driver: DriverMySQL, DSN: freshMySQL(t)}
	ctx := t.Context()
	a := openNoMigrate(t, cfg)
	var logs testenv.SyncBuffer
	cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	b := openNoMigrate(t, cfg)
	for _, q := range []string{createSchemaMigrationsMySQL, createMigrationLockMySQL} {
		if err := a.w.Exec(q).Error; err != nil {
			t.Fatal(err)
		}
	}
	la, err := a.lockMigrations(ctx, LatestVersion())
	if err != nil || la == nil {
		t.Fatalf("first lock: %v %v", la, err)
	}
	if won, err := b.tryLock(ctx, "b"); won || err != nil {
		t.Fatalf("a second tryLock while held: won %v, %v", won, err)
	}
	type result struct {
		l   *migrationLock
		err error
	}
	got := make(chan result, 1)
	go func() {
		l, err := b.lockMigrations(ctx, LatestVersion())
		got <- result{l, err}
	}()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(logs.String(), "waiting for the migrations of another process") {
		select {
		case r := <-got:
			t.Fatalf("the second store did not wait for the holder: %+v", r)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("the second store does not say it waits: %s", logs.String())
		}
		time.Sleep(5 * time.Millisecond) // polling its log; the deadline bounds it
	}
	if !strings.Contains(logs.String(), la.owner) {
		t.Errorf("the waiter's log does not name the holder %q: %s", la.owner, logs.String())
	}
	if err := a.applyMigrations(a.w.WithContext(ctx), LatestVersion()); err != nil {
		t.Fatal(err)
	}
	la.release()
	r := <-got
	if r.err != nil {
		t.Fatalf("the waiter after the release: %v", r.err)
	}
	if r.l != nil {
		r.l.release() // it won the free lock before it saw the schema: fine
	}
	var n int64
	a.w.Raw("SELECT COUNT(*) FROM schema_migrations_lock").Scan(&n)
	if n != 0 {
		t.Fatalf("%d lock rows after both released", n)
	}

	// Renewal: the holder pushes expires_at forward.
	old := migrationLockRenew
	migrationLockRenew = 20 * time.Millisecond
	t.Cleanup(func() { migrationLockRenew = old })
	l, err := a.lockMigrations(ctx, LatestVersion()+1) // a version no build has: it never counts as done
	if err != nil || l == nil {
		t.Fatalf("lock: %v %v", l, err)
	}
	var first, later time.Time
	a.w.Raw("SELECT expires_at FROM schema_migrations_lock WHERE name = ?", migrationLockName).Scan(&first)
	deadline = time.Now().Add(10 * time.Second)
	for !later.After(first) {
		if time.Now().After(deadline) {
			t.Fatalf("expires_at not renewed: %v", first)
		}
		time.Sleep(10 * time.Millisecond) // polling the row; the deadline bounds it
		a.w.Raw("SELECT expires_at FROM schema_migrations_lock WHERE name = ?", migrationLockName).Scan(&later)
	}
	l.release()

	// Take-over: a row whose holder stopped renewing it.
	if err := a.w.Exec("INSERT INTO schema_migrations_lock (name, owner, expires_at) VALUES (?, 'a dead process', TIMESTAMPADD(SECOND, -1, UTC_TIMESTAMP(6)))", migrationLockName).Error; err != nil {
		t.Fatal(err)
	}
	if won, err := b.tryLock(ctx, "b"); !won || err != nil {
		t.Fatalf("taking over an expired lock: won %v, %v", won, err)
	}
	var owner string
	a.w.Raw("SELECT owner FROM schema_migrations_lock WHERE name = ?", migrationLockName).Scan(&owner)
	if owner != "b" {
		t.Fatalf("lock owner after the take-over: %q", owner)
	}
}
