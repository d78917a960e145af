package gormstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"strings"
	"syscall"
	"time"

	gomysql "github.com/go-sql-driver/mysql"
	"gorm.io/gorm"
	gosqlite "modernc.org/sqlite"

	"github.com/aimodels/aimodels/core/domain"
)

// wrap turns a database error into a *domain.StoreError. Validation
// errors pass through unchanged.
func (s *Store) wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	var se *domain.StoreError
	if errors.As(err, &se) {
		return err
	}
	if errors.Is(err, domain.ErrValidation) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("store %s: %w", op, err)
	}
	if f := fault(s.driver, err); f != nil {
		if f.kind != ErrNoPrivilege {
			s.noteWriteFault(f)
		}
		return &domain.StoreError{Kind: domain.ErrStoreUnavailable, Op: op, Err: f}
	}
	kind := classify(err)
	if kind == domain.ErrStoreUnavailable && !isUnavailable(err) {
		// Not a connection problem (a rejected statement, a value too long
		// for its column): retrying later will not help, so it is no
		// ErrStoreUnavailable but an internal error, logged in full.
		if s.log != nil {
			s.log.Error("gormstore: unexpected database error", "op", op, "err", err)
		}
		return fmt.Errorf("store %s: unexpected database error: %w", op, err)
	}
	return &domain.StoreError{Kind: kind, Op: op, Err: err}
}

// Causes of the *domain.StoreError (of kind domain.ErrStoreUnavailable)
// that a Store returns when the database refuses a statement because of
// its state or configuration rather than the statement: errors.Is finds
// them. The error's message says what an operator can do.
var (
	// ErrStorageFull: the disk, a tablespace or a table limit is full
	// (MySQL 1021, 1114, 3, errno 28; SQLITE_FULL).
	ErrStorageFull = errors.New("the database's storage is full")
	// ErrReadOnly: the server or file is read-only (MySQL 1290
	// --read-only, 1792, 1836, 1874, 1036; SQLITE_READONLY).
	ErrReadOnly = errors.New("the database is read-only")
	// ErrNoPrivilege: the database user may not do this (MySQL 1142,
	// 1143, 1044, 1045, 1227, 1370, 1698; SQLITE_PERM, SQLITE_AUTH).
	ErrNoPrivilege = errors.New("the database user lacks a privilege")
)

// faultError is the cause of a storage, read-only or privilege fault:
// its kind (ErrStorageFull, ErrReadOnly, ErrNoPrivilege), what an
// operator can do about it, and the driver's error.
type faultError struct {
	kind   error
	advice string
	err    error
}

func (e *faultError) Error() string {
	return e.kind.Error() + ": " + e.advice + " (" + e.err.Error() + ")"
}

func (e *faultError) Unwrap() []error { return []error{e.kind, e.err} }

const (
	adviceFull = "free disk space where the database keeps its files, or raise the limit of its tablespace or table; writes fail until then"
	// MySQL and MariaDB
	adviceReadOnly  = "the database server is read-only (read_only, a replica, or a read-only file system): point the DSN at the writable primary or make the server writable (SET GLOBAL read_only=0)"
	advicePrivilege = "grant the database user SELECT, INSERT, UPDATE and DELETE on the aimodels database " +
		"(see gormstore.Config.SkipMigrations for the GRANT lines); schema changes need CREATE, ALTER and INDEX, or run `aimodels migrate` as a user who has them"
	adviceLogin    = "the database refused the login: check the user, password and host of the DSN and that the user may use the database (GRANT ... ON aimodels.* TO the user)"
	adviceSQLiteRO = "the SQLite file, its -wal or -shm file or their directory is read-only: give the server's user write permission on them, or move the file to writable storage"
)

// fault recognises a storage-full, read-only or privilege refusal of the
// database, nil for any other error.
func fault(driver string, err error) *faultError {
	f := func(kind error, advice string) *faultError { return &faultError{kind: kind, advice: advice, err: err} }
	var me *gomysql.MySQLError
	if errors.As(err, &me) {
		msg := strings.ToLower(me.Message)
		switch me.Number {
		case 1021, 1114, 3: // disk full, table is full, error writing file
			return f(ErrStorageFull, adviceFull)
		case 1792, 1836, 1874, 1036: // read-only transaction, read-only mode, InnoDB read-only, table read-only
			return f(ErrReadOnly, adviceReadOnly)
		case 1290: // --option prevents the statement: read-only only (secure-file-priv and others are rejections)
			if strings.Contains(msg, "read-only") || strings.Contains(msg, "read_only") {
				return f(ErrReadOnly, adviceReadOnly)
			}
			return nil
		case 1142, 1143, 1227, 1370: // command, column, specific and routine access denied
			return f(ErrNoPrivilege, advicePrivilege)
		case 1044, 1045, 1698: // database access denied, login refused
			return f(ErrNoPrivilege, adviceLogin)
		}
		if noSpace(msg) {
			return f(ErrStorageFull, adviceFull)
		}
		return nil
	}
	var le *gosqlite.Error
	if errors.As(err, &le) {
		switch le.Code() & 0xff {
		case 13: // SQLITE_FULL
			return f(ErrStorageFull, adviceFull)
		case 8, 3: // SQLITE_READONLY, SQLITE_PERM
			return f(ErrReadOnly, adviceSQLiteRO)
		case 23: // SQLITE_AUTH
			return f(ErrNoPrivilege, adviceSQLiteRO)
		}
	}
	msg := strings.ToLower(err.Error())
	switch {
	case strings.Contains(msg, "database or disk is full"), noSpace(msg):
		return f(ErrStorageFull, adviceFull)
	case strings.Contains(msg, "attempt to write a readonly database"), strings.Contains(msg, "read-only file system"):
		if driver == DriverMySQL {
			return f(ErrReadOnly, adviceReadOnly)
		}
		return f(ErrReadOnly, adviceSQLiteRO)
	}
	return nil
}

