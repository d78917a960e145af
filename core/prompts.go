package core

import (
	"context"
	"fmt"

	"github.com/aimodels/aimodels/core/domain"
	"github.com/aimodels/aimodels/ports"
)

// Prompts is the use case of the prompts an application sends to its
// models: list, read, create, update, delete.
type Prompts struct {
	store ports.PromptStore
	clock ports.Clock
}

// NewPrompts returns the prompts use case over store.
func NewPrompts(store ports.PromptStore, opts Options) *Prompts {
	return &Prompts{store: store, clock: opts.withDefaults().Clock}
}

// ListPrompts returns the scope's prompts; t filters by type when non-empty.
func (pr *Prompts) ListPrompts(ctx context.Context, scope string, t domain.ModelType) ([]domain.Prompt, error) {
	if t != "" && !t.Valid() {
		return nil, &domain.ValidationError{Field: "type", Reason: "must be one of text, image, audio"}
	}
	ps, err := pr.store.ListPrompts(ctx, scopeOrDefault(scope), t)
	if err != nil {
		return nil, fmt.Errorf("list prompts: %w", err)
	}
	return ps, nil
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
