package contract_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aimodels/aimodels/adapters/gormstore"
	"github.com/aimodels/aimodels/core/domain"
)

// TestSaveSelectionsAllOrNone: several types saved together land together,
// and a row the database rejects rolls back the rows before it.
func TestSaveSelectionsAllOrNone(t *testing.T) {
	run := func(t *testing.T, s *gormstore.Store, rejectable bool) {
		ctx := context.Background()
		both := []domain.SavedSelection{
			{Scope: "atomic", Type: domain.TypeText, ModelID: "openai/gpt-4o-mini"},
			{Scope: "atomic", Type: domain.TypeImage, ModelID: "openai/gpt-4o"},
		}
		if err := s.SaveSelections(ctx, both); err != nil {
			t.Fatal(err)
		}
		got, _ := s.GetSelections(ctx, "atomic")
		if len(got) != 2 || both[0].SavedAt.IsZero() {
			t.Fatalf("saved %+v", got)
		}
		if !rejectable {
			return
		}
		bad := []domain.SavedSelection{
			{Scope: "atomic", Type: domain.TypeText, ModelID: "openai/gpt-3.5-turbo"},
			{Scope: "atomic", Type: domain.TypeAudio, ModelID: "x/" + strings.Repeat("y", 300)}, // longer than the column
		}
		if err := s.SaveSelections(ctx, bad); err == nil {
			t.Fatal("an over-long model id was accepted")
		}
		got, _ = s.GetSelections(ctx, "atomic")
		for _, g := range got {
			if g.Type == domain.TypeText && g.ModelID != "openai/gpt-4o-mini" {
				t.Fatalf("the first row of a failed batch was kept: %+v", g)
			}
			if g.Type == domain.TypeAudio {
				t.Fatalf("the rejected row was stored: %+v", g)
			}
		}
	}
	t.Run("sqlite", func(t *testing.T) { s, _ := openSQLite(t); run(t, s, false) })
	t.Run("mysql", func(t *testing.T) { contractSkip(t); s, _ := openMySQL(t); run(t, s, true) })
}
