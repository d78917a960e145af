package gormstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"sync"
	"time"
)

// The migration lock on MySQL is a row of schema_migrations_lock, not
// GET_LOCK: GET_LOCK is local to one server, so on a multi-primary
// cluster (MariaDB Galera, MySQL Group Replication in multi-primary mode)
// processes on different nodes would all get it and migrate at once. A
// row's primary key is unique across the cluster: of concurrent INSERTs of
// the one row, one commits and every other fails, with a duplicate key
// (1062) once the row is there or a certification conflict (1213) when
// they met in flight. The row names its holder and when it expires; the
// holder renews it while it works, so the lock of a process that died
// while migrating is taken over once it has expired.
const createMigrationLockMySQL = `CREATE TABLE IF NOT EXISTS schema_migrations_lock (
	name VARCHAR(64) NOT NULL PRIMARY KEY,
	owner VARCHAR(255) NOT NULL,
	expires_at DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`

const migrationLockName = "migrate"

// Timing of the migration lock (variables so tests can shorten them).
var (
	// migrationLockTTL is how long the lock holds without renewal.
	migrationLockTTL = 30 * time.Second
	// migrationLockRenew is how often the holder renews it.
	migrationLockRenew = 10 * time.Second
	// migrationLockWait bounds how long Migrate waits for another
	// process's migrations (and its ctx, whichever ends first).
	migrationLockWait = 2 * time.Minute
)

// migrationLock is a held migration lock.
type migrationLock struct {
	s     *Store
	owner string
	stop  chan struct{}
	done  sync.WaitGroup
}

// lockOwner names this process in the lock row: host, process id and a
// random part that tells two Stores of one process apart.
func lockOwner() string {
	host, _ := os.Hostname()
	var b [6]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s pid %d %s", host, os.Getpid(), hex.EncodeToString(b[:]))
}

// lockMigrations takes the migration lock, or waits: it returns the held
// lock, or nil once the schema is at target without it (another process
// migrated), or an error when migrationLockWait or ctx ends first. A
// waiter polls with jittered back-off (20 ms to 1 s); an expired lock (its
// holder stopped renewing it) is taken over by one waiter.
func (s *Store) lockMigrations(ctx context.Context, target int) (*migrationLock, error) {
	owner := lockOwner()
	ctx, cancel := context.WithTimeout(ctx, migrationLockWait)
	defer cancel()
	b := backoff{base: 20 * time.Millisecond, max: time.Second}
	holder := ""
	for {
		won, err := s.tryLock(ctx, owner)
		if err != nil {
			return nil, fmt.Errorf("take the migration lock: %w", err)
		}
		if won {
			s.log.Info("gormstore: took the migration lock", "owner", owner)
			l := &migrationLock{s: s, owner: owner, stop: make(chan struct{})}
			l.done.Add(1)
			go l.renew()
			return l, nil
		}
		if at, err := s.schemaAt(ctx, target); err == nil && at {
			s.log.Info("gormstore: another process migrated the schema", "holder", holder)
			return nil, nil
		}
		var h string
		if err := s.w.WithContext(ctx).Raw("SELECT owner FROM schema_migrations_lock WHERE name = ?", migrationLockName).Scan(&h).Error; err == nil && h != "" && h != holder {
			holder = h
			s.log.Info("gormstore: waiting for the migrations of another process", "holder", holder)
		}
		t := time.NewTimer(b.next())
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("waited for the migration lock held by %q (at most %v): %w; its row in schema_migrations_lock expires %v after its holder's last renewal",
				holder, migrationLockWait, ctx.Err(), migrationLockTTL)
		case <-t.C:
		}
	}
}

// tryLock tries once to take the lock for owner: by inserting its row,
// or by taking over a row that has expired. Losing a race (a duplicate
// key, a deadlock or certification conflict) is no error: won is false.
func (s *Store) tryLock(ctx context.Context, owner string) (won bool, err error) {
	db := s.w.WithContext(ctx)
	ttl := migrationLockTTL.Microseconds()
	err = db.Exec("INSERT INTO schema_migrations_lock (name, owner, expires_at) VALUES (?, ?, TIMESTAMPADD(MICROSECOND, ?, UTC_TIMESTAMP(6)))",
		migrationLockName, owner, ttl).Error
	switch {
	case err == nil:
		return true, nil
	case isRetryable(err):
		return false, nil
	case !isDuplicate(err):
		return false, err
	}
	res := db.Exec("UPDATE schema_migrations_lock SET owner = ?, expires_at = TIMESTAMPADD(MICROSECOND, ?, UTC_TIMESTAMP(6)) WHERE name = ? AND expires_at < UTC_TIMESTAMP(6)",
		owner, ttl, migrationLockName)
	switch {
	case res.Error == nil && res.RowsAffected == 1:
		s.log.Warn("gormstore: took over an expired migration lock (its holder stopped renewing it)", "owner", owner)
		return true, nil
	case res.Error == nil, isRetryable(res.Error):
		return false, nil
	}
	return false, res.Error
}

// renew extends the lock every migrationLockRenew until release.
func (l *migrationLock) renew() {
	defer l.done.Done()
	t := time.NewTicker(migrationLockRenew)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), migrationLockTTL/2)
		var n int64
		err := retry(ctx, func() error {
			res := l.s.w.WithContext(ctx).Exec("UPDATE schema_migrations_lock SET expires_at = TIMESTAMPADD(MICROSECOND, ?, UTC_TIMESTAMP(6)) WHERE name = ? AND owner = ?",
				migrationLockTTL.Microseconds(), migrationLockName, l.owner)
			n = res.RowsAffected
			return res.Error
		})
		cancel()
		switch {
		case err != nil:
			l.s.log.Warn("gormstore: could not renew the migration lock", "err", err)
		case n == 0:
			l.s.log.Warn("gormstore: the migration lock was taken over while this process migrated (it was not renewed in time); the steps are idempotent", "owner", l.owner)
		}
	}
}

// release stops the renewal and deletes the lock's row (if it is still
// this process's).
func (l *migrationLock) release() {
	close(l.stop)
	l.done.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := retry(ctx, func() error {
		return l.s.w.WithContext(ctx).Exec("DELETE FROM schema_migrations_lock WHERE name = ? AND owner = ?", migrationLockName, l.owner).Error
	})
	if err != nil {
		l.s.log.Warn("gormstore: could not release the migration lock; it expires by itself", "ttl", migrationLockTTL, "err", err)
	}
}
