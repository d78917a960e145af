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
// models: list, read, create, update, delete.
type Prompts struct {
	store ports.PromptStore
	clock ports.Clock
	max   int
}

// NewPrompts returns the prompts use case over store.
func NewPrompts(store ports.PromptStore, opts Options) *Prompts {
	o := opts.withDefaults()
	return &Prompts{store: store, clock: o.Clock, max: o.MaxPromptsPerScope}
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

// byName returns the scope's prompt of that name, for a request that names it.
func (pr *Prompts) byName(ctx context.Context, scope, name string) (*domain.Prompt, error) {
	p, err := pr.store.GetPromptByName(ctx, scopeOrDefault(scope), name)
	if err != nil {
		return nil, fmt.Errorf("prompt %q: %w", name, err)
	}
	return p, nil
}

// GetPrompt returns one prompt.
func (pr *Prompts) GetPrompt(ctx context.Context, scope string, id int64) (*domain.Prompt, error) {
	p, err := pr.store.GetPrompt(ctx, scopeOrDefault(scope), id)
	if err != nil {
		return nil, fmt.Errorf("get prompt %d: %w", id, err)
	}
	return p, nil
}

// CreatePrompt validates and stores a new prompt.
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
	if err := pr.store.CreatePrompt(ctx, &p); err != nil {
		return nil, fmt.Errorf("create prompt: %w", err)
	}
	return &p, nil
}

// UpdatePrompt validates and replaces a prompt's name, type and text.
func (pr *Prompts) UpdatePrompt(ctx context.Context, scope string, p domain.Prompt) (*domain.Prompt, error) {
	p.Scope = scopeOrDefault(scope)
	if err := p.Validate(); err != nil {
		return nil, err
	}
	p.UpdatedAt = pr.clock.Now().UTC()
	if err := pr.store.UpdatePrompt(ctx, &p); err != nil {
		return nil, fmt.Errorf("update prompt %d: %w", p.ID, err)
	}
	return &p, nil
}

// DeletePrompt removes a prompt.
func (pr *Prompts) DeletePrompt(ctx context.Context, scope string, id int64) error {
	if err := pr.store.DeletePrompt(ctx, scopeOrDefault(scope), id); err != nil {
		return fmt.Errorf("delete prompt %d: %w", id, err)
	}
	return nil
}
