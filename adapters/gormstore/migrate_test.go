package gormstore

import (
	"github.com/aimodels/aimodels/test/testenv"

	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/aimodels/aimodels/core/domain"
)

const mysqlEnv = "AIMODELS_TEST_MYSQL_DSN"

// freshMySQL makes a uniquely named database and returns its DSN.
// (test/contract has the exported twin; this package cannot import it.)
func freshMySQL(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv(mysqlEnv)
	if dsn == "" {
		testenv.Missing(t, "MySQL tests need "+mysqlEnv)
	}
	cfg, err := gomysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "aimodels_m_" + hex.EncodeToString(b[:])
	admin := cfg.Clone()
	admin.DBName = ""
	db, err := sql.Open("mysql", admin.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("CREATE DATABASE `" + name + "`"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = db.Exec("DROP DATABASE IF EXISTS `" + name + "`"); _ = db.Close() })
	cfg.DBName = name
	return cfg.FormatDSN()
}

func eachDriver(t *testing.T, fn func(t *testing.T, cfg Config)) {
	t.Run("sqlite", func(t *testing.T) {
		fn(t, Config{Driver: DriverSQLite, DSN: filepath.Join(t.TempDir(), "m.db")})
	})
	t.Run("mysql", func(t *testing.T) {
		fn(t, Config{Driver: DriverMySQL, DSN: freshMySQL(t)})
	})
}

