package core

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"github.com/aimodels/aimodels/core/domain"
	"github.com/aimodels/aimodels/ports"
)

// catalogChanges remembers the catalog served before the current one and
// what changed between them. The snapshot is kept in store (when set),
// read and replaced once per new catalog, never per request.
type catalogChanges struct {
	store ports.CatalogSnapshotStore // nil: remembered in this process only
	log   *slog.Logger

	mu   sync.Mutex
	cat  *domain.Catalog // the catalog diff is for
	last *domain.CatalogSnapshot
	diff *domain.CatalogChanges
}

// of returns what changed between the catalog served before cat and cat,
// nil when no earlier catalog is known. A failing store is logged and
// the snapshot kept in memory used instead.
func (cc *catalogChanges) of(ctx context.Context, cat *domain.Catalog) *domain.CatalogChanges {
	if cat == nil {
		return nil
	}
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if cc.cat == cat {
		return cc.diff
	}
	prev := cc.last
	if cc.store != nil {
		s, err := cc.store.GetCatalogSnapshot(ctx)
		switch {
		case err == nil:
			prev = s
		case errors.Is(err, domain.ErrNotFound):
		default:
			cc.log.Warn("catalog snapshot unreadable; comparing with the one in memory", "error", err)
		}
	}
	snap := domain.SnapshotOf(cat)
	var diff *domain.CatalogChanges
	if prev != nil {
		diff = domain.DiffCatalog(prev, cat)
	}
	if cc.store != nil {
		if err := cc.store.SaveCatalogSnapshot(ctx, snap); err != nil {
			cc.log.Warn("catalog snapshot not saved", "error", err)
		}
	}
	cc.cat, cc.last, cc.diff = cat, snap, diff
	return diff
}

// recommendations memoises domain.Recommend per catalog, so that a request
// to a type with nothing saved does not scan the catalog.
type recommendations struct {
	prefs map[domain.ModelType][]string

	mu   sync.Mutex
	cat  *domain.Catalog
	recs map[domain.ModelType]domain.Recommendation
}

func (r *recommendations) of(cat *domain.Catalog) map[domain.ModelType]domain.Recommendation {
	if cat == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cat != cat {
		recs := make(map[domain.ModelType]domain.Recommendation, len(domain.ModelTypes))
		for _, t := range domain.ModelTypes {
			recs[t] = domain.Recommend(cat, t, r.prefs[t])
		}
		r.cat, r.recs = cat, recs
	}
	return r.recs
}

// model returns the recommended model of t in cat (nil when none).
func (r *recommendations) model(cat *domain.Catalog, t domain.ModelType) *domain.Model {
	return r.of(cat)[t].Model
}

// flagFor says what happened to a saved choice's model: it is not in the
// catalog any more, or its prices changed since the catalog served before.
func flagFor(e *domain.SelectionEntry, ch *domain.CatalogChanges) *domain.SelectionFlag {
	if !e.Saved || e.ModelID == "" || !e.Checked {
		return nil
	}
	if !e.Available || ch.IsRemoved(e.ModelID) {
		return &domain.SelectionFlag{Kind: domain.FlagRemoved,
			Detail: e.ModelID + " is no longer in OpenRouter's catalog: requests to it will fail. Choose another " + string(e.Type) + " model, or use the recommended one."}
	}
	pc := ch.PricesOf(e.ModelID)
	if len(pc) == 0 {
		return nil
	}
	parts := make([]string, 0, len(pc))
	for _, p := range pc {
		parts = append(parts, fmt.Sprintf("%s %s → %s", p.Field, priceWords(e.Model, p.Field, p.Old), priceWords(e.Model, p.Field, p.New)))
	}
	return &domain.SelectionFlag{Kind: domain.FlagPriceChanged,
		Detail: "Prices of " + e.ModelID + " changed since " + ch.Since.UTC().Format("2006-01-02 15:04 UTC") + ": " + strings.Join(parts, ", ") +
			". Check that it still suits you, or choose another model."}
}

// priceWords formats one figure of a price change in its field's unit.
func priceWords(m *domain.Model, field, amount string) string {
	if amount == "" {
		return "none"
	}
	d, err := domain.ParseDecimal(amount)
	if err != nil {
		return amount
	}
	unit := domain.FieldUnit(domain.PriceField(field))
	if m != nil {
		for _, e := range m.AllPrices() {
			if string(e.Field) == field {
				unit = e.Unit
			}
		}
	}
	return domain.PriceEntry{Field: domain.PriceField(field), Amount: d, Unit: unit}.Display()
}
