package core

import (
	"context"
	"fmt"

	"github.com/aimodels/aimodels/core/domain"
	"github.com/aimodels/aimodels/ports"
)

// ModelManager is the use case of choosing models: the catalog (cached,
// shared, served stale when OpenRouter fails), grouped by type, and the
// scope's selected model per type with its recommended default. A scope's
// saved selection is cached for Options.SettingsTTL.
type ModelManager struct {
	store   ports.SelectionStore
	clock   ports.Clock
	prefs   map[domain.ModelType][]string
	catalog *catalogCache
	sels    *ttlCache[[]domain.SavedSelection]
}

// NewModelManager returns the model use case. The catalog is shared by
// every scope and fetched with the default scope's key when keys has one
// (a gateway listing the models a key may use needs it), without otherwise.
func NewModelManager(gw ports.CatalogGateway, store ports.SelectionStore, keys *Keys, opts Options) *ModelManager {
	o := opts.withDefaults()
	return &ModelManager{
		store: store, clock: o.Clock, prefs: o.Preferences,
		sels: newTTLCache[[]domain.SavedSelection](o.Clock, o.SettingsTTL),
		catalog: &catalogCache{
			gw: gw, clock: o.Clock, log: o.Logger,
			ttl: o.CatalogTTL, retry: o.CatalogRetryAfter, limit: o.CatalogFetchTimeout,
			key: func(ctx context.Context) domain.APIKey {
				if keys == nil {
					return ""
				}
				k, _ := keys.apiKey(ctx, domain.DefaultScope)
				return k
			},
		},
	}
}

// saved returns the scope's saved selections, cached for SettingsTTL.
func (mm *ModelManager) saved(ctx context.Context, scope string) ([]domain.SavedSelection, error) {
	if v, _, hit := mm.sels.get(scope); hit {
		return v, nil
	}
	gen := mm.sels.generation()
	v, err := mm.store.GetSelections(ctx, scope)
	if err != nil {
		return nil, fmt.Errorf("load selection of scope %q: %w", scope, err)
	}
	mm.sels.put(gen, scope, v, true)
	return v, nil
}

// Selection returns the scope's model for every type: the saved choice or
// the recommended default. When the catalog cannot be had at all, saved
// choices are returned without their catalog entries and no defaults.
func (mm *ModelManager) Selection(ctx context.Context, scope string) (domain.Selection, error) {
	scope = scopeOrDefault(scope)
	saved, err := mm.saved(ctx, scope)
	if err != nil {
		return nil, err
	}
	view, cerr := mm.catalog.get(ctx, false)
	if cerr != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		view.Catalog = nil
	}
	return mm.buildSelection(view.Catalog, saved), nil
}

func (mm *ModelManager) buildSelection(cat *domain.Catalog, saved []domain.SavedSelection) domain.Selection {
	sel := make(domain.Selection, len(domain.ModelTypes))
	for _, t := range domain.ModelTypes {
		e := domain.SelectionEntry{Type: t}
		var rec *domain.Model
		if cat != nil {
			rec = domain.RecommendedModel(cat, t, mm.prefs[t])
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
func (mm *ModelManager) SaveSelection(ctx context.Context, scope string, choices map[domain.ModelType]string) (domain.Selection, error) {
	scope = scopeOrDefault(scope)
	if len(choices) == 0 {
		return nil, &domain.ValidationError{Field: "selection", Reason: "give at least one of text, image, audio"}
	}
	for t := range choices {
		if !t.Valid() {
			return nil, &domain.ValidationError{Field: string(t), Reason: "unknown model type; use text, image or audio"}
		}
	}
	view, err := mm.catalog.get(ctx, false)
	if err != nil {
		return nil, fmt.Errorf("validate selection: %w", err)
	}
	rows := make([]domain.SavedSelection, 0, len(choices))
	now := mm.clock.Now().UTC()
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
	defer mm.sels.forget(scope)
	if err := mm.store.SaveSelections(ctx, rows); err != nil {
		return nil, fmt.Errorf("save selection: %w", err)
	}
	mm.sels.forget(scope)
	saved, err := mm.saved(ctx, scope)
	if err != nil {
		return nil, err
	}
	return mm.buildSelection(view.Catalog, saved), nil
}