// openNoMigrate connects like Open but applies no migration.
func openNoMigrate(t *testing.T, cfg Config) *Store {
	t.Helper()
	s, err := openWith(t.Context(), cfg, false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestMigrateFromV1ToLatest(t *testing.T) {
	eachDriver(t, func(t *testing.T, cfg Config) {
		ctx := t.Context()
		s := openNoMigrate(t, cfg)
		if err := s.migrateTo(ctx, 1); err != nil {
			t.Fatal(err)
		}
		v, err := s.AppliedVersions(ctx)
		if err != nil || !slices.Equal(v, []int{1}) {
			t.Fatalf("after v1: %v %v", v, err)
		}
		if s.w.Migrator().HasIndex("api_keys", "idx_api_keys_key_id") {
			t.Fatal("v2 index exists at v1")
		}
		// A key as a build of schema v1 saved it (this build's SaveKey
		// writes the columns of later versions).
		at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
		if err := s.w.WithContext(ctx).Exec(`INSERT INTO api_keys (scope, provider, ciphertext, key_id, hint, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			"default", "openrouter", []byte{1, 2, 3}, 9, "…ab", at, at).Error; err != nil {
			t.Fatal(err)
		}
		if err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		v, _ = s.AppliedVersions(ctx)
		want := make([]int, 0, len(migrations))
		for _, m := range migrations {
			want = append(want, m.Version)
		}
		if !slices.Equal(v, want) {
			t.Fatalf("after upgrade: %v, want %v", v, want)
		}
		if !s.w.Migrator().HasIndex("api_keys", "idx_api_keys_key_id") {
			t.Fatal("v2 index missing after upgrade")
		}
		got, err := s.GetKey(ctx, "default", "openrouter")
		if err != nil || got.KeyID != 9 {
			t.Fatalf("data lost in upgrade: %+v %v", got, err)
		}
		// Idempotent: nothing more is recorded.
		if err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		v2, _ := s.AppliedVersions(ctx)
		if !slices.Equal(v2, want) {
			t.Fatalf("second run changed schema_migrations: %v", v2)
		}
	})
}

// TestMigrateFallbacks: a selection saved before the fallbacks column
// existed reads back without fallbacks after the upgrade, and can then be
// saved with some. Re-running the step on MySQL (its Check) changes nothing.
func TestMigrateFallbacks(t *testing.T) {
	eachDriver(t, func(t *testing.T, cfg Config) {
		ctx := t.Context()
		i := slices.IndexFunc(migrations, func(m migration) bool { return m.Name == "add openrouter_models.fallbacks" })
		step := migrations[i]
		s := openNoMigrate(t, cfg)
		if err := s.migrateTo(ctx, step.Version-1); err != nil {
			t.Fatal(err)
		}
		if s.w.Migrator().HasColumn("openrouter_models", "fallbacks") {
			t.Fatal("the fallbacks column exists before its step")
		}
		// As the build before fallbacks wrote it: no fallbacks column.
		err := s.w.Exec(`INSERT INTO openrouter_models (scope, model_type, model_id, model_name, prompt_cost, completion_cost, saved_at, updated_at)
			VALUES ('default', 'text', 'openai/gpt-4o', 'GPT-4o', '', '', ?, ?)`, s.now(), s.now()).Error
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		got, err := s.GetSelections(ctx, "default")
		if err != nil || len(got) != 1 || got[0].ModelID != "openai/gpt-4o" || got[0].Fallbacks != nil {
			t.Fatalf("an old row after the upgrade: %+v %v", got, err)
		}
		sel := got[0]
		sel.Fallbacks = []string{"openai/gpt-4o-mini"}
		if err := s.SaveSelection(ctx, &sel); err != nil {
			t.Fatal(err)
		}
		if got, _ = s.GetSelections(ctx, "default"); len(got) != 1 || !slices.Equal(got[0].Fallbacks, []string{"openai/gpt-4o-mini"}) {
			t.Fatalf("fallbacks after the upgrade: %+v", got)
		}
		if cfg.Driver == DriverMySQL {
			if err := s.applyOne(ctx, s.w.WithContext(ctx), step); err != nil {
				t.Fatalf("re-running the fallbacks step: %v", err)
			}
		}
	})
}

func TestConcurrentStartup(t *testing.T) {
	eachDriver(t, func(t *testing.T, cfg Config) {
		const n = 6
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for range n {
			wg.Go(func() {
				s, err := Open(t.Context(), cfg)
				if err != nil {
					errs <- err
					return
				}
				_ = s.Close()
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		s, err := Open(t.Context(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		v, err := s.AppliedVersions(t.Context())
		if err != nil || len(v) != len(migrations) {
			t.Fatalf("versions %v %v", v, err)
		}
	})
}

func TestUnavailableIsTyped(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10e9)
	defer cancel()
	_, err := Open(ctx, Config{Driver: DriverMySQL, DSN: "root@tcp(127.0.0.1:1)/x"})
	if !errors.Is(err, domain.ErrStoreUnavailable) {
		t.Fatalf("err = %v", err)
	}
	if _, err := Open(ctx, Config{Driver: "oracle"}); err == nil {
		t.Fatal("unknown driver accepted")
	}
	s, err := Open(ctx, Config{Driver: DriverSQLite, DSN: filepath.Join(t.TempDir(), "c.db")})
	if err != nil {
		t.Fatal(err)
	}
	_ = s.Close()
	if _, err := s.GetKey(ctx, "default", "openrouter"); !errors.Is(err, domain.ErrStoreUnavailable) {
		t.Fatalf("closed store: %v", err)
	}
	if err := s.Ping(ctx); !errors.Is(err, domain.ErrStoreUnavailable) {
		t.Fatalf("closed ping: %v", err)
	}
}

func TestScopeTooLong(t *testing.T) {
	s, err := Open(t.Context(), Config{Driver: DriverSQLite, DSN: ":memory:"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	long := string(make([]byte, 65))
	if _, err := s.GetSelections(t.Context(), long); !errors.Is(err, domain.ErrValidation) {
		t.Fatalf("err = %v", err)
	}
}

// TestPromptVersionsBackfill: prompts made before versions existed (at
// schema 3) are at version 1 after the upgrade, with that version saved,
// and their next update saves version 2.
func TestPromptVersionsBackfill(t *testing.T) {
	eachDriver(t, func(t *testing.T, cfg Config) {
		ctx := t.Context()
		s := openNoMigrate(t, cfg)
		if err := s.migrateTo(ctx, 3); err != nil {
			t.Fatal(err)
		}
		// A row as a build of schema 3 wrote it (no version, no default).
		if err := s.w.Exec(`INSERT INTO prompts (scope, name, model_type, text, created_at, updated_at) VALUES ('default', 'old', 'text', 'Old text', ?, ?)`,
			s.now(), s.now()).Error; err != nil {
			t.Fatal(err)
		}
		if err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		p, err := s.GetPromptByName(ctx, "default", "old")
		if err != nil || p.Version != 1 || p.Default {
			t.Fatalf("old prompt after the upgrade: %+v %v", p, err)
		}
		v, err := s.GetPromptVersion(ctx, "default", p.ID, 1)
		if err != nil || v.Text != "Old text" || v.Name != "old" {
			t.Fatalf("backfilled version 1: %+v %v", v, err)
		}
		if err := s.applyMigrations(s.w.WithContext(ctx), LatestVersion()); err != nil {
			t.Fatal(err)
		}
		if err := s.w.Exec(backfillPromptVersions).Error; err != nil { // run again: adds nothing
			t.Fatal(err)
		}
		p.Text = "New text"
		if err := s.UpdatePrompt(ctx, p); err != nil || p.Version != 2 {
			t.Fatalf("update after the upgrade: version %d %v", p.Version, err)
		}
		vs, err := s.ListPromptVersions(ctx, "default", p.ID, domain.PromptVersionQuery{})
		if err != nil || len(vs) != 2 {
			t.Fatalf("versions after the update: %+v %v", vs, err)
		}
	})
}
