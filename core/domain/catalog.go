package domain

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// Catalog is a snapshot of OpenRouter's models, indexed for lookup and
// grouped by type. It is immutable once built and safe to share.
type Catalog struct {
	models    []Model
	byID      map[string]int
	groups    map[ModelType][]*Model
	providers map[string]string // author → display name
	variants  map[string][]*Model
	fetchedAt time.Time
}

// NewCatalog indexes models, fetched at fetchedAt. Models without an id
// are dropped; of duplicate ids the first wins. Each model's Author is
// set from its id, and its Provider made the one display name of its
// author (see ProviderName).
func NewCatalog(models []Model, fetchedAt time.Time) *Catalog {
	c := &Catalog{
		models:    make([]Model, 0, len(models)),
		byID:      make(map[string]int, len(models)),
		groups:    make(map[ModelType][]*Model, len(ModelTypes)),
		variants:  map[string][]*Model{},
		fetchedAt: fetchedAt,
	}
	for i := range models {
		if models[i].ID == "" {
			continue
		}
		if _, dup := c.byID[models[i].ID]; dup {
			continue
		}
		c.byID[models[i].ID] = len(c.models)
		c.models = append(c.models, models[i])
	}
	c.providers = providerNames(c.models)
	for i := range c.models {
		m := &c.models[i]
		m.Provider = c.ProviderName(m.Author)
		for _, t := range m.Types {
			c.groups[t] = append(c.groups[t], m)
		}
		if base, v := SplitVariant(m.ID); v != "" {
			c.variants[base] = append(c.variants[base], m)
		}
	}
	return c
}

// providerNames maps each author of models to one display name: the
// "Provider: " prefix its models' names use most (of equally used ones
// the first in byte order), so that "anthropic/claude-3-haiku" named
// without a prefix still shows as "Anthropic". Authors whose names never
// have a prefix keep their slug.
func providerNames(models []Model) map[string]string {
	counts := map[string]map[string]int{}
	for i := range models {
		m := &models[i]
		if m.Author == "" {
			m.Author = IDAuthor(m.ID)
		}
		if m.Provider == "" || m.Provider == m.Author {
			continue
		}
		if counts[m.Author] == nil {
			counts[m.Author] = map[string]int{}
		}
		counts[m.Author][m.Provider]++
	}
	out := make(map[string]string, len(counts))
	for author, names := range counts {
		best, n := "", 0
		for name, k := range names {
			if k > n || (k == n && name < best) {
				best, n = name, k
			}
		}
		out[author] = best
	}
	return out
}

// ProviderName returns the display name of an author slug: the name the
// catalog's "Provider: Name" prefixes use for it, else the slug.
func (c *Catalog) ProviderName(author string) string {
	if n, ok := c.providers[author]; ok {
		return n
	}
	return author
}

// Provider is one provider of the catalog.
type Provider struct {
	// ID is the author slug of its model ids.
	ID string
	// Name is its display name.
	Name string
}

// Providers returns every author of the catalog's models with its display
// name, ordered by name (case-insensitively), then slug.
func (c *Catalog) Providers() []Provider {
	seen := map[string]bool{}
	var out []Provider
	for i := range c.models {
		a := c.models[i].Author
		if !seen[a] {
			seen[a] = true
			out = append(out, Provider{ID: a, Name: c.ProviderName(a)})
		}
	}
	slices.SortFunc(out, func(x, y Provider) int {
		return cmp.Or(cmp.Compare(strings.ToLower(x.Name), strings.ToLower(y.Name)), cmp.Compare(x.ID, y.ID))
	})
	return out
}

// Variants returns the variants of a base model id (its ":free",
// ":beta", … ids) in catalog order. Callers must not modify the slice.
func (c *Catalog) Variants(base string) []*Model { return c.variants[base] }

// FoldedModel is a model of a group with the variants of it that serve
// the same type.
type FoldedModel struct {
	Model    *Model
	Variants []*Model
}

// Fold returns the group of t with each variant folded under its base
// model: a variant whose base model serves t is listed with it, not on
// its own; a variant whose base the catalog lacks stands alone.
func (c *Catalog) Fold(t ModelType) []FoldedModel {
	g := c.Group(t)
	out := make([]FoldedModel, 0, len(g))
	for _, m := range g {
		base, v := SplitVariant(m.ID)
		if v != "" {
			if b, ok := c.Lookup(base); ok && b.Serves(t) {
				continue
			}
		}
		f := FoldedModel{Model: m}
		if v == "" {
			for _, vm := range c.variants[base] {
				if vm.Serves(t) {
					f.Variants = append(f.Variants, vm)
				}
			}
		}
		out = append(out, f)
	}
	return out
}

// Len returns the number of models.
func (c *Catalog) Len() int { return len(c.models) }

// Models returns every model in catalog order. Callers must not modify it.
func (c *Catalog) Models() []Model { return c.models }

// FetchedAt returns when the catalog was fetched.
func (c *Catalog) FetchedAt() time.Time { return c.fetchedAt }

// Lookup returns the model with the given id.
func (c *Catalog) Lookup(id string) (*Model, bool) {
	i, ok := c.byID[id]
	if !ok {
		return nil, false
	}
	return &c.models[i], true
}

// Group returns the models that serve t, in catalog order. Callers must
// not modify the slice.
func (c *Catalog) Group(t ModelType) []*Model { return c.groups[t] }

// Validate checks that the model id exists and serves t; it returns a
// *ModelError wrapping ErrModelNotFound or ErrModelTypeMismatch.
func (c *Catalog) Validate(id string, t ModelType) (*Model, error) {
	m, ok := c.Lookup(id)
	if !ok {
		return nil, &ModelError{Kind: ErrModelNotFound, ModelID: id, Type: t}
	}
	if !m.Serves(t) {
		return nil, &ModelError{Kind: ErrModelTypeMismatch, ModelID: id, Type: t}
	}
	return m, nil
}
