package gormstore

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/aimodels/aimodels/core/domain"
)

func TestWrapTellsOutagesFromRejections(t *testing.T) {
	s := &Store{}
	cases := []struct {
		err         error
		unavailable bool
	}{
		{&gomysql.MySQLError{Number: 2006, Message: "MySQL server has gone away"}, true},
		{gomysql.ErrInvalidConn, true},
		{errors.New("sql: database is closed"), true},
		{&gomysql.MySQLError{Number: 1406, Message: "Data too long for column 'model_id'"}, false},
		{&gomysql.MySQLError{Number: 1064, Message: "You have an error in your SQL syntax"}, false},
		{context.Canceled, false},
	}
	for _, c := range cases {
		got := s.wrap("op", c.err)
		if errors.Is(got, domain.ErrStoreUnavailable) != c.unavailable {
			t.Errorf("wrap(%v) = %v; unavailable want %v", c.err, got, c.unavailable)
		}
		if !errors.Is(got, c.err) {
			t.Errorf("wrap(%v) lost its cause", c.err)
		}
	}
	if !errors.Is(s.wrap("op", &gomysql.MySQLError{Number: 1062}), domain.ErrConflict) {
		t.Error("duplicate is not a conflict")
	}
}

// TestFaultsAreUnavailableWithAdvice: a full disk or table, a read-only
// server or file and a refused privilege are ErrStoreUnavailable (503
// store_unavailable), with the fault's sentinel, the driver's error and
// a message that says what to do; a storage-full or read-only one makes
// Ping fail for the hold, a privilege one does not.
func TestFaultsAreUnavailableWithAdvice(t *testing.T) {
	my := func(n uint16, msg string) error { return &gomysql.MySQLError{Number: n, Message: msg} }
	cases := []struct {
		name   string
		driver string
		err    error
		kind   error
		advice string
	}{
		{"mysql disk full", DriverMySQL, my(1021, "Disk full (./aimodels/prompts.ibd); waiting for someone to free some space..."), ErrStorageFull, "free disk space"},
		{"mysql table full", DriverMySQL, my(1114, "The table 'prompts' is full"), ErrStorageFull, "free disk space"},
		{"mysql error writing file", DriverMySQL, my(3, "Error writing file './ib_logfile0' (Errcode: 28 \"No space left on device\")"), ErrStorageFull, "free disk space"},
		{"mysql errno 28 from the engine", DriverMySQL, my(1030, "Got error 28 \"No space left on device\" from storage engine InnoDB"), ErrStorageFull, "free disk space"},
		{"mysql --read-only", DriverMySQL, my(1290, "The MariaDB server is running with the --read-only option so it cannot execute this statement"), ErrReadOnly, "read_only=0"},
		{"mysql read-only transaction", DriverMySQL, my(1792, "Cannot execute statement in a READ ONLY transaction"), ErrReadOnly, "read-only"},
		{"mysql read-only mode", DriverMySQL, my(1836, "Running in read-only mode"), ErrReadOnly, "read-only"},
		{"innodb read-only", DriverMySQL, my(1874, "InnoDB is in read only mode"), ErrReadOnly, "read-only"},
		{"mysql table read only", DriverMySQL, my(1036, "Table 'prompts' is read only"), ErrReadOnly, "read-only"},
		{"mysql command denied", DriverMySQL, my(1142, "INSERT command denied to user 'app'@'127.0.0.1' for table `aimodels`.`prompts`"), ErrNoPrivilege, "GRANT"},
		{"mysql column denied", DriverMySQL, my(1143, "UPDATE command denied to user 'app'@'127.0.0.1' for column 'text' in table 'prompts'"), ErrNoPrivilege, "UPDATE"},
		{"mysql database denied", DriverMySQL, my(1044, "Access denied for user 'app'@'%' to database 'aimodels'"), ErrNoPrivilege, "GRANT"},
		{"mysql login refused", DriverMySQL, my(1045, "Access denied for user 'app'@'127.0.0.1' (using password: YES)"), ErrNoPrivilege, "password"},
		{"mysql specific privilege", DriverMySQL, my(1227, "Access denied; you need (at least one of) the SUPER privilege(s) for this operation"), ErrNoPrivilege, "GRANT"},
		{"sqlite full", DriverSQLite, errors.New("database or disk is full (13)"), ErrStorageFull, "free disk space"},
		{"sqlite read-only", DriverSQLite, errors.New("attempt to write a readonly database (8)"), ErrReadOnly, "write permission"},
		{"read-only file system", DriverSQLite, errors.New("open /data/aimodels.db-wal: read-only file system"), ErrReadOnly, "write permission"},
		{"no space left", DriverSQLite, errors.New("write /data/aimodels.db-wal: no space left on device"), ErrStorageFull, "free disk space"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := &Store{driver: c.driver, hold: time.Minute}
			got := s.wrap("create prompt", c.err)
			var se *domain.StoreError
			if !errors.As(got, &se) || se.Op != "create prompt" {
				t.Fatalf("wrap = %#v, want a *domain.StoreError with its Op", got)
			}
			if !errors.Is(got, domain.ErrStoreUnavailable) || !errors.Is(got, c.kind) || !errors.Is(got, c.err) {
				t.Fatalf("wrap = %v; want ErrStoreUnavailable, %v and the cause", got, c.kind)
			}
			if !strings.Contains(got.Error(), c.advice) {
				t.Errorf("message %q does not say what to do (%q)", got, c.advice)
			}
			if c.kind == ErrNoPrivilege {
				if f, _ := s.recentWriteFault(); f != nil {
					t.Errorf("a privilege refusal made Ping fail: %v", f)
				}
				return
			}
			if f, _ := s.recentWriteFault(); f == nil || !errors.Is(f, c.kind) {
				t.Errorf("the fault is not remembered for Ping: %v", f)
			}
		})
	}
	// Not faults of the database's state: rejections of the statement.
	s := &Store{driver: DriverMySQL, hold: time.Minute}
	for _, err := range []error{
		my(1290, "The MariaDB server is running with the --secure-file-priv option so it cannot execute this statement"),
		my(1406, "Data too long for column 'name' at row 1"),
	} {
		if got := s.wrap("op", err); errors.Is(got, domain.ErrStoreUnavailable) {
			t.Errorf("wrap(%v) = %v, want no ErrStoreUnavailable", err, got)
		}
	}
	if f, _ := s.recentWriteFault(); f != nil {
		t.Errorf("a rejection is remembered as a write fault: %v", f)
	}
}

// TestWriteFaultHold: Ping fails for the hold after a storage-full write
// and not after it; a negative hold disables it.
func TestWriteFaultHold(t *testing.T) {
	s := &Store{driver: DriverMySQL, hold: time.Hour}
	_ = s.wrap("save", &gomysql.MySQLError{Number: 1114, Message: "The table 'api_keys' is full"})
	if f, _ := s.recentWriteFault(); f == nil {
		t.Fatal("not remembered within the hold")
	}
	s.faultMu.Lock()
	s.faultAt = time.Now().Add(-2 * time.Hour)
	s.faultMu.Unlock()
	if f, _ := s.recentWriteFault(); f != nil {
		t.Fatalf("remembered after the hold: %v", f)
	}
	off := &Store{driver: DriverMySQL, hold: -1}
	_ = off.wrap("save", &gomysql.MySQLError{Number: 1114, Message: "The table 'api_keys' is full"})
	if f, _ := off.recentWriteFault(); f != nil {
		t.Fatalf("remembered with a negative hold: %v", f)
	}
}
