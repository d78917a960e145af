package domain

import "time"

// Catalog is a snapshot of OpenRouter's models, indexed for lookup and
// grouped by type. It is immutable once built and safe to share.
type Catalog struct {
	models    []Model
	byID      map[string]int
	groups    map[ModelType][]*Model
	fetchedAt time.Time
}

// NewCatalog indexes models, fetched at fetchedAt. Models without an id
// are dropped; of duplicate ids the first wins.
func NewCatalog(models []Model, fetchedAt time.Time) *Catalog {
	c := &Catalog{
		models:    make([]Model, 0, len(models)),
		byID:      make(map[string]int, len(models)),
		groups:    make(map[ModelType][]*Model, len(ModelTypes)),
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
	for i := range c.models {
		for _, t := range c.models[i].Types {
			c.groups[t] = append(c.groups[t], &c.models[i])
		}
	}
	return c
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
