package gormstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	gomysql "github.com/go-sql-driver/mysql"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/aimodels/aimodels/core/domain"
)

// migration is one numbered schema step. Steps run in version order, each
// once, and are recorded in schema_migrations. On MySQL DDL commits
// implicitly, so every statement must be safe to run again (IF NOT
// EXISTS, or guarded by a schema check).
type migration struct {
	Version int
	Name    string
	SQLite  []string
	MySQL   []string
	// Check, when set, reports whether the step's effect already exists
	// (for MySQL statements without IF NOT EXISTS).
	Check func(tx *gorm.DB, driver string) (bool, error)
}

// migrations is the schema history. Append new steps; never edit applied ones.
var migrations = []migration{
	{
		Version: 1,
		Name:    "create api_keys, openrouter_models, prompts",
		SQLite: []string{
			`CREATE TABLE IF NOT EXISTS api_keys (
				id INTEGER PRIMARY KEY AUTOINCREMENT,
				scope VARCHAR(64) NOT NULL DEFAULT 'default',
				provider VARCHAR(64) NOT NULL,
				ciphertext BLOB NOT NULL,
				key_id INTEGER NOT NULL,
				hint VARCHAR(64) NOT NULL DEFAULT '',
				created_at DATETIME NOT NULL,
				updated_at DATETIME NOT NULL)`,
			`CREATE UNIQUE INDEX IF NOT EXISTS uq_api_keys_scope_provider ON api_keys (scope, provider)`,
			`CREATE TABLE IF NOT EXISTS openrouter_models (
				id INTEGER PRIMARY KEY AUTOINCREMENT,
				scope VARCHAR(64) NOT NULL DEFAULT 'default',
				model_type VARCHAR(16) NOT NULL,
				model_id VARCHAR(255) NOT NULL,
				model_name VARCHAR(255) NOT NULL DEFAULT '',
				prompt_cost VARCHAR(64) NOT NULL DEFAULT '',
				completion_cost VARCHAR(64) NOT NULL DEFAULT '',
				saved_at DATETIME NOT NULL,
				updated_at DATETIME NOT NULL)`,
			`CREATE UNIQUE INDEX IF NOT EXISTS uq_openrouter_models_scope_type ON openrouter_models (scope, model_type)`,
			`CREATE TABLE IF NOT EXISTS prompts (
				id INTEGER PRIMARY KEY AUTOINCREMENT,
				scope VARCHAR(64) NOT NULL DEFAULT 'default',
				name VARCHAR(200) NOT NULL,
				model_type VARCHAR(16) NOT NULL,
				text TEXT NOT NULL,
				created_at DATETIME NOT NULL,
				updated_at DATETIME NOT NULL)`,
			`CREATE UNIQUE INDEX IF NOT EXISTS uq_prompts_scope_name ON prompts (scope, name)`,
		},
		// utf8mb4_bin: scopes and names compare exactly, as in SQLite.
		// Index sizes: (64+64)*4 and (64+200)*4 bytes, within InnoDB's 3072.
		MySQL: []string{
			`CREATE TABLE IF NOT EXISTS api_keys (
				id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
				scope VARCHAR(64) NOT NULL DEFAULT 'default',
				provider VARCHAR(64) NOT NULL,
				ciphertext BLOB NOT NULL,
				key_id INT UNSIGNED NOT NULL,
				hint VARCHAR(64) NOT NULL DEFAULT '',
				created_at DATETIME(6) NOT NULL,
				updated_at DATETIME(6) NOT NULL,
				UNIQUE KEY uq_api_keys_scope_provider (scope, provider)
			) ENGINE=InnoDB ROW_FORMAT=DYNAMIC DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
			`CREATE TABLE IF NOT EXISTS openrouter_models (
				id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
				scope VARCHAR(64) NOT NULL DEFAULT 'default',
				model_type VARCHAR(16) NOT NULL,
				model_id VARCHAR(255) NOT NULL,
				model_name VARCHAR(255) NOT NULL DEFAULT '',
				prompt_cost VARCHAR(64) NOT NULL DEFAULT '',
				completion_cost VARCHAR(64) NOT NULL DEFAULT '',
				saved_at DATETIME(6) NOT NULL,
				updated_at DATETIME(6) NOT NULL,
				UNIQUE KEY uq_openrouter_models_scope_type (scope, model_type)
			) ENGINE=InnoDB ROW_FORMAT=DYNAMIC DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
			`CREATE TABLE IF NOT EXISTS prompts (
				id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
				scope VARCHAR(64) NOT NULL DEFAULT 'default',
				name VARCHAR(200) NOT NULL,
				model_type VARCHAR(16) NOT NULL,
				text LONGTEXT NOT NULL,
				created_at DATETIME(6) NOT NULL,
				updated_at DATETIME(6) NOT NULL,
				UNIQUE KEY uq_prompts_scope_name (scope, name)
			) ENGINE=InnoDB ROW_FORMAT=DYNAMIC DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
		},
	},
	{
		Version: 2,
		Name:    "index api_keys.key_id for key rotation",
		SQLite:  []string{`CREATE INDEX IF NOT EXISTS idx_api_keys_key_id ON api_keys (key_id)`},
		MySQL:   []string{`CREATE INDEX idx_api_keys_key_id ON api_keys (key_id)`},
		Check: func(tx *gorm.DB, driver string) (bool, error) {
			return tx.Migrator().HasIndex("api_keys", "idx_api_keys_key_id"), nil
		},
	},
	{
		Version: 3,
		Name:    "create usage_events, usage_daily, balance_snapshots (the usage ledger)",
		SQLite:  usageSQLite,
		MySQL:   usageMySQL,
	},
	{
		// One ALTER on MySQL, so the step is all or nothing there too.
		Version: 4,
		Name:    "prompts: current version number, default of its type",
		SQLite: []string{
			`ALTER TABLE prompts ADD COLUMN version INTEGER NOT NULL DEFAULT 1`,
			`ALTER TABLE prompts ADD COLUMN default_type VARCHAR(16) NULL`,
			`CREATE UNIQUE INDEX IF NOT EXISTS uq_prompts_scope_default ON prompts (scope, default_type)`,
		},
		MySQL: []string{
			`ALTER TABLE prompts ADD COLUMN version INT NOT NULL DEFAULT 1,
				ADD COLUMN default_type VARCHAR(16) NULL,
				ADD UNIQUE KEY uq_prompts_scope_default (scope, default_type)`,
		},
		Check: func(tx *gorm.DB, driver string) (bool, error) {
			return tx.Migrator().HasColumn("prompts", "default_type"), nil
		},
	},
	{
		// The backfill saves each existing prompt's text as its version 1;
		// NOT EXISTS makes it safe to run again.
		Version: 5,
		Name:    "create prompt_versions",
		SQLite: []string{
			`CREATE TABLE IF NOT EXISTS prompt_versions (
				id INTEGER PRIMARY KEY AUTOINCREMENT,
				prompt_id INTEGER NOT NULL,
				scope VARCHAR(64) NOT NULL DEFAULT 'default',
				version INTEGER NOT NULL,
				name VARCHAR(200) NOT NULL,
				model_type VARCHAR(16) NOT NULL,
				text TEXT NOT NULL,
				created_at DATETIME NOT NULL)`,
			`CREATE UNIQUE INDEX IF NOT EXISTS uq_prompt_versions_prompt_version ON prompt_versions (prompt_id, version)`,
			backfillPromptVersions,
		},
		MySQL: []string{
			`CREATE TABLE IF NOT EXISTS prompt_versions (
				id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
				prompt_id BIGINT NOT NULL,
				scope VARCHAR(64) NOT NULL DEFAULT 'default',
				version INT NOT NULL,
				name VARCHAR(200) NOT NULL,
				model_type VARCHAR(16) NOT NULL,
				text LONGTEXT NOT NULL,
				created_at DATETIME(6) NOT NULL,
				UNIQUE KEY uq_prompt_versions_prompt_version (prompt_id, version)
			) ENGINE=InnoDB ROW_FORMAT=DYNAMIC DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
			backfillPromptVersions,
		},
	},
	{
		// The fallbacks of a selection: a JSON array of model ids, NULL
		// for none, which is what every row saved before reads as. TEXT
		// NULL, as MySQL before 8.0.13 allows no default on TEXT.
		Version: 6,
		Name:    "add openrouter_models.fallbacks",
		SQLite:  []string{`ALTER TABLE openrouter_models ADD COLUMN fallbacks TEXT NULL`},
		MySQL:   []string{`ALTER TABLE openrouter_models ADD COLUMN fallbacks TEXT NULL`},
		Check: func(tx *gorm.DB, driver string) (bool, error) {
			return tx.Migrator().HasColumn("openrouter_models", "fallbacks"), nil
		},
	},
	{
		Version: 7,
		Name:    "create catalog_snapshots (the catalog served last)",
		SQLite:  catalogSnapshotSQLite,
		MySQL:   catalogSnapshotMySQL,
	},
	{
		Version: 8,
		Name:    "api_keys: verification of the key when saved",
		SQLite: []string{
			`ALTER TABLE api_keys ADD COLUMN verification_status VARCHAR(16) NOT NULL DEFAULT ''`,
			`ALTER TABLE api_keys ADD COLUMN verification_checked_at DATETIME NULL`,
			`ALTER TABLE api_keys ADD COLUMN verification_reason VARCHAR(500) NOT NULL DEFAULT ''`,
		},
		MySQL: []string{
			`ALTER TABLE api_keys ADD COLUMN verification_status VARCHAR(16) NOT NULL DEFAULT '',
				ADD COLUMN verification_checked_at DATETIME(6) NULL,
				ADD COLUMN verification_reason VARCHAR(500) NOT NULL DEFAULT ''`,
		},
		Check: func(tx *gorm.DB, driver string) (bool, error) {
			return tx.Migrator().HasColumn("api_keys", "verification_status"), nil
		},
	},
}

