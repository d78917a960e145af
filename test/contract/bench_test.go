package contract_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aimodels/aimodels/adapters/gormstore"
	"github.com/aimodels/aimodels/core/domain"
)

func benchStores(b *testing.B, fn func(b *testing.B, s *gormstore.Store)) {
	b.Run("sqlite", func(b *testing.B) {
		s, _ := openSQLite(b)
		fn(b, s)
	})
	b.Run("mysql", func(b *testing.B) {
		if os.Getenv("AIMODELS_TEST_MYSQL_DSN") == "" {
			b.Skip("needs AIMODELS_TEST_MYSQL_DSN")
		}
		s, _ := openMySQL(b)
		fn(b, s)
	})
}

func BenchmarkSaveSelection(b *testing.B) {
	benchStores(b, func(b *testing.B, s *gormstore.Store) {
		ctx := context.Background()
		i := 0
		for b.Loop() {
			i++
			if err := s.SaveSelection(ctx, &domain.SavedSelection{Scope: "bench", Type: domain.TypeText, ModelID: fmt.Sprintf("m/%d", i%7)}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkGetKey(b *testing.B) {
	benchStores(b, func(b *testing.B, s *gormstore.Store) {
		ctx := context.Background()
		if err := s.SaveKey(ctx, &domain.StoredKey{Scope: "bench", Provider: "openrouter", Ciphertext: make([]byte, 80), KeyID: 1, Hint: "…abcd"}); err != nil {
			b.Fatal(err)
		}
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := s.GetKey(ctx, "bench", "openrouter"); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// TestLatencyReport measures selection-save latency under 50 concurrent
// writers (AIMODELS_BENCH=1; MySQL when AIMODELS_TEST_MYSQL_DSN is set).
func TestLatencyReport(t *testing.T) {
	if os.Getenv("AIMODELS_BENCH") != "1" {
		t.Skip("set AIMODELS_BENCH=1 to measure latency")
	}
	run := func(t *testing.T, s *gormstore.Store) {
		const writers, perWriter = 50, 40
		ctx := t.Context()
		lat := make([][]time.Duration, writers)
		var wg sync.WaitGroup
		begin := time.Now()
		for w := range writers {
			wg.Go(func() {
				for i := range perWriter {
					st := time.Now()
					// Half the writers share one row, half write their own scope.
					scope := "shared"
					if w%2 == 1 {
						scope = fmt.Sprintf("own-%02d", w)
					}
					err := s.SaveSelection(ctx, &domain.SavedSelection{Scope: scope, Type: domain.TypeText, ModelID: fmt.Sprintf("m/%d/%d", w, i)})
					if err != nil {
						t.Error(err)
						return
					}
					lat[w] = append(lat[w], time.Since(st))
				}
			})
		}
		wg.Wait()
		total := time.Since(begin)
		all := slices.Concat(lat...)
		slices.Sort(all)
		pct := func(p float64) time.Duration { return all[int(p*float64(len(all)-1))] }
		t.Logf("%d saves by %d writers in %v (%.0f/s): p50 %v  p90 %v  p99 %v  max %v",
			len(all), writers, total.Round(time.Millisecond), float64(len(all))/total.Seconds(),
			pct(0.50).Round(10*time.Microsecond), pct(0.90).Round(10*time.Microsecond),
			pct(0.99).Round(10*time.Microsecond), all[len(all)-1].Round(10*time.Microsecond))
	}
	t.Run("sqlite", func(t *testing.T) { s, _ := openSQLite(t); run(t, s) })
	t.Run("mysql", func(t *testing.T) { contractSkip(t); s, _ := openMySQL(t); run(t, s) })
}

func BenchmarkGetSelections(b *testing.B) {
	benchStores(b, func(b *testing.B, s *gormstore.Store) {
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

// BenchmarkInsertUsage measures the ledger's write of one batch of 500
// rows (its default), reported per row: the usage ledger's cost on the
// server's CPU beside each request.
func BenchmarkInsertUsage(b *testing.B) {
	benchStores(b, func(b *testing.B, s *gormstore.Store) {
		ctx := context.Background()
		const batch = 500
		n := 0
		for b.Loop() {
			n++
			if err := s.InsertUsage(ctx, benchEvents(n, batch)); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*batch), "µs/row")
	})
}

// benchEvents returns n ledger rows of one request each, as a busy
// server's ledger writes them: one scope and day, a few models.
func benchEvents(batchNo, n int) []domain.UsageEvent {
	out := make([]domain.UsageEvent, n)
	day := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	for i := range out {
		out[i] = domain.UsageEvent{
			Key: fmt.Sprintf("b%d-%d", batchNo, i), Time: day.Add(time.Duration(i) * time.Second),
			Scope: "bench", Endpoint: domain.EndpointChat, Type: "text",
			RequestedModel: "text", Model: []string{"google/gemini-2.5-flash", "openai/gpt-4o-mini"}[i%2],
			Tokens:  domain.UsageTokens{Prompt: 40, Completion: 12},
			Cost:    domain.MustDecimal("0.0000123"),
			Latency: 12 * time.Millisecond, Outcome: domain.OutcomeOK,
			GenerationID: fmt.Sprintf("gen-%d-%d", batchNo, i), Provider: "Google",
		}
	}
	return out
}
