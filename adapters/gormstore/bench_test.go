package gormstore_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/aimodels/aimodels/adapters/gormstore"
	"github.com/aimodels/aimodels/core/domain"
	"github.com/aimodels/aimodels/test/contract"
)

// benchStore runs fn on SQLite (a file in a temporary directory, as the
// server uses it) and, when AIMODELS_TEST_MYSQL_DSN is set, on a fresh
// MySQL database.
func benchStore(b *testing.B, fn func(b *testing.B, s *gormstore.Store)) {
	b.Run("sqlite", func(b *testing.B) {
		s, err := gormstore.Open(context.Background(), gormstore.Config{
			Driver: gormstore.DriverSQLite, DSN: filepath.Join(b.TempDir(), "aimodels.db"),
		})
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		fn(b, s)
	})
	b.Run("mysql", func(b *testing.B) {
		if os.Getenv(contract.MySQLEnv) == "" {
			b.Skip("needs " + contract.MySQLEnv)
		}
		s, err := gormstore.Open(context.Background(), gormstore.Config{
			Driver: gormstore.DriverMySQL, DSN: contract.FreshMySQL(b),
		})
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		fn(b, s)
	})
}

// BenchmarkSaveSelection is one selection save (an upsert of the text
// model of one scope), sequential, through the store as the server uses it.
func BenchmarkSaveSelection(b *testing.B) {
	benchStore(b, func(b *testing.B, s *gormstore.Store) {
		ctx := context.Background()
		ids := make([]string, 7)
		for i := range ids {
			ids[i] = fmt.Sprintf("bench/model-%d", i)
		}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			i++
			sel := domain.SavedSelection{Scope: "bench", Type: domain.TypeText, ModelID: ids[i%len(ids)]}
			if err := s.SaveSelection(ctx, &sel); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkGetSelections is the read that a request for "text" makes
// when the core's settings cache has expired.
func BenchmarkGetSelections(b *testing.B) {
	benchStore(b, func(b *testing.B, s *gormstore.Store) {
		ctx := context.Background()
		if err := s.SaveSelection(ctx, &domain.SavedSelection{Scope: "bench", Type: domain.TypeText, ModelID: "bench/model"}); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.GetSelections(ctx, "bench"); err != nil {
				b.Fatal(err)
			}
		}
	})
}