// backfillPromptVersions saves the current text of every prompt that has
// no version yet as its version (1 for a prompt made before versions).
const backfillPromptVersions = `INSERT INTO prompt_versions (prompt_id, scope, version, name, model_type, text, created_at)
	SELECT p.id, p.scope, p.version, p.name, p.model_type, p.text, p.updated_at FROM prompts p
	WHERE NOT EXISTS (SELECT 1 FROM prompt_versions v WHERE v.prompt_id = p.id)`

// LatestVersion is the schema version Migrate brings a database to.
func LatestVersion() int { return migrations[len(migrations)-1].Version }

// schemaMigrationRow is a row of schema_migrations.
type schemaMigrationRow struct {
	Version   int `gorm:"primaryKey;autoIncrement:false"`
	Name      string
	AppliedAt time.Time
}

func (schemaMigrationRow) TableName() string { return "schema_migrations" }

// Migrate applies every pending migration in order, each once, and
// records it in schema_migrations; running it again changes nothing.
// Processes starting together do not race: on SQLite the migrations run in
// one immediate transaction; on MySQL one process takes the migration
// lock, a row of schema_migrations_lock that only one INSERT can create,
// on one server or on any node of a cluster (Galera, Group Replication),
// and the others wait until the schema is at this build's version or the
// lock is free (see migrationLock). Every step is idempotent, and
// deadlocks and certification conflicts are retried.
func (s *Store) Migrate(ctx context.Context) error {
	return s.migrateTo(ctx, LatestVersion())
}

