package gormstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"time"

	gosqlite "github.com/glebarez/go-sqlite"
	gomysql "github.com/go-sql-driver/mysql"
	"gorm.io/gorm"

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
		}
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

// isRetryable reports an error after which the whole transaction can be
// safely run again: InnoDB deadlock or lock wait timeout, SQLite busy.
func isRetryable(err error) bool {
	var me *gomysql.MySQLError
	if errors.As(err, &me) {
		return me.Number == 1213 || me.Number == 1205
	}
	var le *gosqlite.Error
	if errors.As(err, &le) {
		c := le.Code() & 0xff
		return c == 5 || c == 6 // SQLITE_BUSY, SQLITE_LOCKED
	}
	return false
}

// retry runs fn, again after a deadlock or busy error, a few times.
func retry(ctx context.Context, fn func() error) error {
	var err error
	backoff := 2 * time.Millisecond
	for attempt := 0; attempt < 8; attempt++ {
		err = fn()
		if err == nil || !isRetryable(err) {
			return err
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return errors.Join(err, ctx.Err())
		case <-t.C:
		}
		backoff *= 2
	}
	return err
}
