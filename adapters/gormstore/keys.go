package gormstore

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/aimodels/aimodels/core/domain"
)

// SaveKey inserts or replaces (atomically, by scope and provider) the
// encrypted key k and sets k.ID, k.Scope and the timestamps. Concurrent
// saves of one scope and provider leave one row: the last write wins.
func (s *Store) SaveKey(ctx context.Context, k *domain.StoredKey) error {
	const op = "save key"
	if k == nil || k.Provider == "" || len(k.Ciphertext) == 0 {
		return &domain.ValidationError{Field: "key", Reason: "provider and ciphertext are required"}
	}
	scope, err := normScope(k.Scope)
	if err != nil {
		return err
	}
	now := s.now()
	row := apiKeyRow{Scope: scope, Provider: k.Provider, Ciphertext: k.Ciphertext, KeyID: k.KeyID,
		Hint: k.Hint, CreatedAt: now, UpdatedAt: now,
		VerificationStatus: k.Verification.Status, VerificationReason: k.Verification.Reason}
	if !k.Verification.CheckedAt.IsZero() {
		at := k.Verification.CheckedAt.UTC().Truncate(time.Microsecond)
		row.VerificationCheckedAt = &at
	}
	var saved apiKeyRow
	err = retry(ctx, func() error {
		return s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			r := row
			if err := tx.Clauses(clause.OnConflict{
				Columns:   []clause.Column{{Name: "scope"}, {Name: "provider"}},
				DoUpdates: clause.AssignmentColumns([]string{"ciphertext", "key_id", "hint", "updated_at", "verification_status", "verification_checked_at", "verification_reason"}),
			}).Create(&r).Error; err != nil {
				return err
			}
			return tx.Select("id", "created_at").Where("scope = ? AND provider = ?", scope, k.Provider).Take(&saved).Error
		})
	})
	if err != nil {
		return s.wrap(op, err)
	}
	k.ID, k.Scope, k.CreatedAt, k.UpdatedAt = saved.ID, scope, saved.CreatedAt.UTC(), now
	return nil
}

// GetKey returns the key of scope and provider, or an error wrapping
// domain.ErrNotFound.
func (s *Store) GetKey(ctx context.Context, scope, provider string) (*domain.StoredKey, error) {
	scope, err := normScope(scope)
	if err != nil {
		return nil, err
	}
	var row apiKeyRow
	if err := s.r.WithContext(ctx).Where("scope = ? AND provider = ?", scope, provider).Take(&row).Error; err != nil {
		return nil, s.wrap("get key", err)
	}
	k := row.toDomain()
	return &k, nil
}

// DeleteKey removes the key of scope and provider; a missing key wraps
// domain.ErrNotFound.
func (s *Store) DeleteKey(ctx context.Context, scope, provider string) error {
	scope, err := normScope(scope)
	if err != nil {
		return err
	}
	var n int64
	err = retry(ctx, func() error {
		res := s.w.WithContext(ctx).Where("scope = ? AND provider = ?", scope, provider).Delete(&apiKeyRow{})
		n = res.RowsAffected
		return res.Error
	})
	if err != nil {
		return s.wrap("delete key", err)
	}
	if n == 0 {
		return s.wrap("delete key", gorm.ErrRecordNotFound)
	}
	return nil
}

// ListKeys returns the scope's keys ordered by provider.
func (s *Store) ListKeys(ctx context.Context, scope string) ([]domain.StoredKey, error) {
	scope, err := normScope(scope)
	if err != nil {
		return nil, err
	}
	var rows []apiKeyRow
	if err := s.r.WithContext(ctx).Where("scope = ?", scope).Order("provider").Find(&rows).Error; err != nil {
		return nil, s.wrap("list keys", err)
	}
	return keysToDomain(rows), nil
}

// KeysAfter returns up to limit keys of every scope with ID > afterID,
// ordered by ID, for key rotation.
func (s *Store) KeysAfter(ctx context.Context, afterID int64, limit int) ([]domain.StoredKey, error) {
	if limit <= 0 {
		return nil, &domain.ValidationError{Field: "limit", Reason: "must be positive"}
	}
	var rows []apiKeyRow
	if err := s.r.WithContext(ctx).Where("id > ?", afterID).Order("id").Limit(limit).Find(&rows).Error; err != nil {
		return nil, s.wrap("keys after", err)
	}
	return keysToDomain(rows), nil
}

// ReplaceCiphertexts sets the ciphertext and key id of each key by ID in
// one transaction: all or none. updated_at (when the key was set) is kept.
//
// A key whose UpdatedAt is set is replaced only if its row still has that
// UpdatedAt: a key saved again (or deleted) since it was read by
// KeysAfter keeps the newer value and is skipped, so a rotation running
// alongside SaveKey never overwrites a new key with an old one.
func (s *Store) ReplaceCiphertexts(ctx context.Context, keys []domain.StoredKey) error {
	if len(keys) == 0 {
		return nil
	}
	for i := range keys {
		if keys[i].ID <= 0 || len(keys[i].Ciphertext) == 0 {
			return &domain.ValidationError{Field: "keys", Reason: "every key needs an ID and a ciphertext"}
		}
	}
	err := retry(ctx, func() error {
		return s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			for i := range keys {
				q := tx.Model(&apiKeyRow{}).Where("id = ?", keys[i].ID)
				if !keys[i].UpdatedAt.IsZero() {
					q = q.Where("updated_at = ?", keys[i].UpdatedAt.UTC())
				}
				if err := q.UpdateColumns(map[string]any{
					"ciphertext": keys[i].Ciphertext, "key_id": keys[i].KeyID,
				}).Error; err != nil {
					return err
				}
			}
			return nil
		})
	})
	return s.wrap("replace ciphertexts", err)
}

func keysToDomain(rows []apiKeyRow) []domain.StoredKey {
	out := make([]domain.StoredKey, len(rows))
	for i := range rows {
		out[i] = rows[i].toDomain()
	}
	return out
}