// AppliedVersions returns the recorded migration versions, ascending.
func (s *Store) AppliedVersions(ctx context.Context) ([]int, error) {
	var v []int
	err := s.r.WithContext(ctx).Model(&schemaMigrationRow{}).Order("version").Pluck("version", &v).Error
	return v, s.wrap("applied versions", err)
}

func (s *Store) migrateTo(ctx context.Context, target int) error {
	var err error
	if s.driver == DriverMySQL {
		err = s.migrateMySQL(ctx, target)
	} else {
		err = s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			return s.applyMigrations(tx, target)
		})
	}
	if err == nil {
		s.schema.Store(true)
	}
	return s.migrateErr(err)
}

// migrateMySQL brings a MySQL database to target under the migration
// lock, or returns once another process has.
func (s *Store) migrateMySQL(ctx context.Context, target int) error {
	db := s.w.WithContext(ctx)
	// Also when they exist: a user who may not CREATE is refused here, so
	// Open without SkipMigrations fails for them at every start, not only
	// on the start that has a migration to apply.
	for _, q := range []string{createSchemaMigrationsMySQL, createMigrationLockMySQL} {
		if err := retry(ctx, func() error { return db.Exec(q).Error }); err != nil {
			return fmt.Errorf("create the migration tables: %w", err)
		}
	}
	if at, err := s.schemaAt(ctx, target); err == nil && at {
		return nil // the usual start: nothing to do, no lock needed
	}
	l, err := s.lockMigrations(ctx, target)
	if err != nil || l == nil {
		return err // l == nil: another process migrated meanwhile
	}
	defer l.release()
	return s.applyMigrations(db, target)
}

// schemaAt reports whether schema_migrations records every migration up
// to target.
func (s *Store) schemaAt(ctx context.Context, target int) (bool, error) {
	var applied []int
	if err := s.w.WithContext(ctx).Model(&schemaMigrationRow{}).Pluck("version", &applied).Error; err != nil {
		return false, err
	}
	done := make(map[int]bool, len(applied))
	for _, v := range applied {
		done[v] = true
	}
	for _, m := range migrations {
		if m.Version <= target && !done[m.Version] {
			return false, nil
		}
	}
	return true, nil
}

const adviceMigrate = "the database user may not change the schema, which applying migrations needs: " +
	"run `aimodels migrate` (gormstore.Migrate) as a user with CREATE, ALTER, INDEX and DROP on the database, " +
	"then start the server with -migrate=false (gormstore.Config.SkipMigrations), which needs only SELECT, INSERT, UPDATE and DELETE"

