package gormstore

import (
	"context"

	"golang.org/x/text/unicode/norm"
	"gorm.io/gorm"

	"github.com/aimodels/aimodels/core/domain"
)

// ListPrompts returns the scope's prompts that pq selects, ordered by
// name, then ID (names compare as bytes on both databases). Names are
// stored in Unicode NFC, and pq.AfterName is compared in NFC.
func (s *Store) ListPrompts(ctx context.Context, scope string, pq domain.PromptQuery) ([]domain.Prompt, error) {
	scope, err := normScope(scope)
	if err != nil {
		return nil, err
	}
	q := s.r.WithContext(ctx).Where("scope = ?", scope)
	if pq.Type != "" {
		q = q.Where("model_type = ?", string(pq.Type))
	}
	if pq.AfterName != "" {
		after := norm.NFC.String(pq.AfterName)
		q = q.Where("(name > ? OR (name = ? AND id > ?))", after, after, pq.AfterID)
	}
	if pq.Limit > 0 {
		q = q.Limit(pq.Limit)
	}
	var rows []promptRow
	if err := q.Order("name").Order("id").Find(&rows).Error; err != nil {
		return nil, s.wrap("list prompts", err)
	}
	out := make([]domain.Prompt, len(rows))
	for i := range rows {
		out[i] = rows[i].toDomain()
	}
	return out, nil
}

// CountPrompts returns how many prompts scope keeps.
func (s *Store) CountPrompts(ctx context.Context, scope string) (int, error) {
	scope, err := normScope(scope)
	if err != nil {
		return 0, err
	}
	var n int64
	if err := s.r.WithContext(ctx).Model(&promptRow{}).Where("scope = ?", scope).Count(&n).Error; err != nil {
		return 0, s.wrap("count prompts", err)
	}
	return int(n), nil
}

// GetPrompt returns the prompt id of scope, or an error wrapping
// domain.ErrNotFound (also when it belongs to another scope).
func (s *Store) GetPrompt(ctx context.Context, scope string, id int64) (*domain.Prompt, error) {
	scope, err := normScope(scope)
	if err != nil {
		return nil, err
	}
	var row promptRow
	if err := s.r.WithContext(ctx).Where("scope = ? AND id = ?", scope, id).Take(&row).Error; err != nil {
		return nil, s.wrap("get prompt", err)
	}
	p := row.toDomain()
	return &p, nil
}

// GetPromptByName returns the scope's prompt of that name (compared in
// NFC), or an error wrapping domain.ErrNotFound.
func (s *Store) GetPromptByName(ctx context.Context, scope, name string) (*domain.Prompt, error) {
	scope, err := normScope(scope)
	if err != nil {
		return nil, err
	}
	var row promptRow
	if err := s.r.WithContext(ctx).Where("scope = ? AND name = ?", scope, norm.NFC.String(name)).Take(&row).Error; err != nil {
		return nil, s.wrap("get prompt by name", err)
	}
	p := row.toDomain()
	return &p, nil
}

// CreatePrompt stores p and sets its ID, Scope and timestamps; a name
// already used in the scope wraps domain.ErrConflict. The name is stored
// in Unicode NFC (p.Name is set to it), so the NFC and NFD forms of one
// name, which look the same, are one name.
func (s *Store) CreatePrompt(ctx context.Context, p *domain.Prompt) error {
	if p == nil {
		return &domain.ValidationError{Field: "prompt", Reason: "is required"}
	}
	scope, err := normScope(p.Scope)
	if err != nil {
		return err
	}
	now := s.now()
	name := norm.NFC.String(p.Name)
	var row promptRow
	err = retry(ctx, func() error {
		row = promptRow{Scope: scope, Name: name, ModelType: string(p.Type), Text: p.Text, CreatedAt: now, UpdatedAt: now}
		return s.w.WithContext(ctx).Create(&row).Error
	})
	if err != nil {
		return s.wrap("create prompt", err)
	}
	p.ID, p.Scope, p.Name, p.CreatedAt, p.UpdatedAt = row.ID, scope, name, now, now
	return nil
}

// UpdatePrompt replaces the name (stored in NFC, as by CreatePrompt),
// type and text of prompt p.ID in p.Scope and sets p.Name, p.UpdatedAt
// and p.CreatedAt; it wraps domain.ErrNotFound when the prompt is missing
// and domain.ErrConflict when the new name is taken.
func (s *Store) UpdatePrompt(ctx context.Context, p *domain.Prompt) error {
	if p == nil {
		return &domain.ValidationError{Field: "prompt", Reason: "is required"}
	}
	scope, err := normScope(p.Scope)
	if err != nil {
		return err
	}
	now := s.now()
	name := norm.NFC.String(p.Name)
	var row promptRow
	err = retry(ctx, func() error {
		return s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			res := tx.Model(&promptRow{}).Where("scope = ? AND id = ?", scope, p.ID).UpdateColumns(map[string]any{
				"name": name, "model_type": string(p.Type), "text": p.Text, "updated_at": now,
			})
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 0 {
				return gorm.ErrRecordNotFound
			}
			return tx.Select("created_at").Where("id = ?", p.ID).Take(&row).Error
		})
	})
	if err != nil {
		return s.wrap("update prompt", err)
	}
	p.Scope, p.Name, p.CreatedAt, p.UpdatedAt = scope, name, row.CreatedAt.UTC(), now
	return nil
}

// DeletePrompt removes prompt id of scope; it wraps domain.ErrNotFound
// when missing.
func (s *Store) DeletePrompt(ctx context.Context, scope string, id int64) error {
	scope, err := normScope(scope)
	if err != nil {
		return err
	}
	var n int64
	err = retry(ctx, func() error {
		res := s.w.WithContext(ctx).Where("scope = ? AND id = ?", scope, id).Delete(&promptRow{})
		n = res.RowsAffected
		return res.Error
	})
	if err != nil {
		return s.wrap("delete prompt", err)
	}
	if n == 0 {
		return s.wrap("delete prompt", gorm.ErrRecordNotFound)
	}
	return nil
}
