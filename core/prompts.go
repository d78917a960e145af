package core

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"github.com/aimodels/aimodels/core/domain"
	"github.com/aimodels/aimodels/ports"
)

// Prompts is the use case of the prompts an application sends to its
// models: list, read, create, update, delete, their versions (list,
// restore), and the default prompt of each type.
//
// The scope's default prompts, and the prompts requests name, are cached
// for Options.SettingsTTL, so a request costs no store query for its
// prompt: a write through this Prompts (create, update, delete, restore)
// invalidates the scope's entries at once; a write through another
// process (another replica on the same database) is seen here within
// SettingsTTL (default 5s). A negative SettingsTTL disables the cache
// (one query per such request).
type Prompts struct {
	store    ports.PromptStore
	clock    ports.Clock
	max      int
	defaults *ttlCache[[]domain.Prompt]
	named    *ttlCache[*domain.Prompt] // by scope + "\x00" + name@version
}

// NewPrompts returns the prompts use case over store.
func NewPrompts(store ports.PromptStore, opts Options) *Prompts {
	o := opts.withDefaults()
	return &Prompts{store: store, clock: o.Clock, max: o.MaxPromptsPerScope,
		defaults: newTTLCache[[]domain.Prompt](o.Clock, o.SettingsTTL),
		named:    newTTLCache[*domain.Prompt](o.Clock, o.SettingsTTL)}
}

// ListPrompts returns one page of the scope's prompts in name order: of
// type t only when it is set, continuing after cursor (the Next of the
// previous page, "" for the first), at most limit of them (0 means
// domain.DefaultPromptPage; at most domain.MaxPromptPage).
func (pr *Prompts) ListPrompts(ctx context.Context, scope string, t domain.ModelType, cursor string, limit int) (domain.PromptPage, error) {
	if t != "" && !t.Valid() {
		return domain.PromptPage{}, &domain.ValidationError{Field: "type", Reason: "must be one of text, image, audio"}
	}
	switch {
	case limit == 0:
		limit = domain.DefaultPromptPage
	case limit < 0 || limit > domain.MaxPromptPage:
		return domain.PromptPage{}, &domain.ValidationError{Field: "limit", Reason: fmt.Sprintf("must be between 1 and %d", domain.MaxPromptPage)}
	}
	q := domain.PromptQuery{Type: t, Limit: limit + 1}
	if cursor != "" {
		var ok bool
		if q.AfterName, q.AfterID, ok = decodeCursor(cursor); !ok {
			return domain.PromptPage{}, &domain.ValidationError{Field: "cursor", Reason: "is not a cursor this server gave"}
		}
	}
	ps, err := pr.store.ListPrompts(ctx, scopeOrDefault(scope), q)
	if err != nil {
		return domain.PromptPage{}, fmt.Errorf("list prompts: %w", err)
	}
	page := domain.PromptPage{Prompts: ps}
	if len(ps) > limit {
		page.Prompts = ps[:limit]
		last := ps[limit-1]
		page.Next = encodeCursor(last.Name, last.ID)
	}
	return page, nil
}

// A cursor is the last prompt's ID and name, base64url-encoded: opaque to
// clients, and valid across replicas and restarts.
func encodeCursor(name string, id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(id, 10) + ":" + name))
}

func decodeCursor(c string) (string, int64, bool) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return "", 0, false
	}
	idText, name, ok := strings.Cut(string(b), ":")
	id, err := strconv.ParseInt(idText, 10, 64)
	if !ok || err != nil || id <= 0 || name == "" {
		return "", 0, false
	}
	return name, id, true
}

// byName returns the prompt a request names: "name" is the scope's
// prompt of that name as it is now, "name@3" its version 3 (as that
// version was saved: its text and type). A reference that does not parse
// is a *domain.ValidationError; a prompt or version that does not exist
// wraps domain.ErrNotFound.
func (pr *Prompts) byName(ctx context.Context, scope, ref string) (*domain.Prompt, error) {
	r, err := domain.ParsePromptRef(ref)
	if err != nil {
		return nil, err
	}
	scope = scopeOrDefault(scope)
	key := scope + "\x00" + r.Name + "@" + strconv.Itoa(r.Version)
	if p, _, hit := pr.named.get(key); hit {
		return p, nil
	}
	gen := pr.named.generation()
	p, err := pr.store.GetPromptByName(ctx, scope, r.Name)
	if err != nil {
		return nil, fmt.Errorf("prompt %q: %w", r.Name, err)
	}
	if r.Version != 0 && r.Version != p.Version {
		v, err := pr.store.GetPromptVersion(ctx, scope, p.ID, r.Version)
		if err != nil {
			return nil, fmt.Errorf("prompt %q has no version %d (it is at version %d): %w", r.Name, r.Version, p.Version, err)
		}
		vp := v.Prompt()
		vp.Name = p.Name
		p = &vp
	}
	pr.named.put(gen, key, p, true)
	return p, nil
}

// forget drops the scope's cached prompts after a write.
func (pr *Prompts) forget(scope string) {
	pr.defaults.forget(scope)
	pr.named.forgetPrefix(scope + "\x00")
}

