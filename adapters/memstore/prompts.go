package memstore

import (
	"cmp"
	"context"
	"slices"

	"golang.org/x/text/unicode/norm"

	"github.com/aimodels/aimodels/core/domain"
)

// ListPrompts returns the scope's prompts that q selects, ordered by
// name, then ID (ports.PromptStore); q.AfterName is compared in NFC, the
// form names are stored in.
func (s *Store) ListPrompts(ctx context.Context, scope string, q domain.PromptQuery) ([]domain.Prompt, error) {
	if err := s.begin(ctx, "ListPrompts"); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	scope, err := normScope(scope)
	if err != nil {
		return nil, err
	}
	out := []domain.Prompt{}
	afterName := norm.NFC.String(q.AfterName)
	for _, p := range s.prompts {
		after := afterName == "" || p.Name > afterName || (p.Name == afterName && p.ID > q.AfterID)
		if p.Scope == scope && (q.Type == "" || p.Type == q.Type) && after {
			out = append(out, *p)
		}
	}
	slices.SortFunc(out, func(a, b domain.Prompt) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
	})
	if q.Limit > 0 && len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return out, nil
}

// CountPrompts returns how many prompts scope keeps (ports.PromptStore).
func (s *Store) CountPrompts(ctx context.Context, scope string) (int, error) {
	if err := s.begin(ctx, "CountPrompts"); err != nil {
		return 0, err
	}
	defer s.mu.Unlock()
	scope, err := normScope(scope)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, p := range s.prompts {
		if p.Scope == scope {
			n++
		}
	}
	return n, nil
}

// GetPrompt returns prompt id of scope, or a *domain.StoreError of kind
// domain.ErrNotFound (ports.PromptStore).
func (s *Store) GetPrompt(ctx context.Context, scope string, id int64) (*domain.Prompt, error) {
	if err := s.begin(ctx, "GetPrompt"); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	p, err := s.prompt(scope, id, "GetPrompt")
	if err != nil {
		return nil, err
	}
	c := *p
	return &c, nil
}

// GetPromptByName returns the scope's prompt of that name (compared in
// NFC), or a *domain.StoreError of kind domain.ErrNotFound (ports.PromptStore).
func (s *Store) GetPromptByName(ctx context.Context, scope, name string) (*domain.Prompt, error) {
	if err := s.begin(ctx, "GetPromptByName"); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	scope, err := normScope(scope)
	if err != nil {
		return nil, err
	}
	name = norm.NFC.String(name)
	for _, p := range s.prompts {
		if p.Scope == scope && p.Name == name {
			c := *p
			return &c, nil
		}
	}
	return nil, notFound("GetPromptByName")
}

// CreatePrompt stores p as a new prompt and sets its ID, Scope and
// timestamps; a name already used in the scope is a *domain.StoreError
// of kind domain.ErrConflict (ports.PromptStore). The name is stored in
// Unicode NFC (p.Name is set to it), as gormstore does, so the NFC and
// NFD forms of one name are one name.
func (s *Store) CreatePrompt(ctx context.Context, p *domain.Prompt) error {
	if err := s.begin(ctx, "CreatePrompt"); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if p == nil {
		return &domain.ValidationError{Field: "prompt", Reason: "is required"}
	}
	scope, err := normScope(p.Scope)
	if err != nil {
		return err
	}
	name := norm.NFC.String(p.Name)
	if s.nameTaken(scope, name, 0) {
		return &domain.StoreError{Kind: domain.ErrConflict, Op: "CreatePrompt"}
	}
	now := s.now()
	s.lastPrompt++
	stored := &domain.Prompt{ID: s.lastPrompt, Scope: scope, Name: name, Type: p.Type, Text: p.Text, CreatedAt: now, UpdatedAt: now}
	s.prompts[stored.ID] = stored
	p.ID, p.Scope, p.Name, p.CreatedAt, p.UpdatedAt = stored.ID, scope, name, now, now
	return nil
}

// UpdatePrompt replaces the name (in NFC, as CreatePrompt), type and
// text of prompt p.ID of p.Scope and sets p.Scope, p.Name, p.CreatedAt and
// p.UpdatedAt; a missing prompt is domain.ErrNotFound, a name taken by
// another prompt domain.ErrConflict (ports.PromptStore).
func (s *Store) UpdatePrompt(ctx context.Context, p *domain.Prompt) error {
	if err := s.begin(ctx, "UpdatePrompt"); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if p == nil {
		return &domain.ValidationError{Field: "prompt", Reason: "is required"}
	}
	stored, err := s.prompt(p.Scope, p.ID, "UpdatePrompt")
	if err != nil {
		return err
	}
	name := norm.NFC.String(p.Name)
	if s.nameTaken(stored.Scope, name, p.ID) {
		return &domain.StoreError{Kind: domain.ErrConflict, Op: "UpdatePrompt"}
	}
	stored.Name, stored.Type, stored.Text, stored.UpdatedAt = name, p.Type, p.Text, s.now()
	p.Scope, p.Name, p.CreatedAt, p.UpdatedAt = stored.Scope, name, stored.CreatedAt, stored.UpdatedAt
	return nil
}

// DeletePrompt removes prompt id of scope; a missing prompt is a
// *domain.StoreError of kind domain.ErrNotFound (ports.PromptStore).
func (s *Store) DeletePrompt(ctx context.Context, scope string, id int64) error {
	if err := s.begin(ctx, "DeletePrompt"); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if _, err := s.prompt(scope, id, "DeletePrompt"); err != nil {
		return err
	}
	delete(s.prompts, id)
	return nil
}

// prompt returns the stored prompt id of scope. s.mu must be held.
func (s *Store) prompt(scope string, id int64, method string) (*domain.Prompt, error) {
	scope, err := normScope(scope)
	if err != nil {
		return nil, err
	}
	p, ok := s.prompts[id]
	if !ok || p.Scope != scope {
		return nil, notFound(method)
	}
	return p, nil
}

// nameTaken reports whether a prompt of scope other than except has
// name. s.mu must be held.
func (s *Store) nameTaken(scope, name string, except int64) bool {
	for _, p := range s.prompts {
		if p.Scope == scope && p.Name == name && p.ID != except {
			return true
		}
	}
	return false
}
