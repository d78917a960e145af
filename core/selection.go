package core

import (
	"context"
	"fmt"

	"github.com/aimodels/aimodels/core/domain"
)

// savedSelections returns the scope's saved selections, cached for SettingsTTL.
func (s *Service) savedSelections(ctx context.Context, scope string) ([]domain.SavedSelection, error) {
	if v, _, hit := s.sels.get(scope); hit {
		return v, nil
	}
	gen := s.sels.generation()
	v, err := s.deps.Selections.GetSelections(ctx, scope)
	if err != nil {
		return nil, fmt.Errorf("load selection of scope %q: %w", scope, err)
	}
	s.sels.put(gen, scope, v, true)
	return v, nil
}

// Selection returns the scope's model for every type: the saved choice or
// the recommended default. When the catalog cannot be had at all, saved
// choices are returned without their catalog entries and no defaults.
func (s *Service) Selection(ctx context.Context, scope string) (domain.Selection, error) {
	scope = scopeOrDefault(scope)
	saved, err := s.savedSelections(ctx, scope)
	if err != nil {
		return nil, err
	}
	view, cerr := s.catalog.get(ctx, false)
	if cerr != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		view.Catalog = nil
	}
	return s.buildSelection(view.Catalog, saved), nil
}

func (s *Service) buildSelection(cat *domain.Catalog, saved []domain.SavedSelection) domain.Selection {
	sel := make(domain.Selection, len(domain.ModelTypes))
	for _, t := range domain.ModelTypes {
		e := domain.SelectionEntry{Type: t}
		var rec *domain.Model
		if cat != nil {
			rec = domain.RecommendedModel(cat, t, s.prefs[t])
		}
		for i := range saved {
			if saved[i].Type == t {
				e.ModelID = saved[i].ModelID
				e.Saved = true
				e.SavedAt = saved[i].SavedAt
			}
		}
		if !e.Saved && rec != nil {
			e.ModelID = rec.ID
		}
		if e.ModelID != "" {
			e.Available, e.Checked = cat == nil, cat != nil
			if cat != nil {
				if m, ok := cat.Lookup(e.ModelID); ok && m.Serves(t) {
					e.Model, e.Available = m, true
				}
			}
			e.Recommended = rec != nil && rec.ID == e.ModelID
		}
		sel[t] = e
	}
	return sel
}

// SaveSelection validates every choice against the catalog, then saves
// them in one transaction; nothing is saved when any choice is invalid or
// the store fails.
func (s *Service) SaveSelection(ctx context.Context, scope string, choices map[domain.ModelType]string) (domain.Selection, error) {
	scope = scopeOrDefault(scope)
	if len(choices) == 0 {
		return nil, &domain.ValidationError{Field: "selection", Reason: "give at least one of text, image, audio"}
	}
	for t := range choices {
		if !t.Valid() {
			return nil, &domain.ValidationError{Field: string(t), Reason: "unknown model type; use text, image or audio"}
		}
	}
	view, err := s.catalog.get(ctx, false)
	if err != nil {
		return nil, fmt.Errorf("validate selection: %w", err)
	}
	rows := make([]domain.SavedSelection, 0, len(choices))
	now := s.clock.Now().UTC()
	for _, t := range domain.ModelTypes {
		id, ok := choices[t]
		if !ok {
			continue
		}
		m, err := view.Catalog.Validate(id, t)
		if err != nil {
			return nil, err
		}
		rows = append(rows, domain.SavedSelection{
			Scope: scope, Type: t, ModelID: m.ID, ModelName: m.Name,
			PromptCost: m.PromptCost(), CompletionCost: m.CompletionCost(), SavedAt: now,
		})
	}
	defer s.sels.forget(scope)
	if err := s.deps.Selections.SaveSelections(ctx, rows); err != nil {
		return nil, fmt.Errorf("save selection: %w", err)
	}
	s.sels.forget(scope)
	saved, err := s.savedSelections(ctx, scope)
	if err != nil {
		return nil, err
	}
	return s.buildSelection(view.Catalog, saved), nil
}