// defaultFor returns the scope's default prompt of type t, or nil when it
// has none; the scope's defaults are cached (see Prompts).
func (pr *Prompts) defaultFor(ctx context.Context, scope string, t domain.ModelType) (*domain.Prompt, error) {
	ds, _, hit := pr.defaults.get(scope)
	if !hit {
		gen := pr.defaults.generation()
		var err error
		if ds, err = pr.store.DefaultPrompts(ctx, scope); err != nil {
			return nil, fmt.Errorf("default prompts of scope %q: %w", scope, err)
		}
		pr.defaults.put(gen, scope, ds, true)
	}
	for i := range ds {
		if ds[i].Type == t {
			return &ds[i], nil
		}
	}
	return nil, nil
}

// ListPromptVersions returns one page of prompt id's versions, newest
// first, continuing after cursor (the Next of the previous page, "" for
// the first), at most limit of them (0 means
// domain.DefaultPromptVersionPage; at most domain.MaxPromptVersionPage).
// A missing prompt wraps domain.ErrNotFound.
func (pr *Prompts) ListPromptVersions(ctx context.Context, scope string, id int64, cursor string, limit int) (domain.PromptVersionPage, error) {
	switch {
	case limit == 0:
		limit = domain.DefaultPromptVersionPage
	case limit < 0 || limit > domain.MaxPromptVersionPage:
		return domain.PromptVersionPage{}, &domain.ValidationError{Field: "limit", Reason: fmt.Sprintf("must be between 1 and %d", domain.MaxPromptVersionPage)}
	}
	q := domain.PromptVersionQuery{Limit: limit + 1}
	if cursor != "" {
		n, err := strconv.Atoi(cursor)
		if err != nil || n <= 1 {
			return domain.PromptVersionPage{}, &domain.ValidationError{Field: "cursor", Reason: "is not a cursor this server gave"}
		}
		q.Before = n
	}
	vs, err := pr.store.ListPromptVersions(ctx, scopeOrDefault(scope), id, q)
	if err != nil {
		return domain.PromptVersionPage{}, fmt.Errorf("list versions of prompt %d: %w", id, err)
	}
	page := domain.PromptVersionPage{Versions: vs}
	if len(vs) > limit {
		page.Versions = vs[:limit]
		page.Next = strconv.Itoa(vs[limit-1].Version)
	}
	return page, nil
}

// RestorePromptVersion saves version n's type and text as prompt id's new
// latest version (the history keeps every version, the restored one
// included); the name and the default flag stay as they are. Restoring
// the text the prompt has now changes nothing. A missing prompt or
// version wraps domain.ErrNotFound.
func (pr *Prompts) RestorePromptVersion(ctx context.Context, scope string, id int64, n int) (*domain.Prompt, error) {
	scope = scopeOrDefault(scope)
	cur, err := pr.store.GetPrompt(ctx, scope, id)
	if err != nil {
		return nil, fmt.Errorf("restore prompt %d: %w", id, err)
	}
	v, err := pr.store.GetPromptVersion(ctx, scope, id, n)
	if err != nil {
		return nil, fmt.Errorf("restore prompt %d: no version %d: %w", id, n, err)
	}
	p := *cur
	p.Type, p.Text = v.Type, v.Text
	return pr.UpdatePrompt(ctx, scope, p)
}

// GetPrompt returns one prompt.
func (pr *Prompts) GetPrompt(ctx context.Context, scope string, id int64) (*domain.Prompt, error) {
	p, err := pr.store.GetPrompt(ctx, scopeOrDefault(scope), id)
	if err != nil {
		return nil, fmt.Errorf("get prompt %d: %w", id, err)
	}
	return p, nil
}

// CreatePrompt validates and stores a new prompt as its version 1;
// p.Default marks it the default of its type (unmarking the previous one).
func (pr *Prompts) CreatePrompt(ctx context.Context, scope string, p domain.Prompt) (*domain.Prompt, error) {
	p.ID, p.Scope = 0, scopeOrDefault(scope)
	if err := p.Validate(); err != nil {
		return nil, err
	}
	n, err := pr.store.CountPrompts(ctx, p.Scope)
	if err != nil {
		return nil, fmt.Errorf("create prompt: %w", err)
	}
	if n >= pr.max {
		return nil, &domain.ValidationError{Field: "prompts", Reason: fmt.Sprintf("this scope keeps %d prompts, the most allowed; delete one first", n)}
	}
	now := pr.clock.Now().UTC()
	p.CreatedAt, p.UpdatedAt = now, now
	defer pr.forget(p.Scope)
	if err := pr.store.CreatePrompt(ctx, &p); err != nil {
		return nil, fmt.Errorf("create prompt: %w", err)
	}
	return &p, nil
}

// UpdatePrompt validates and replaces a prompt's name, type, text and
// default flag; a change of name, type or text saves a new version.
func (pr *Prompts) UpdatePrompt(ctx context.Context, scope string, p domain.Prompt) (*domain.Prompt, error) {
	p.Scope = scopeOrDefault(scope)
	if err := p.Validate(); err != nil {
		return nil, err
	}
	p.UpdatedAt = pr.clock.Now().UTC()
	defer pr.forget(p.Scope)
	if err := pr.store.UpdatePrompt(ctx, &p); err != nil {
		return nil, fmt.Errorf("update prompt %d: %w", p.ID, err)
	}
	return &p, nil
}

// DeletePrompt removes a prompt.
func (pr *Prompts) DeletePrompt(ctx context.Context, scope string, id int64) error {
	defer pr.forget(scopeOrDefault(scope))
	if err := pr.store.DeletePrompt(ctx, scopeOrDefault(scope), id); err != nil {
		return fmt.Errorf("delete prompt %d: %w", id, err)
	}
	return nil
}
