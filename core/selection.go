package core

import (
	"context"
	"fmt"
	"slices"

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
	sels    *ttlCache[savedSet]
	changes *catalogChanges
	recs    *recommendations
}

// savedSet is a scope's saved selections as cached, with the route of
// each type that has fallbacks worked out once rather than per request.
type savedSet struct {
	rows []domain.SavedSelection
	// routes[i] is rows[i].ModelID then its fallbacks; nil without
	// fallbacks. Shared by every request: never modified.
	routes [][]string
}

func newSavedSet(rows []domain.SavedSelection) savedSet {
	set := savedSet{rows: rows, routes: make([][]string, len(rows))}
	for i := range rows {
		if len(rows[i].Fallbacks) > 0 {
			r := make([]string, 0, 1+len(rows[i].Fallbacks))
			set.routes[i] = append(append(r, rows[i].ModelID), rows[i].Fallbacks...)
		}
	}
	return set
}

// NewModelManager returns the model use case. The catalog is shared by
// every scope and fetched with the default scope's key when keys has one
// (a gateway listing the models a key may use needs it), without otherwise.
func NewModelManager(gw ports.CatalogGateway, store ports.SelectionStore, keys *Keys, opts Options) *ModelManager {
	o := opts.withDefaults()
	return &ModelManager{
		store: store, clock: o.Clock, prefs: o.Preferences,
		sels:    newTTLCache[savedSet](o.Clock, o.SettingsTTL),
		changes: &catalogChanges{log: o.Logger},
		recs:    &recommendations{prefs: o.Preferences},
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
	set, err := mm.savedSet(ctx, scope)
	return set.rows, err
}

// SavedChoices returns the scope's saved choices (cached for SettingsTTL)
// without the recommended defaults of unsaved types: unlike Selection it
// never needs the catalog, so it makes no upstream call. The result is a
// copy the caller may change.
func (mm *ModelManager) SavedChoices(ctx context.Context, scope string) ([]domain.SavedSelection, error) {
	rows, err := mm.saved(ctx, scopeOrDefault(scope))
	if err != nil {
		return nil, err
	}
	out := make([]domain.SavedSelection, len(rows))
	for i, r := range rows {
		r.Fallbacks = slices.Clone(r.Fallbacks)
		out[i] = r
	}
	return out, nil
}

// savedSet returns the scope's saved selections with their routes,
// cached for SettingsTTL.
func (mm *ModelManager) savedSet(ctx context.Context, scope string) (savedSet, error) {
	if v, _, hit := mm.sels.get(scope); hit {
		return v, nil
	}
	gen := mm.sels.generation()
	rows, err := mm.store.GetSelections(ctx, scope)
	if err != nil {
		return savedSet{}, fmt.Errorf("load selection of scope %q: %w", scope, err)
	}
	v := newSavedSet(rows)
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
	return mm.buildSelection(ctx, view.Catalog, saved), nil
}

func (mm *ModelManager) buildSelection(ctx context.Context, cat *domain.Catalog, saved []domain.SavedSelection) domain.Selection {
	changes := mm.changes.of(ctx, cat)
	sel := make(domain.Selection, len(domain.ModelTypes))
	for _, t := range domain.ModelTypes {
		e := domain.SelectionEntry{Type: t}
		var rec *domain.Model
		if cat != nil {
			rec = mm.recs.model(cat, t)
		}
		for i := range saved {
			if saved[i].Type == t {
				e.ModelID = saved[i].ModelID
				e.Saved = true
				e.SavedAt = saved[i].SavedAt
				e.Fallbacks = slices.Clone(saved[i].Fallbacks) // the cache's stays untouched
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
		e.Flag = flagFor(&e, changes)
		sel[t] = e
	}
	return sel
}

// SaveSelection validates every choice against the catalog, then saves
// them in one transaction; nothing is saved when any choice is invalid or
// the store fails. Each type's saved fallbacks are kept (less the new
// model, should it be one of them): SaveChoices sets them.
func (mm *ModelManager) SaveSelection(ctx context.Context, scope string, choices map[domain.ModelType]string) (domain.Selection, error) {
	cs := make(map[domain.ModelType]domain.SelectionChoice, len(choices))
	for t, id := range choices {
		cs[t] = domain.SelectionChoice{Model: id, KeepFallbacks: true}
	}
	return mm.SaveChoices(ctx, scope, cs)
}

// SaveChoices validates every choice against the catalog, the model and
// each fallback (domain.Catalog.ValidateFallbacks: at most
// domain.MaxFallbacks, each in the catalog and serving the type, none
// twice nor the model itself; an error names the entry, such as
// "text.fallbacks[1]"), then saves them in one transaction; nothing is
// saved when any choice is invalid or the store fails. A choice with
// KeepFallbacks keeps the type's saved fallbacks, less its new model,
// without checking them again. Types not named are left as they are.
func (mm *ModelManager) SaveChoices(ctx context.Context, scope string, choices map[domain.ModelType]domain.SelectionChoice) (domain.Selection, error) {
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
	var before []domain.SavedSelection
	for _, c := range choices {
		if c.KeepFallbacks {
			if before, err = mm.saved(ctx, scope); err != nil {
				return nil, err
			}
			break
		}
	}
	rows := make([]domain.SavedSelection, 0, len(choices))
	now := mm.clock.Now().UTC()
	for _, t := range domain.ModelTypes {
		c, ok := choices[t]
		if !ok {
			continue
		}
		m, err := view.Catalog.Validate(c.Model, t)
		if err != nil {
			return nil, err
		}
		fb := c.Fallbacks
		if c.KeepFallbacks {
			fb = nil
			for i := range before {
				if before[i].Type == t {
					fb = slices.DeleteFunc(slices.Clone(before[i].Fallbacks), func(id string) bool { return id == m.ID })
				}
			}
		} else if err := view.Catalog.ValidateFallbacks(t, m.ID, fb); err != nil {
			return nil, err
		}
		if len(fb) == 0 {
			fb = nil
		}
		rows = append(rows, domain.SavedSelection{
			Scope: scope, Type: t, ModelID: m.ID, ModelName: m.Name,
			PromptCost: m.PromptCost(), CompletionCost: m.CompletionCost(), Fallbacks: fb, SavedAt: now,
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
	return mm.buildSelection(ctx, view.Catalog, saved), nil
}