// migrateErr wraps a migration's error; a privilege refusal says how to
// migrate as another user.
func (s *Store) migrateErr(err error) error {
	if err == nil {
		return nil
	}
	if f := fault(s.driver, err); f != nil && f.kind == ErrNoPrivilege {
		return &domain.StoreError{Kind: domain.ErrStoreUnavailable, Op: "migrate", Err: &faultError{kind: ErrNoPrivilege, advice: adviceMigrate, err: err}}
	}
	return s.wrap("migrate", err)
}

// checkSchema returns an error wrapping ErrMigrationsPending unless every
// migration of this build is recorded (later ones, of a newer build, are
// fine: steps only add to the schema).
func (s *Store) checkSchema(ctx context.Context) error {
	var applied []int
	err := s.r.WithContext(ctx).Model(&schemaMigrationRow{}).Pluck("version", &applied).Error
	if err != nil && !isNoTable(err) {
		return s.wrap("check schema", err)
	}
	done := make(map[int]bool, len(applied))
	for _, v := range applied {
		done[v] = true
	}
	var missing []int
	for _, m := range migrations {
		if !done[m.Version] {
			missing = append(missing, m.Version)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	have := 0
	for _, v := range applied {
		have = max(have, v)
	}
	return fmt.Errorf("%w: it lacks migration(s) %v (it is at version %d, this build needs %d): run `aimodels migrate` "+
		"(gormstore.Migrate) as a user who may change the schema, then start the server again", ErrMigrationsPending, missing, have, LatestVersion())
}

// isNoTable reports a query on a table that does not exist.
func isNoTable(err error) bool {
	var me *gomysql.MySQLError
	if errors.As(err, &me) {
		return me.Number == 1146
	}
	return strings.Contains(err.Error(), "no such table")
}

const createSchemaMigrationsSQLite = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version INTEGER NOT NULL PRIMARY KEY,
	name VARCHAR(255) NOT NULL,
	applied_at DATETIME NOT NULL)`

const createSchemaMigrationsMySQL = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version INT NOT NULL PRIMARY KEY,
	name VARCHAR(255) NOT NULL,
	applied_at DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`

// applyMigrations applies the migrations up to target that
// schema_migrations does not record. On MySQL the caller holds the
// migration lock; each statement is retried on a deadlock or
// certification conflict, which rolled it back.
func (s *Store) applyMigrations(db *gorm.DB, target int) error {
	ctx := db.Statement.Context
	create := createSchemaMigrationsSQLite
	if s.driver == DriverMySQL {
		create = createSchemaMigrationsMySQL
	}
	if err := retry(ctx, func() error { return db.Exec(create).Error }); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	var applied []int
	if err := db.Model(&schemaMigrationRow{}).Pluck("version", &applied).Error; err != nil {
		return fmt.Errorf("read schema_migrations: %w", err)
	}
	done := make(map[int]bool, len(applied))
	for _, v := range applied {
		done[v] = true
	}
	for _, m := range migrations {
		if m.Version > target || done[m.Version] {
			continue
		}
		if err := s.applyOne(ctx, db, m); err != nil {
			return fmt.Errorf("migration %d (%s): %w", m.Version, m.Name, err)
		}
		s.log.Info("gormstore: applied migration", "version", m.Version, "name", m.Name, "driver", s.driver)
	}
	return nil
}

// applyOne runs the statements of m (on MySQL unless its Check finds its
// effect there already; a table or index that exists counts as made) and
// records m; a record another process made first is kept.
func (s *Store) applyOne(ctx context.Context, db *gorm.DB, m migration) error {
	skip := false
	if m.Check != nil && s.driver == DriverMySQL {
		ok, err := m.Check(db, s.driver)
		if err != nil {
			return err
		}
		skip = ok
	}
	if !skip {
		stmts := m.SQLite
		if s.driver == DriverMySQL {
			stmts = m.MySQL
		}
		for _, q := range stmts {
			err := retry(ctx, func() error { return db.Exec(q).Error })
			if err != nil && !alreadyExists(err) {
				return err
			}
		}
	}
	row := schemaMigrationRow{Version: m.Version, Name: m.Name, AppliedAt: s.now()}
	return retry(ctx, func() error {
		r := row
		return db.Clauses(clause.OnConflict{DoNothing: true}).Create(&r).Error
	})
}

// alreadyExists reports MySQL's refusal to create a table or an index
// that exists (1050, 1061): the step's effect is there.
func alreadyExists(err error) bool {
	var me *gomysql.MySQLError
	return errors.As(err, &me) && (me.Number == 1050 || me.Number == 1061)
}