// noSpace reports a message naming ENOSPC ("No space left on device",
// "errno: 28", "Errcode: 28").
func noSpace(msg string) bool {
	return strings.Contains(msg, "no space left") || strings.Contains(msg, "errno: 28") ||
		strings.Contains(msg, "errcode: 28") || strings.Contains(msg, "error 28 ") || strings.HasSuffix(msg, "error 28")
}

// classify maps a driver error to ErrNotFound, ErrConflict or
// ErrStoreUnavailable (wrap then tells a real outage from other errors).
func classify(err error) error {
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return domain.ErrNotFound
	case isDuplicate(err):
		return domain.ErrConflict
	}
	return domain.ErrStoreUnavailable
}

// isDuplicate reports a unique-constraint violation.
func isDuplicate(err error) bool {
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return true
	}
	var me *gomysql.MySQLError
	if errors.As(err, &me) {
		return me.Number == 1062
	}
	var le *gosqlite.Error
	if errors.As(err, &le) {
		c := le.Code()
		return c == 2067 || c == 1555 // SQLITE_CONSTRAINT_UNIQUE, SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// isUnavailable reports whether err means the database could not be
// reached or dropped the connection (as opposed to refusing a statement).
func isUnavailable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, gomysql.ErrInvalidConn) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, sql.ErrConnDone) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	var me *gomysql.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case 1040, 1053, 1077, 1927, 2002, 2003, 2006, 2013:
			// too many connections, server shutdown, normal shutdown,
			// connection killed, can't connect, gone away, lost connection.
			return true
		case 1047:
			// Galera: "WSREP has not yet prepared node for application
			// use", a node that is joining, or cut off from the primary
			// component.
			return true
		}
	}
	if isRetryable(err) {
		// A conflict that outlasted retry's attempts: transient, so
		// "try again shortly" (503) rather than an internal error.
		return true
	}
	msg := strings.ToLower(err.Error())
	for _, s := range []string{"invalid connection", "connection refused", "server has gone away",
		"bad connection", "broken pipe", "connection reset", "lost connection", "shutdown in progress",
		"database is closed"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// isRetryable reports an error after which the whole transaction was
// rolled back and running it again may succeed: an InnoDB deadlock (1213,
// SQLSTATE 40001) or lock wait timeout (1205); a certification conflict
// of a multi-primary cluster, which MariaDB Galera reports as 1213 at a
// statement or at COMMIT, and MySQL Group Replication as 3101 at COMMIT;
// TiDB's optimistic write conflict (9007); SQLite busy or locked.
func isRetryable(err error) bool {
	var me *gomysql.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case 1213, 1205, 3101, 9007:
			return true
		}
		return false
	}
	var le *gosqlite.Error
	if errors.As(err, &le) {
		c := le.Code() & 0xff
		return c == 5 || c == 6 // SQLITE_BUSY, SQLITE_LOCKED
	}
	return false
}

// Bounds of retry.
const (
	retryAttempts = 10
	retryBase     = 5 * time.Millisecond
	retryMax      = 500 * time.Millisecond
)

// retry runs fn, and again after an error that isRetryable, up to
// retryAttempts times, sleeping a jittered, doubling back-off between
// attempts (retryBase up to retryMax: at most about 1.6 s in all), so
// replicas whose writes met do not meet again in step. fn must be a whole
// transaction (or one statement outside one). It stops early when ctx
// ends.
func retry(ctx context.Context, fn func() error) error {
	b := backoff{base: retryBase, max: retryMax}
	var err error
	for attempt := 1; ; attempt++ {
		err = fn()
		if err == nil || !isRetryable(err) || attempt == retryAttempts {
			return err
		}
		t := time.NewTimer(b.next())
		select {
		case <-ctx.Done():
			t.Stop()
			return errors.Join(err, ctx.Err())
		case <-t.C:
		}
	}
}

// backoff yields "equal jitter" exponential delays: the n-th is uniform
// in [d/2, d] where d = base·2ⁿ, capped at max.
type backoff struct {
	base, max time.Duration
	n         int
}

func (b *backoff) next() time.Duration {
	d := b.max
	if b.n < 30 {
		d = min(b.base<<b.n, b.max)
	}
	b.n++
	return d/2 + rand.N(d/2+1)
}
