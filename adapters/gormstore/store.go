package gormstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	gomysql "github.com/go-sql-driver/mysql"
	"github.com/libtnb/sqlite"
	"gorm.io/driver/mysql"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/aimodels/aimodels/core/domain"
	"github.com/aimodels/aimodels/ports"
)

// Drivers accepted by Config.Driver.
const (
	DriverSQLite = "sqlite"
	DriverMySQL  = "mysql"
)

// MaxScopeLength is the longest scope the store accepts (the column is varchar(64)).
const MaxScopeLength = 64

// Config says which database to open and how to pool connections.
type Config struct {
	// Driver is DriverSQLite or DriverMySQL.
	Driver string
	// DSN is a SQLite file path (or "file:" URI, or ":memory:") or a MySQL
	// DSN such as "user:pass@tcp(127.0.0.1:3306)/aimodels?charset=utf8mb4".
	// For MySQL, parseTime, loc=UTC and clientFoundRows are forced on.
	DSN string
	// MaxOpenConns bounds open connections (MySQL default 20; SQLite
	// readers default 4, SQLite always has exactly one writer).
	MaxOpenConns int
	// MaxIdleConns bounds idle connections (default: MaxOpenConns).
	MaxIdleConns int
	// ConnMaxLifetime recycles connections (MySQL default 5 minutes).
	ConnMaxLifetime time.Duration
	// ConnMaxIdleTime closes idle connections (MySQL default 1 minute).
	ConnMaxIdleTime time.Duration
	// Logger receives slow-query and migration logs; nil discards them.
	Logger *slog.Logger
	// SkipMigrations makes Open apply no migration: it checks that the
	// schema has every migration of this build instead, and fails with
	// an error wrapping ErrMigrationsPending (naming `aimodels migrate`)
	// when it does not. Migrations are then run separately, by Migrate
	// (`aimodels migrate`), as a user who may change the schema, and the
	// server runs as a user who may only read and write rows. On MySQL
	// or MariaDB, with the database aimodels:
	//
	//	-- the server (serve -migrate=false): rows only
	//	CREATE USER 'aimodels'@'%' IDENTIFIED BY '…';
	//	GRANT SELECT, INSERT, UPDATE, DELETE ON aimodels.* TO 'aimodels'@'%';
	//	-- the migrations (aimodels migrate): the schema too
	//	CREATE USER 'aimodels_migrate'@'%' IDENTIFIED BY '…';
	//	GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, ALTER, INDEX, DROP ON aimodels.* TO 'aimodels_migrate'@'%';
	//
	// (replace '%' by the hosts the users connect from). Both are tested
	// on MariaDB: the whole store contract runs as the first user, and the
	// migrations as the second. Without SkipMigrations, Open as the first
	// user fails: it may not CREATE.
	SkipMigrations bool
	// WriteFaultHold is how long Ping keeps failing after a write failed
	// because the storage was full or the database read-only (default
	// 10 s; negative: Ping does not remember write faults). A full disk
	// shows only on writes, so without it /readyz would report ready while
	// every write fails. A read-only MySQL server is seen by Ping itself.
	WriteFaultHold time.Duration
}

// DefaultWriteFaultHold is Config.WriteFaultHold's default.
const DefaultWriteFaultHold = 10 * time.Second

// ErrMigrationsPending is wrapped by the error of Open with
// SkipMigrations when the schema lacks a migration of this build.
var ErrMigrationsPending = errors.New("gormstore: the database schema is not at this build's version")

// Store is the GORM store. It is safe for concurrent use.
type Store struct {
	driver string
	w      *gorm.DB // writes (SQLite: one connection)
	r      *gorm.DB // reads (may be w)
	log    *slog.Logger
	now    func() time.Time

	hold      time.Duration // Config.WriteFaultHold
	schema    atomic.Bool   // schema_migrations exists: Migrate or the schema check succeeded
	faultMu   sync.Mutex
	faultAt   time.Time   // when a write last failed with storage full or read-only
	faultLast *faultError // that failure
}

