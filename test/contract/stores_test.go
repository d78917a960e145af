package contract_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/aimodels/aimodels/adapters/gormstore"
	"github.com/aimodels/aimodels/adapters/memstore"
	"github.com/aimodels/aimodels/test/contract"
)

// openSQLite opens a store on a new SQLite file in t's temp dir.
func openSQLite(t testing.TB) (*gormstore.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "aimodels.db")
	s, err := gormstore.Open(context.Background(), gormstore.Config{Driver: gormstore.DriverSQLite, DSN: path})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s, path
}

// openMySQL opens a store on a fresh MySQL database (skips without the env).
func openMySQL(t testing.TB) (*gormstore.Store, string) {
	t.Helper()
	dsn := contract.FreshMySQL(t)
	s, err := gormstore.Open(context.Background(), gormstore.Config{Driver: gormstore.DriverMySQL, DSN: dsn})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s, dsn
}

func stores(s *gormstore.Store) contract.Stores {
	return contract.Stores{
		Keys: s, Selections: s, Prompts: s, Pinger: s, Usage: s, Snapshots: s,
		Migrate: s.Migrate,
		Close:   s.Close,
		CountRows: func(ctx context.Context, table string) (int, error) {
			db, err := s.DB()
			if err != nil {
				return 0, err
			}
			var n int
			err = db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+table).Scan(&n)
			return n, err
		},
	}
}

// memoryStores opens a new in-memory store.
func memoryStores(t *testing.T) contract.Stores {
	s := memstore.New()
	t.Cleanup(func() { _ = s.Close() })
	return contract.Stores{Keys: s, Selections: s, Prompts: s, Pinger: s, Usage: s, Snapshots: s, Close: s.Close}
}

func TestStoreContract(t *testing.T) {
	t.Run("memory", func(t *testing.T) { contract.Run(t, memoryStores) })
	t.Run("sqlite", func(t *testing.T) {
		contract.Run(t, func(t *testing.T) contract.Stores {
			s, _ := openSQLite(t)
			return stores(s)
		})
	})
	t.Run("mysql", func(t *testing.T) {
		contract.SkipWithoutMySQL(t)
		contract.Run(t, func(t *testing.T) contract.Stores {
			s, _ := openMySQL(t)
			return stores(s)
		})
	})
}
