package gormstore

import (
	"context"
	"slices"
	"time"

	"gorm.io/gorm/clause"

	"github.com/aimodels/aimodels/core/domain"
)

// GetSelections returns the scope's saved selections ordered by type.
func (s *Store) GetSelections(ctx context.Context, scope string) ([]domain.SavedSelection, error) {
	scope, err := normScope(scope)
	if err != nil {
		return nil, err
	}
	var rows []selectionRow
	if err := s.r.WithContext(ctx).Where("scope = ?", scope).Order("model_type").Find(&rows).Error; err != nil {
		return nil, s.wrap("get selections", err)
	}
	out := make([]domain.SavedSelection, len(rows))
	for i := range rows {
		if out[i], err = rows[i].toDomain(); err != nil {
			return nil, s.wrap("get selections", err)
		}
	}
	return out, nil
}

// SaveSelection inserts or replaces the selection of sel.Scope and
// sel.Type with one upsert and sets sel.Scope and sel.SavedAt.
// Concurrent saves of one scope and type leave one row: the last write
// wins.
func (s *Store) SaveSelection(ctx context.Context, sel *domain.SavedSelection) error {
	if sel == nil {
		return &domain.ValidationError{Field: "selection", Reason: "is required"}
	}
	sels := []domain.SavedSelection{*sel}
	if err := s.saveSelections(ctx, sels, "save selection"); err != nil {
		return err
	}
	*sel = sels[0]
	return nil
}

// SaveSelections saves several types in one statement: all or none. An
// empty slice saves nothing.
func (s *Store) SaveSelections(ctx context.Context, sels []domain.SavedSelection) error {
	return s.saveSelections(ctx, sels, "save selections")
}

// selectionUpsert replaces the row of a (scope, type) that already exists.
var selectionUpsert = clause.OnConflict{
	Columns:   []clause.Column{{Name: "scope"}, {Name: "model_type"}},
	DoUpdates: clause.AssignmentColumns([]string{"model_id", "model_name", "prompt_cost", "completion_cost", "fallbacks", "saved_at", "updated_at"}),
}

// saveSelections checks every selection, then upserts them all in one
// INSERT … ON CONFLICT (ON DUPLICATE KEY) UPDATE statement, which is
// atomic on its own. On success it sets the Scope and SavedAt of each.
func (s *Store) saveSelections(ctx context.Context, sels []domain.SavedSelection, op string) error {
	if len(sels) == 0 {
		return nil
	}
	rows := make([]selectionRow, len(sels))
	now := s.now()
	for i := range sels {
		sel := &sels[i]
		if !sel.Type.Valid() || sel.ModelID == "" {
			return &domain.ValidationError{Field: "selection", Reason: "a valid type and a model id are required"}
		}
		if err := domain.CheckFallbacks("fallbacks", sel.ModelID, sel.Fallbacks); err != nil {
			return err
		}
		scope, err := normScope(sel.Scope)
		if err != nil {
			return err
		}
		savedAt := now
		if !sel.SavedAt.IsZero() {
			savedAt = sel.SavedAt.UTC().Truncate(time.Microsecond)
		}
		rows[i] = selectionRow{Scope: scope, ModelType: string(sel.Type), ModelID: sel.ModelID, ModelName: sel.ModelName,
			PromptCost: sel.PromptCost, CompletionCost: sel.CompletionCost, Fallbacks: fallbacksColumn(sel.Fallbacks),
			SavedAt: savedAt, UpdatedAt: now}
	}
	err := retry(ctx, func() error {
		batch := slices.Clone(rows) // Create sets the IDs; a retry inserts without them
		return s.w.WithContext(ctx).Clauses(selectionUpsert).Create(&batch).Error
	})
	if err != nil {
		return s.wrap(op, err)
	}
	for i := range sels {
		sels[i].Scope, sels[i].SavedAt = rows[i].Scope, rows[i].SavedAt
	}
	return nil
}