var (
	_ ports.KeyStore       = (*Store)(nil)
	_ ports.SelectionStore = (*Store)(nil)
	_ ports.PromptStore    = (*Store)(nil)
	_ ports.Pinger         = (*Store)(nil)
	_ ports.UsageStore     = (*Store)(nil)
)

// Open connects to the database described by cfg, configures the pool,
// checks the connection and applies pending migrations (with
// cfg.SkipMigrations: checks that none is pending). The error is a
// *domain.StoreError (ErrStoreUnavailable when the database cannot be
// reached, is full or read-only, or refuses the user a privilege it
// needs; its message says what to do), an error wrapping
// ErrMigrationsPending, or a configuration error.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	s, err := openWith(ctx, cfg, !cfg.SkipMigrations)
	if err != nil || !cfg.SkipMigrations {
		return s, err
	}
	if err := s.checkSchema(ctx); err != nil {
		_ = s.Close()
		return nil, err
	}
	s.schema.Store(true)
	return s, nil
}

// Migrate opens the database of cfg, applies every pending migration and
// closes it again: `aimodels migrate`, run as a user allowed to change the
// schema, before servers start with SkipMigrations (which Migrate
// ignores). Running it again changes nothing; processes migrating at the
// same time wait for each other (see Store.Migrate).
func Migrate(ctx context.Context, cfg Config) error {
	s, err := openWith(ctx, cfg, true)
	if err != nil {
		return err
	}
	return s.Close()
}

