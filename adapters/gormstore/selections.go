package gormstore

import (
	"time"

	"context"

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
		out[i] = rows[i].toDomain()
	}
	return out, nil
}

// SaveSelection inserts or replaces (atomically, by scope and type) the
// selection and sets sel.Scope and sel.SavedAt. Concurrent saves of one
// scope and type leave one row: the last write wins.
func (s *Store) SaveSelection(ctx context.Context, sel *domain.SavedSelection) error {
	if sel == nil || !sel.Type.Valid() || sel.ModelID == "" {
		return &domain.ValidationError{Field: "selection", Reason: "a valid type and a model id are required"}
	}
	scope, err := normScope(sel.Scope)
	if err != nil {
		return err
	}
	now := s.now()
	savedAt := now
	if !sel.SavedAt.IsZero() {
		savedAt = sel.SavedAt.UTC().Truncate(time.Microsecond)
	}
	row := selectionRow{Scope: scope, ModelType: string(sel.Type), ModelID: sel.ModelID, ModelName: sel.ModelName,
		PromptCost: sel.PromptCost, CompletionCost: sel.CompletionCost, SavedAt: savedAt, UpdatedAt: now}
	err = retry(ctx, func() error {
		r := row
		return s.w.WithContext(ctx).Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "scope"}, {Name: "model_type"}},
			DoUpdates: clause.AssignmentColumns([]string{"model_id", "model_name", "prompt_cost", "completion_cost", "saved_at", "updated_at"}),
		}).Create(&r).Error
	})
	if err != nil {
		return s.wrap("save selection", err)
	}
	sel.Scope, sel.SavedAt = scope, savedAt
	return nil
}
