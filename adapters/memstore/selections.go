package memstore

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/aimodels/aimodels/core/domain"
)

// GetSelections returns the scope's saved selections ordered by type
// (ports.SelectionStore).
func (s *Store) GetSelections(ctx context.Context, scope string) ([]domain.SavedSelection, error) {
	if err := s.begin(ctx, "GetSelections"); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	scope, err := normScope(scope)
	if err != nil {
		return nil, err
	}
	out := []domain.SavedSelection{}
	for _, sel := range s.sels {
		if sel.Scope == scope {
			sel.Fallbacks = slices.Clone(sel.Fallbacks)
			out = append(out, sel)
		}
	}
	slices.SortFunc(out, func(a, b domain.SavedSelection) int { return strings.Compare(string(a.Type), string(b.Type)) })
	return out, nil
}

// SaveSelection inserts or replaces the selection of sel.Scope and
// sel.Type and sets sel.Scope and sel.SavedAt (ports.SelectionStore).
func (s *Store) SaveSelection(ctx context.Context, sel *domain.SavedSelection) error {
	if err := s.begin(ctx, "SaveSelection"); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if sel == nil {
		return &domain.ValidationError{Field: "selection", Reason: "is required"}
	}
	return s.saveSelections([]*domain.SavedSelection{sel})
}

// SaveSelections saves several selections, all or none
// (ports.SelectionStore).
func (s *Store) SaveSelections(ctx context.Context, sels []domain.SavedSelection) error {
	if err := s.begin(ctx, "SaveSelections"); err != nil {
		return err
	}
	defer s.mu.Unlock()
	ptrs := make([]*domain.SavedSelection, len(sels))
	for i := range sels {
		ptrs[i] = &sels[i]
	}
	return s.saveSelections(ptrs)
}

// saveSelections checks every selection, then stores them all and fills
// in their Scope and SavedAt. s.mu must be held.
func (s *Store) saveSelections(sels []*domain.SavedSelection) error {
	rows := make([]domain.SavedSelection, len(sels))
	now := s.now()
	for i, sel := range sels {
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
		rows[i] = *sel
		rows[i].Fallbacks = nil
		if len(sel.Fallbacks) > 0 {
			rows[i].Fallbacks = slices.Clone(sel.Fallbacks)
		}
		rows[i].Scope, rows[i].SavedAt = scope, now
		if !sel.SavedAt.IsZero() {
			rows[i].SavedAt = sel.SavedAt.UTC().Truncate(time.Microsecond)
		}
	}
	for i, sel := range sels {
		s.sels[scoped{rows[i].Scope, string(rows[i].Type)}] = rows[i]
		sel.Scope, sel.SavedAt = rows[i].Scope, rows[i].SavedAt
	}
	return nil
}