func openWith(ctx context.Context, cfg Config, migrate bool) (*Store, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Store{driver: cfg.Driver, log: log, now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
	s.hold = cfg.WriteFaultHold
	if s.hold == 0 {
		s.hold = DefaultWriteFaultHold
	}
	gcfg := &gorm.Config{
		Logger:                 newGormLogger(log),
		SkipDefaultTransaction: true,
		NowFunc:                s.now,
	}
	var err error
	switch cfg.Driver {
	case DriverSQLite:
		err = s.openSQLite(cfg, gcfg)
	case DriverMySQL:
		err = s.openMySQL(cfg, gcfg)
	default:
		return nil, fmt.Errorf("gormstore: unknown driver %q (want %q or %q)", cfg.Driver, DriverSQLite, DriverMySQL)
	}
	if err != nil {
		return nil, err
	}
	// Only whether it answers: a read-only server may still be opened
	// (Ping then reports it unavailable until it is writable).
	if err := s.reach(ctx); err != nil {
		_ = s.Close()
		return nil, err
	}
	if !migrate {
		return s, nil
	}
	if err := s.Migrate(ctx); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

func (s *Store) openSQLite(cfg Config, gcfg *gorm.Config) error {
	dsn, memory := sqliteDSN(cfg.DSN)
	if path := sqliteFile(cfg.DSN); path != "" {
		if err := s.createPrivate(path); err != nil {
			return err
		}
	}
	w, err := gorm.Open(sqlite.Open(dsn), gcfg)
	if err != nil {
		return s.wrap("open", err)
	}
	wdb, err := w.DB()
	if err != nil {
		return s.wrap("open", err)
	}
	// One writer: SQLite allows one write transaction at a time, so queue
	// writers on one connection instead of letting them fight for the lock.
	wdb.SetMaxOpenConns(1)
	wdb.SetMaxIdleConns(1)
	wdb.SetConnMaxLifetime(0)
	wdb.SetConnMaxIdleTime(0)
	s.w, s.r = w, w
	if memory {
		return nil
	}
	r, err := gorm.Open(sqlite.Open(dsn), gcfg)
	if err != nil {
		_ = wdb.Close()
		return s.wrap("open", err)
	}
	rdb, err := r.DB()
	if err != nil {
		_ = wdb.Close()
		return s.wrap("open", err)
	}
	setPool(rdb, cfg, 4, 0, 0)
	s.r = r
	return nil
}

// sqliteDSN adds the pragmas aimodels needs to a SQLite DSN and reports
// whether it names an in-memory database.
func sqliteDSN(dsn string) (string, bool) {
	if dsn == "" {
		dsn = "aimodels.db"
	}
	memory := dsn == ":memory:" || strings.Contains(dsn, "mode=memory")
	base, query, _ := strings.Cut(dsn, "?")
	q, err := url.ParseQuery(query)
	if err != nil {
		q = url.Values{}
	}
	has := func(p string) bool {
		for _, v := range q["_pragma"] {
			if strings.HasPrefix(strings.ToLower(v), p) {
				return true
			}
		}
		return false
	}
	if !has("busy_timeout") {
		q.Add("_pragma", "busy_timeout(10000)")
	}
	if !memory && !has("journal_mode") {
		q.Add("_pragma", "journal_mode(WAL)")
	}
	if !has("foreign_keys") {
		q.Add("_pragma", "foreign_keys(1)")
	}
	if !has("synchronous") {
		q.Add("_pragma", "synchronous(NORMAL)")
	}
	if q.Get("_txlock") == "" {
		q.Set("_txlock", "immediate")
	}
	q.Del("_time_format") // it would disable _txlock in the driver
	return base + "?" + q.Encode(), memory
}

// sqliteFile returns the path of the file a SQLite DSN names, "" for an
// in-memory or read-only database or one that must exist (mode=rw).
func sqliteFile(dsn string) string {
	if dsn == "" {
		dsn = "aimodels.db"
	}
	base, query, _ := strings.Cut(dsn, "?")
	q, _ := url.ParseQuery(query)
	if base == ":memory:" || base == "" || q.Get("mode") == "memory" || q.Get("mode") == "ro" || q.Get("mode") == "rw" || q.Get("vfs") != "" {
		return ""
	}
	if rest, ok := strings.CutPrefix(base, "file:"); ok {
		base = rest
		if strings.HasPrefix(base, "//") { // file://host/path or file:///path
			u, err := url.Parse("file:" + base)
			if err != nil {
				return ""
			}
			base = u.Path
		}
		if base == ":memory:" || base == "" {
			return ""
		}
	}
	return base
}

// createPrivate creates the SQLite file with mode 0600 when it does not
// exist, before SQLite does (it would use 0644 less the umask). SQLite
// gives the -wal and -shm files the database file's mode, so they are
// 0600 too, and a prompt's text is not readable by other local users.
// An existing file keeps its mode; one that others may read is reported
// in the log.
func (s *Store) createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err == nil {
		return f.Close()
	}
	if !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("gormstore: create the SQLite file: %w", err)
	}
	if st, err := os.Stat(path); err == nil && st.Mode().Perm()&0o077 != 0 {
		s.log.Warn("gormstore: the SQLite file is readable or writable by other users (SQLite gives its -wal and -shm files the same mode): chmod 600 it",
			"path", path, "mode", fmt.Sprintf("%#o", st.Mode().Perm()))
	}
	return nil
}

func (s *Store) openMySQL(cfg Config, gcfg *gorm.Config) error {
	mc, err := gomysql.ParseDSN(cfg.DSN)
	if err != nil {
		return fmt.Errorf("gormstore: bad MySQL DSN: %w", redactDSNError(err))
	}
	mc.ParseTime = true
	mc.Loc = time.UTC
	mc.ClientFoundRows = true
	if mc.Timeout == 0 {
		mc.Timeout = 5 * time.Second
	}
	if mc.ReadTimeout == 0 {
		mc.ReadTimeout = 30 * time.Second
	}
	if mc.WriteTimeout == 0 {
		mc.WriteTimeout = 30 * time.Second
	}
	if mc.Params == nil {
		mc.Params = map[string]string{}
	}
	if _, ok := mc.Params["charset"]; !ok {
		mc.Params["charset"] = "utf8mb4"
	}
	// The driver's own messages ("closing bad idle connection" after a
	// restart, and the like) go to the store's logger, not to stderr in a
	// format of their own.
	mc.Logger = driverLogger{s.log}
	conn, err := gomysql.NewConnector(mc)
	if err != nil {
		return fmt.Errorf("gormstore: bad MySQL DSN: %w", redactDSNError(err))
	}
	db, err := gorm.Open(mysql.New(mysql.Config{Conn: sql.OpenDB(conn), DefaultStringSize: 255}), gcfg)
	if err != nil {
		return s.wrap("open", err)
	}
	sdb, err := db.DB()
	if err != nil {
		return s.wrap("open", err)
	}
	setPool(sdb, cfg, 20, 5*time.Minute, time.Minute)
	s.w, s.r = db, db
	return nil
}

