package memstore

import (
	"cmp"
	"context"
	"slices"
	"time"

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
	stored := &domain.Prompt{ID: s.lastPrompt, Scope: scope, Name: name, Type: p.Type, Text: p.Text, Version: 1, CreatedAt: now, UpdatedAt: now}
	s.prompts[stored.ID] = stored
	s.versions[stored.ID] = []domain.PromptVersion{versionOf(stored, now)}
	s.markDefault(stored, p.Default)
	p.ID, p.Scope, p.Name, p.Version, p.CreatedAt, p.UpdatedAt = stored.ID, scope, name, 1, now, now
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
	now := s.now()
	if stored.Name != name || stored.Type != p.Type || stored.Text != p.Text {
		stored.Name, stored.Type, stored.Text = name, p.Type, p.Text
		stored.Version++
		s.versions[stored.ID] = append(s.versions[stored.ID], versionOf(stored, now))
	}
	stored.UpdatedAt = now
	s.markDefault(stored, p.Default)
	p.Scope, p.Name, p.Version, p.CreatedAt, p.UpdatedAt = stored.Scope, name, stored.Version, stored.CreatedAt, stored.UpdatedAt
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
	delete(s.versions, id)
	return nil
}

// ListPromptVersions returns the versions of prompt id of scope, newest
// first, as q selects (ports.PromptStore).
func (s *Store) ListPromptVersions(ctx context.Context, scope string, id int64, q domain.PromptVersionQuery) ([]domain.PromptVersion, error) {
	if err := s.begin(ctx, "ListPromptVersions"); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	if _, err := s.prompt(scope, id, "ListPromptVersions"); err != nil {
		return nil, err
	}
	vs := s.versions[id]
	out := []domain.PromptVersion{}
	for i := len(vs) - 1; i >= 0 && (q.Limit <= 0 || len(out) < q.Limit); i-- {
		if q.Before <= 0 || vs[i].Version < q.Before {
			out = append(out, vs[i])
		}
	}
	return out, nil
}

// GetPromptVersion returns version n of prompt id of scope, or a
// *domain.StoreError of kind domain.ErrNotFound (ports.PromptStore).
func (s *Store) GetPromptVersion(ctx context.Context, scope string, id int64, n int) (*domain.PromptVersion, error) {
	if err := s.begin(ctx, "GetPromptVersion"); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	if _, err := s.prompt(scope, id, "GetPromptVersion"); err != nil {
		return nil, err
	}
	for _, v := range s.versions[id] {
		if v.Version == n {
			return &v, nil
		}
	}
	return nil, notFound("GetPromptVersion")
}

// DefaultPrompts returns the scope's default prompts, ordered by type
// (ports.PromptStore).
func (s *Store) DefaultPrompts(ctx context.Context, scope string) ([]domain.Prompt, error) {
	if err := s.begin(ctx, "DefaultPrompts"); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	scope, err := normScope(scope)
	if err != nil {
		return nil, err
	}
	out := []domain.Prompt{}
	for _, p := range s.prompts {
		if p.Scope == scope && p.Default {
			out = append(out, *p)
		}
	}
	slices.SortFunc(out, func(a, b domain.Prompt) int { return cmp.Compare(a.Type, b.Type) })
	return out, nil
}

// markDefault sets p's default flag; marking it unmarks the previous
// default of its scope and type. s.mu must be held.
func (s *Store) markDefault(p *domain.Prompt, on bool) {
	if on {
		for _, o := range s.prompts {
			if o.Scope == p.Scope && o.Type == p.Type && o.ID != p.ID {
				o.Default = false
			}
		}
	}
	p.Default = on
}

// versionOf returns p's current text as its version p.Version, saved at t.
func versionOf(p *domain.Prompt, t time.Time) domain.PromptVersion {
	return domain.PromptVersion{PromptID: p.ID, Scope: p.Scope, Version: p.Version, Name: p.Name, Type: p.Type, Text: p.Text, CreatedAt: t}
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
