package memstore

import (
	"bytes"
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/aimodels/aimodels/core/domain"
)

// SaveKey inserts or replaces the key of k.Scope and k.Provider and sets
// k.ID, k.Scope, k.CreatedAt and k.UpdatedAt (ports.KeyStore).
func (s *Store) SaveKey(ctx context.Context, k *domain.StoredKey) error {
	if err := s.begin(ctx, "SaveKey"); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if k == nil || k.Provider == "" || len(k.Ciphertext) == 0 {
		return &domain.ValidationError{Field: "key", Reason: "provider and ciphertext are required"}
	}
	scope, err := normScope(k.Scope)
	if err != nil {
		return err
	}
	now := s.now()
	at := scoped{scope, k.Provider}
	stored, ok := s.keys[s.keyIDs[at]]
	if !ok {
		s.lastKeyID++
		stored = &domain.StoredKey{ID: s.lastKeyID, Scope: scope, Provider: k.Provider, CreatedAt: now}
		s.keys[stored.ID] = stored
		s.keyIDs[at] = stored.ID
	}
	stored.Ciphertext, stored.KeyID, stored.Hint, stored.UpdatedAt = bytes.Clone(k.Ciphertext), k.KeyID, k.Hint, now
	stored.Verification = k.Verification
	if !stored.Verification.CheckedAt.IsZero() {
		stored.Verification.CheckedAt = stored.Verification.CheckedAt.UTC().Truncate(time.Microsecond)
	}
	k.ID, k.Scope, k.CreatedAt, k.UpdatedAt = stored.ID, scope, stored.CreatedAt, now
	return nil
}

// GetKey returns the key of scope and provider, or a *domain.StoreError
// of kind domain.ErrNotFound (ports.KeyStore).
func (s *Store) GetKey(ctx context.Context, scope, provider string) (*domain.StoredKey, error) {
	if err := s.begin(ctx, "GetKey"); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	scope, err := normScope(scope)
	if err != nil {
		return nil, err
	}
	stored, ok := s.keys[s.keyIDs[scoped{scope, provider}]]
	if !ok {
		return nil, notFound("GetKey")
	}
	k := cloneKey(stored)
	return &k, nil
}

// DeleteKey removes the key of scope and provider; a missing key is a
// *domain.StoreError of kind domain.ErrNotFound (ports.KeyStore).
func (s *Store) DeleteKey(ctx context.Context, scope, provider string) error {
	if err := s.begin(ctx, "DeleteKey"); err != nil {
		return err
	}
	defer s.mu.Unlock()
	scope, err := normScope(scope)
	if err != nil {
		return err
	}
	at := scoped{scope, provider}
	id, ok := s.keyIDs[at]
	if !ok {
		return notFound("DeleteKey")
	}
	delete(s.keyIDs, at)
	delete(s.keys, id)
	return nil
}

// ListKeys returns the scope's keys ordered by provider (ports.KeyStore).
func (s *Store) ListKeys(ctx context.Context, scope string) ([]domain.StoredKey, error) {
	if err := s.begin(ctx, "ListKeys"); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	scope, err := normScope(scope)
	if err != nil {
		return nil, err
	}
	out := []domain.StoredKey{}
	for _, k := range s.keys {
		if k.Scope == scope {
			out = append(out, cloneKey(k))
		}
	}
	slices.SortFunc(out, func(a, b domain.StoredKey) int { return cmp.Compare(a.Provider, b.Provider) })
	return out, nil
}

// KeysAfter returns up to limit keys of every scope with ID > afterID,
// ordered by ID (ports.KeyStore).
func (s *Store) KeysAfter(ctx context.Context, afterID int64, limit int) ([]domain.StoredKey, error) {
	if err := s.begin(ctx, "KeysAfter"); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	if limit <= 0 {
		return nil, &domain.ValidationError{Field: "limit", Reason: "must be positive"}
	}
	var ids []int64
	for id := range s.keys {
		if id > afterID {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	out := make([]domain.StoredKey, 0, min(limit, len(ids)))
	for _, id := range ids[:min(limit, len(ids))] {
		out = append(out, cloneKey(s.keys[id]))
	}
	return out, nil
}

// ReplaceCiphertexts sets the ciphertext and key id of each key by ID,
// all or none, skipping keys whose UpdatedAt (when set) is no longer the
// stored one and keys that no longer exist (ports.KeyStore).
func (s *Store) ReplaceCiphertexts(ctx context.Context, keys []domain.StoredKey) error {
	if err := s.begin(ctx, "ReplaceCiphertexts"); err != nil {
		return err
	}
	defer s.mu.Unlock()
	for i := range keys {
		if keys[i].ID <= 0 || len(keys[i].Ciphertext) == 0 {
			return &domain.ValidationError{Field: "keys", Reason: "every key needs an ID and a ciphertext"}
		}
	}
	for i := range keys {
		k := &keys[i]
		stored, ok := s.keys[k.ID]
		if !ok || !k.UpdatedAt.IsZero() && !k.UpdatedAt.Equal(stored.UpdatedAt) {
			continue
		}
		stored.Ciphertext, stored.KeyID = bytes.Clone(k.Ciphertext), k.KeyID
	}
	return nil
}
