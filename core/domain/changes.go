package domain

import (
	"cmp"
	"slices"
	"time"
)

// CatalogSnapshot is what the server remembers of a catalog it served:
// when, and every model's known prices (exact decimal strings by field).
type CatalogSnapshot struct {
	// TakenAt is when the catalog was served (its fetch time).
	TakenAt time.Time
	// Prices maps each model id to its prices by pricing field name.
	Prices map[string]map[string]string
}

// SnapshotOf returns the snapshot of c.
func SnapshotOf(c *Catalog) *CatalogSnapshot {
	s := &CatalogSnapshot{TakenAt: c.FetchedAt().UTC(), Prices: make(map[string]map[string]string, c.Len())}
	for i := range c.models {
		m := &c.models[i]
		s.Prices[m.ID] = pricesOf(m)
	}
	return s
}

func pricesOf(m *Model) map[string]string {
	out := map[string]string{}
	for _, f := range fieldsInOrder {
		if p := m.Pricing.Field(f); p.Known {
			out[string(f)] = p.Amount.String()
		}
	}
	for n, p := range m.Pricing.Other {
		if p.Known {
			out[n] = p.Amount.String()
		}
	}
	return out
}

// PriceChange is one price of one model that changed between two
// catalogs; Old or New is "" when the field was absent.
type PriceChange struct {
	ID    string
	Field string
	Old   string
	New   string
}

// CatalogChanges is what changed between the catalog served before
// (taken at Since) and the current one.
type CatalogChanges struct {
	Since        time.Time
	Added        []string
	Removed      []string
	PriceChanged []PriceChange
}

// Empty reports whether nothing changed.
func (ch *CatalogChanges) Empty() bool {
	return ch == nil || len(ch.Added)+len(ch.Removed)+len(ch.PriceChanged) == 0
}

// IsRemoved reports whether model id left the catalog.
func (ch *CatalogChanges) IsRemoved(id string) bool {
	if ch == nil {
		return false
	}
	_, ok := slices.BinarySearch(ch.Removed, id)
	return ok
}

// PricesOf returns the price changes of model id.
func (ch *CatalogChanges) PricesOf(id string) []PriceChange {
	if ch == nil {
		return nil
	}
	var out []PriceChange
	for _, p := range ch.PriceChanged {
		if p.ID == id {
			out = append(out, p)
		}
	}
	return out
}

// DiffCatalog returns what changed from prev to cur: the ids added and
// removed (sorted), and every price that changed, appeared or went away
// on a model in both (sorted by id, then field). Prices compare as
// numbers ("0.50" and "0.5" are equal).
func DiffCatalog(prev *CatalogSnapshot, cur *Catalog) *CatalogChanges {
	ch := &CatalogChanges{Since: prev.TakenAt}
	for i := range cur.models {
		m := &cur.models[i]
		old, ok := prev.Prices[m.ID]
		if !ok {
			ch.Added = append(ch.Added, m.ID)
			continue
		}
		now := pricesOf(m)
		for f, nv := range now {
			if ov, ok := old[f]; !ok || !sameAmount(ov, nv) {
				ch.PriceChanged = append(ch.PriceChanged, PriceChange{ID: m.ID, Field: f, Old: ov, New: nv})
			}
		}
		for f, ov := range old {
			if _, ok := now[f]; !ok {
				ch.PriceChanged = append(ch.PriceChanged, PriceChange{ID: m.ID, Field: f, Old: ov})
			}
		}
	}
	for id := range prev.Prices {
		if _, ok := cur.Lookup(id); !ok {
			ch.Removed = append(ch.Removed, id)
		}
	}
	slices.Sort(ch.Added)
	slices.Sort(ch.Removed)
	slices.SortFunc(ch.PriceChanged, func(a, b PriceChange) int {
		return cmp.Or(cmp.Compare(a.ID, b.ID), cmp.Compare(a.Field, b.Field))
	})
	return ch
}

func sameAmount(a, b string) bool {
	x, err1 := ParseDecimal(a)
	y, err2 := ParseDecimal(b)
	if err1 != nil || err2 != nil {
		return a == b
	}
	return x.Equal(y)
}

// SelectionFlag says what happened to a selected model since the
// catalog served before: it left the catalog, or its price changed.
type SelectionFlag struct {
	// Kind is FlagRemoved or FlagPriceChanged.
	Kind string
	// Detail says what changed and what to do, in English.
	Detail string
}

// Kinds of SelectionFlag.
const (
	FlagRemoved      = "removed"
	FlagPriceChanged = "price_changed"
)