// redactDSNError keeps a DSN parse error from echoing a password.
func redactDSNError(err error) error {
	return errors.New(strings.SplitN(err.Error(), ":", 2)[0])
}

// setPool sizes a pool from cfg; what cfg leaves at zero takes the
// driver's default (open connections, lifetime, idle time; 0 = no limit).
// Idle connections default to, and are capped at, the open ones.
func setPool(db *sql.DB, cfg Config, open int, lifetime, idleTime time.Duration) {
	if cfg.MaxOpenConns > 0 {
		open = cfg.MaxOpenConns
	}
	idle := cfg.MaxIdleConns
	if idle <= 0 || idle > open {
		idle = open
	}
	if cfg.ConnMaxLifetime != 0 {
		lifetime = cfg.ConnMaxLifetime
	}
	if cfg.ConnMaxIdleTime != 0 {
		idleTime = cfg.ConnMaxIdleTime
	}
	db.SetMaxOpenConns(open)
	db.SetMaxIdleConns(idle)
	db.SetConnMaxLifetime(lifetime)
	db.SetConnMaxIdleTime(idleTime)
}

// Driver returns DriverSQLite or DriverMySQL.
func (s *Store) Driver() string { return s.driver }

// Ping reports whether the database answers and can take writes
// (ports.Pinger). A failure is a *domain.StoreError of kind
// domain.ErrStoreUnavailable. It fails when the database cannot be
// reached, when a MySQL server is read-only (@@global.read_only, so a
// server without writes is not ready; also for a user with SUPER or READ
// ONLY ADMIN, who could still write), when it refuses to read the
// store's tables (a Galera node that is not synced), and for Config.WriteFaultHold
// (10 s by default) after a write failed because the storage was full or
// the database read-only: those show only on writes, and a server whose
// writes fail should not be reported ready.
func (s *Store) Ping(ctx context.Context) error {
	if s.driver != DriverMySQL {
		if err := s.reach(ctx); err != nil {
			return err
		}
	} else { // one pool; the query checks the connection too
		sdb, err := s.w.DB()
		if err != nil {
			return s.pingErr(err)
		}
		// Once the schema is there, the query reads a table too: a MariaDB
		// Galera node that is joining, cut off from the primary component
		// or set to reject queries answers a query without tables but
		// refuses every other (1047), so it is not ready either.
		var ro int
		if s.schema.Load() {
			var some bool
			err = sdb.QueryRowContext(ctx, "SELECT @@global.read_only, EXISTS (SELECT 1 FROM schema_migrations)").Scan(&ro, &some)
		} else {
			err = sdb.QueryRowContext(ctx, "SELECT @@global.read_only").Scan(&ro)
		}
		if err != nil {
			return s.pingErr(err)
		}
		if ro != 0 {
			return &domain.StoreError{Kind: domain.ErrStoreUnavailable, Op: "ping",
				Err: &faultError{kind: ErrReadOnly, advice: adviceReadOnly, err: errors.New("@@global.read_only is ON")}}
		}
	}
	if f, ago := s.recentWriteFault(); f != nil {
		return &domain.StoreError{Kind: domain.ErrStoreUnavailable, Op: "ping",
			Err: fmt.Errorf("a write failed %v ago: %w", ago.Round(time.Millisecond), f)}
	}
	return nil
}

