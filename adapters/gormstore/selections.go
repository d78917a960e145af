package gormstore

import (
	"context"
	"time"

	"gorm.io/gorm"
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
// scope and type leave one row: the last write wins. Saves of one row
// that arrive while it is being written are coalesced (see rowQueue).
func (s *Store) SaveSelection(ctx context.Context, sel *domain.SavedSelection) error {
	if !sel.Type.Valid() || sel.ModelID == "" {
		return &domain.ValidationError{Field: "selection", Reason: "a valid type and a model id are required"}
	}
	scope, err := normScope(sel.Scope)
	if err != nil {
		return err
	}
	sel.Scope = scope
	return s.queue.save(ctx, sel, s.saveOne)
}

// saveOne writes one selection (one statement, no transaction).
func (s *Store) saveOne(ctx context.Context, sel *domain.SavedSelection) error {
	sels := []domain.SavedSelection{*sel}
	if err := s.saveSelections(ctx, s.w, sels, "save selection"); err != nil {
		return err
	}
	*sel = sels[0]
	s.writes.Add(1)
	return nil
}

// SaveSelections saves several types in one transaction: all or none.
// A save of one type (the settings page's autosave) is coalesced with
// concurrent saves of the same row, as in SaveSelection.
func (s *Store) SaveSelections(ctx context.Context, sels []domain.SavedSelection) error {
	switch len(sels) {
	case 0:
		return nil
	case 1:
		return s.SaveSelection(ctx, &sels[0])
	}
	return s.saveSelections(ctx, s.w, sels, "save selections")
}

func (s *Store) saveSelections(ctx context.Context, db *gorm.DB, sels []domain.SavedSelection, op string) error {
	rows := make([]selectionRow, len(sels))
	now := s.now()
	for i := range sels {
		sel := &sels[i]
		if !sel.Type.Valid() || sel.ModelID == "" {
			return &domain.ValidationError{Field: "selection", Reason: "a valid type and a model id are required"}
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
			PromptCost: sel.PromptCost, CompletionCost: sel.CompletionCost, SavedAt: savedAt, UpdatedAt: now}
	}
	upsert := clause.OnConflict{
		Columns:   []clause.Column{{Name: "scope"}, {Name: "model_type"}},
		DoUpdates: clause.AssignmentColumns([]string{"model_id", "model_name", "prompt_cost", "completion_cost", "saved_at", "updated_at"}),
	}
	// An UPDATE of the existing row first: it locks only that row, where
	// INSERT … ON DUPLICATE KEY UPDATE also takes gap locks that make
	// concurrent savers of one scope deadlock and retry. The upsert stays
	// for the first save of a type (and for a race with another first save).
	save := func(tx *gorm.DB, r selectionRow) error {
		res := tx.Model(&selectionRow{}).Where("scope = ? AND model_type = ?", r.Scope, r.ModelType).
			Updates(map[string]any{"model_id": r.ModelID, "model_name": r.ModelName, "prompt_cost": r.PromptCost,
				"completion_cost": r.CompletionCost, "saved_at": r.SavedAt, "updated_at": r.UpdatedAt})
		if res.Error != nil || res.RowsAffected > 0 {
			return res.Error
		}
		return tx.Clauses(upsert).Create(&r).Error
	}
	err := retry(ctx, func() error {
		if len(rows) == 1 {
			return save(db.WithContext(ctx), rows[0])
		}
		return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			for i := range rows {
				if err := save(tx, rows[i]); err != nil {
					return err
				}
			}
			return nil
		})
	})
	if err != nil {
		return s.wrap(op, err)
	}
	for i := range sels {
		sels[i].Scope, sels[i].SavedAt = rows[i].Scope, rows[i].SavedAt
	}
	return nil
}
