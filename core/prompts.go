package core

import (
	"context"
	"fmt"

	"github.com/aimodels/aimodels/core/domain"
)

// ListPrompts returns the scope's prompts; t filters by type when non-empty.
func (s *Service) ListPrompts(ctx context.Context, scope string, t domain.ModelType) ([]domain.Prompt, error) {
	if t != "" && !t.Valid() {
		return nil, &domain.ValidationError{Field: "type", Reason: "must be one of text, image, audio"}
	}
	ps, err := s.deps.Prompts.ListPrompts(ctx, scopeOrDefault(scope), t)
	if err != nil {
		return nil, fmt.Errorf("list prompts: %w", err)
	}
	return ps, nil
}

// GetPrompt returns one prompt.
func (s *Service) GetPrompt(ctx context.Context, scope string, id int64) (*domain.Prompt, error) {
	p, err := s.deps.Prompts.GetPrompt(ctx, scopeOrDefault(scope), id)
	if err != nil {
		return nil, fmt.Errorf("get prompt %d: %w", id, err)
	}
	return p, nil
}

// CreatePrompt validates and stores a new prompt.
func (s *Service) CreatePrompt(ctx context.Context, scope string, p domain.Prompt) (*domain.Prompt, error) {
	p.ID, p.Scope = 0, scopeOrDefault(scope)
	if err := p.Validate(); err != nil {
		return nil, err
	}
	now := s.clock.Now().UTC()
	p.CreatedAt, p.UpdatedAt = now, now
	if err := s.deps.Prompts.CreatePrompt(ctx, &p); err != nil {
		return nil, fmt.Errorf("create prompt: %w", err)
	}
	return &p, nil
}

// UpdatePrompt validates and replaces a prompt's name, type and text.
func (s *Service) UpdatePrompt(ctx context.Context, scope string, p domain.Prompt) (*domain.Prompt, error) {
	p.Scope = scopeOrDefault(scope)
	if err := p.Validate(); err != nil {
		return nil, err
	}
	p.UpdatedAt = s.clock.Now().UTC()
	if err := s.deps.Prompts.UpdatePrompt(ctx, &p); err != nil {
		return nil, fmt.Errorf("update prompt %d: %w", p.ID, err)
	}
	return &p, nil
}

// DeletePrompt removes a prompt.
func (s *Service) DeletePrompt(ctx context.Context, scope string, id int64) error {
	if err := s.deps.Prompts.DeletePrompt(ctx, scopeOrDefault(scope), id); err != nil {
		return fmt.Errorf("delete prompt %d: %w", id, err)
	}
	return nil
}