// reach checks that every pool can connect.
func (s *Store) reach(ctx context.Context) error {
	for _, db := range s.pools() {
		sdb, err := db.DB()
		if err != nil {
			return s.pingErr(err)
		}
		if err := sdb.PingContext(ctx); err != nil {
			return s.pingErr(err)
		}
	}
	return nil
}

// pingErr makes a failed ping a *domain.StoreError of kind
// ErrStoreUnavailable, with the advice of a refused login or the like.
func (s *Store) pingErr(err error) error {
	if f := fault(s.driver, err); f != nil {
		return &domain.StoreError{Kind: domain.ErrStoreUnavailable, Op: "ping", Err: f}
	}
	return &domain.StoreError{Kind: domain.ErrStoreUnavailable, Op: "ping", Err: err}
}

// noteWriteFault remembers a storage-full or read-only failure for Ping.
func (s *Store) noteWriteFault(f *faultError) {
	if s.hold < 0 {
		return
	}
	s.faultMu.Lock()
	s.faultAt, s.faultLast = time.Now(), f
	s.faultMu.Unlock()
}

// recentWriteFault returns the last storage-full or read-only failure
// and how long ago it was, if that is within the hold.
func (s *Store) recentWriteFault() (*faultError, time.Duration) {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	if s.faultLast == nil {
		return nil, 0
	}
	ago := time.Since(s.faultAt)
	if ago >= s.hold {
		return nil, 0
	}
	return s.faultLast, ago
}

// Close closes every connection. The Store must not be used afterwards.
func (s *Store) Close() error {
	var errs []error
	for _, db := range s.pools() {
		if sdb, err := db.DB(); err == nil {
			errs = append(errs, sdb.Close())
		}
	}
	return errors.Join(errs...)
}

// DB returns the underlying *sql.DB used for writes, for health metrics
// and tests; do not close it.
func (s *Store) DB() (*sql.DB, error) { return s.w.DB() }

func (s *Store) pools() []*gorm.DB {
	if s.r == s.w {
		return []*gorm.DB{s.w}
	}
	return []*gorm.DB{s.w, s.r}
}

// normScope returns the scope to store: DefaultScope for "", an error
// when it cannot fit the column.
func normScope(scope string) (string, error) {
	if scope == "" {
		return domain.DefaultScope, nil
	}
	if len(scope) > MaxScopeLength {
		return "", &domain.ValidationError{Field: "scope", Reason: "must be at most 64 bytes"}
	}
	return scope, nil
}

// driverLogger sends the MySQL driver's messages to slog at warn. They
// are about connections (never queries or credentials).
type driverLogger struct{ log *slog.Logger }

func (d driverLogger) Print(v ...any) {
	d.log.Warn("mysql driver: " + strings.TrimSpace(fmt.Sprint(v...)))
}

// gormLogger sends GORM's slow queries and errors to slog, without
// parameters (they may hold ciphertexts).
type gormLogger struct{ log *slog.Logger }

func newGormLogger(l *slog.Logger) logger.Interface { return gormLogger{l} }

func (g gormLogger) LogMode(logger.LogLevel) logger.Interface { return g }
func (g gormLogger) Info(ctx context.Context, msg string, args ...any) {
	g.log.InfoContext(ctx, "gorm: "+msg)
}
func (g gormLogger) Warn(ctx context.Context, msg string, args ...any) {
	g.log.WarnContext(ctx, "gorm: "+msg)
}
func (g gormLogger) Error(ctx context.Context, msg string, args ...any) {
	g.log.ErrorContext(ctx, "gorm: "+msg)
}
func (g gormLogger) Trace(ctx context.Context, begin time.Time, fc func() (string, int64), err error) {
	if d := time.Since(begin); d > 500*time.Millisecond {
		g.log.WarnContext(ctx, "gormstore: slow query", "duration", d)
	}
}

// ParamsFilter keeps GORM from putting bound values into SQL it logs.
func (g gormLogger) ParamsFilter(ctx context.Context, sql string, params ...any) (string, []any) {
	return sql, nil
}
