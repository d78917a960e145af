package gormstore

import (
	"context"
	"time"

	"golang.org/x/text/unicode/norm"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

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

// CreatePrompt stores p with its version 1 and sets its ID, Scope,
// Version and timestamps; a name already used in the scope wraps
// domain.ErrConflict. The name is stored in Unicode NFC (p.Name is set to
// it), so the NFC and NFD forms of one name, which look the same, are one
// name. p.Default marks it its type's default, unmarking the previous one
// in the same transaction.
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
		return s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			row = promptRow{Scope: scope, Name: name, ModelType: string(p.Type), Text: p.Text, Version: 1, CreatedAt: now, UpdatedAt: now}
			if p.Default {
				if err := unmarkDefault(tx, scope, string(p.Type), 0); err != nil {
					return err
				}
				row.DefaultType = &row.ModelType
			}
			if err := tx.Create(&row).Error; err != nil {
				return err
			}
			return tx.Create(versionRow(&row, now)).Error
		})
	})
	if err != nil {
		return s.wrap("create prompt", err)
	}
	p.ID, p.Scope, p.Name, p.Version, p.CreatedAt, p.UpdatedAt = row.ID, scope, name, 1, now, now
	return nil
}

// UpdatePrompt replaces the name (stored in NFC, as by CreatePrompt),
// type, text and default flag of prompt p.ID in p.Scope and sets p.Name,
// p.Version, p.UpdatedAt and p.CreatedAt; a change of name, type or text
// saves the next version. It wraps domain.ErrNotFound when the prompt is
// missing and domain.ErrConflict when the new name is taken. The row is
// read FOR UPDATE on MySQL, so concurrent updates number their versions
// one after the other (on a multi-primary cluster the loser of a
// certification conflict runs again).
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
			q := tx
			if s.driver == DriverMySQL {
				q = tx.Clauses(clause.Locking{Strength: "UPDATE"})
			}
			if err := q.Where("scope = ? AND id = ?", scope, p.ID).Take(&row).Error; err != nil {
				return err
			}
			changed := row.Name != name || row.ModelType != string(p.Type) || row.Text != p.Text
			if changed {
				row.Version = max(row.Version, 1) + 1
			}
			row.Name, row.ModelType, row.Text, row.UpdatedAt, row.DefaultType = name, string(p.Type), p.Text, now, nil
			if p.Default {
				if err := unmarkDefault(tx, scope, row.ModelType, row.ID); err != nil {
					return err
				}
				row.DefaultType = &row.ModelType
			}
			if err := tx.Model(&promptRow{}).Where("id = ?", row.ID).UpdateColumns(map[string]any{
				"name": row.Name, "model_type": row.ModelType, "text": row.Text, "version": row.Version,
				"default_type": row.DefaultType, "updated_at": now,
			}).Error; err != nil {
				return err
			}
			if !changed {
				return nil
			}
			return tx.Create(versionRow(&row, now)).Error
		})
	})
	if err != nil {
		return s.wrap("update prompt", err)
	}
	p.Scope, p.Name, p.Version, p.CreatedAt, p.UpdatedAt = scope, name, row.Version, row.CreatedAt.UTC(), now
	return nil
}

// unmarkDefault clears the default flag of the scope's prompt of type t
// other than except.
func unmarkDefault(tx *gorm.DB, scope, t string, except int64) error {
	return tx.Model(&promptRow{}).Where("scope = ? AND default_type = ? AND id <> ?", scope, t, except).
		UpdateColumn("default_type", nil).Error
}

// versionRow is the prompt_versions row of r's current text, saved at t.
func versionRow(r *promptRow, t time.Time) *promptVersionRow {
	return &promptVersionRow{PromptID: r.ID, Scope: r.Scope, Version: r.Version, Name: r.Name, ModelType: r.ModelType, Text: r.Text, CreatedAt: t}
}

// DeletePrompt removes prompt id of scope and its versions; it wraps
// domain.ErrNotFound when missing.
func (s *Store) DeletePrompt(ctx context.Context, scope string, id int64) error {
	scope, err := normScope(scope)
	if err != nil {
		return err
	}
	var n int64
	err = retry(ctx, func() error {
		return s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			res := tx.Where("scope = ? AND id = ?", scope, id).Delete(&promptRow{})
			if n = res.RowsAffected; res.Error != nil || n == 0 {
				return res.Error
			}
			return tx.Where("prompt_id = ?", id).Delete(&promptVersionRow{}).Error
		})
	})
	if err != nil {
		return s.wrap("delete prompt", err)
	}
	if n == 0 {
		return s.wrap("delete prompt", gorm.ErrRecordNotFound)
	}
	return nil
}

// ListPromptVersions returns the versions of prompt id of scope, newest
// first, as q selects; a missing prompt wraps domain.ErrNotFound.
func (s *Store) ListPromptVersions(ctx context.Context, scope string, id int64, q domain.PromptVersionQuery) ([]domain.PromptVersion, error) {
	scope, err := normScope(scope)
	if err != nil {
		return nil, err
	}
	if err := s.promptExists(ctx, scope, id, "list prompt versions"); err != nil {
		return nil, err
	}
	db := s.r.WithContext(ctx).Where("scope = ? AND prompt_id = ?", scope, id)
	if q.Before > 0 {
		db = db.Where("version < ?", q.Before)
	}
	if q.Limit > 0 {
		db = db.Limit(q.Limit)
	}
	var rows []promptVersionRow
	if err := db.Order("version DESC").Find(&rows).Error; err != nil {
		return nil, s.wrap("list prompt versions", err)
	}
	out := make([]domain.PromptVersion, len(rows))
	for i := range rows {
		out[i] = rows[i].toDomain()
	}
	return out, nil
}

// GetPromptVersion returns version n of prompt id of scope, or an error
// wrapping domain.ErrNotFound.
func (s *Store) GetPromptVersion(ctx context.Context, scope string, id int64, n int) (*domain.PromptVersion, error) {
	scope, err := normScope(scope)
	if err != nil {
		return nil, err
	}
	var row promptVersionRow
	if err := s.r.WithContext(ctx).Where("scope = ? AND prompt_id = ? AND version = ?", scope, id, n).Take(&row).Error; err != nil {
		return nil, s.wrap("get prompt version", err)
	}
	v := row.toDomain()
	return &v, nil
}

// DefaultPrompts returns the scope's default prompts, ordered by type.
func (s *Store) DefaultPrompts(ctx context.Context, scope string) ([]domain.Prompt, error) {
	scope, err := normScope(scope)
	if err != nil {
		return nil, err
	}
	var rows []promptRow
	if err := s.r.WithContext(ctx).Where("scope = ? AND default_type IS NOT NULL", scope).Order("model_type").Find(&rows).Error; err != nil {
		return nil, s.wrap("default prompts", err)
	}
	out := make([]domain.Prompt, len(rows))
	for i := range rows {
		out[i] = rows[i].toDomain()
	}
	return out, nil
}

// promptExists returns nil when prompt id is in scope, else an error
// wrapping domain.ErrNotFound.
func (s *Store) promptExists(ctx context.Context, scope string, id int64, op string) error {
	var n int64
	if err := s.r.WithContext(ctx).Model(&promptRow{}).Where("scope = ? AND id = ?", scope, id).Count(&n).Error; err != nil {
		return s.wrap(op, err)
	}
	if n == 0 {
		return s.wrap(op, gorm.ErrRecordNotFound)
	}
	return nil
}
