package gormstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	gomysql "github.com/go-sql-driver/mysql"
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
}

// Store is the GORM store. It is safe for concurrent use.
type Store struct {
	driver string
	w      *gorm.DB // writes (SQLite: one connection)
	r      *gorm.DB // reads (may be w)
	log    *slog.Logger
	now    func() time.Time
}

var (
	_ ports.KeyStore       = (*Store)(nil)
	_ ports.SelectionStore = (*Store)(nil)
	_ ports.PromptStore    = (*Store)(nil)
	_ ports.Pinger         = (*Store)(nil)
)

// Open connects to the database described by cfg, configures the pool,
// checks the connection and applies pending migrations. The error is a
// *domain.StoreError (ErrStoreUnavailable when the database cannot be
// reached) or a configuration error.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	return openWith(ctx, cfg, true)
}

func openWith(ctx context.Context, cfg Config, migrate bool) (*Store, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Store{driver: cfg.Driver, log: log, now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
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
	if err := s.Ping(ctx); err != nil {
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

// Ping reports whether the database answers (ports.Pinger). A failure
// wraps domain.ErrStoreUnavailable.
func (s *Store) Ping(ctx context.Context) error {
	for _, db := range s.pools() {
		sdb, err := db.DB()
		if err != nil {
			return s.wrap("ping", err)
		}
		if err := sdb.PingContext(ctx); err != nil {
			return &domain.StoreError{Kind: domain.ErrStoreUnavailable, Op: "ping", Err: err}
		}
	}
	return nil
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
