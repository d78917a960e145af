package core

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/aimodels/aimodels/core/domain"
)

// Providers whose keys aimodels stores.
var Providers = []string{domain.ProviderOpenRouter}

func checkProvider(p string) error {
	for _, known := range Providers {
		if p == known {
			return nil
		}
	}
	return &domain.ValidationError{Field: "provider", Reason: "unknown provider; use openrouter"}
}

// KeyStatuses returns the masked status of every provider's key.
func (s *Service) KeyStatuses(ctx context.Context, scope string) ([]domain.KeyStatus, error) {
	scope = scopeOrDefault(scope)
	stored, err := s.deps.Keys.ListKeys(ctx, scope)
	if err != nil {
		return nil, fmt.Errorf("list keys: %w", err)
	}
	out := make([]domain.KeyStatus, 0, len(Providers))
	for _, p := range Providers {
		st := domain.KeyStatus{Provider: p}
		for i := range stored {
			if stored[i].Provider == p {
				st.Configured, st.Masked, st.UpdatedAt = true, stored[i].Hint, stored[i].UpdatedAt
			}
		}
		out = append(out, st)
	}
	return out, nil
}

// SetKey validates, encrypts and stores a key; the plaintext is kept
// nowhere and only the masked form is returned.
func (s *Service) SetKey(ctx context.Context, scope, provider, raw string) (domain.KeyStatus, error) {
	scope = scopeOrDefault(scope)
	if err := checkProvider(provider); err != nil {
		return domain.KeyStatus{}, err
	}
	key, err := domain.ValidateKey(raw)
	if err != nil {
		return domain.KeyStatus{}, err
	}
	ct, keyID, err := s.deps.Cipher.Encrypt([]byte(key.Reveal()), domain.AssociatedData(scope, provider))
	if err != nil {
		return domain.KeyStatus{}, fmt.Errorf("encrypt key: %w", err)
	}
	rec := &domain.StoredKey{Scope: scope, Provider: provider, Ciphertext: ct, KeyID: keyID, Hint: key.Masked()}
	defer s.keys.forget(scope)
	if err := s.deps.Keys.SaveKey(ctx, rec); err != nil {
		return domain.KeyStatus{}, fmt.Errorf("save key: %w", err)
	}
	at := rec.UpdatedAt
	if at.IsZero() {
		at = s.clock.Now().UTC()
	}
	return domain.KeyStatus{Provider: provider, Configured: true, Masked: rec.Hint, UpdatedAt: at}, nil
}

// DeleteKey removes a key.
func (s *Service) DeleteKey(ctx context.Context, scope, provider string) error {
	scope = scopeOrDefault(scope)
	if err := checkProvider(provider); err != nil {
		return err
	}
	defer s.keys.forget(scope)
	if err := s.deps.Keys.DeleteKey(ctx, scope, provider); err != nil {
		return fmt.Errorf("delete key: %w", err)
	}
	return nil
}

// apiKey returns the scope's decrypted OpenRouter key for one request.
// The encrypted record is cached for SettingsTTL; the plaintext is not.
func (s *Service) apiKey(ctx context.Context, scope string) (domain.APIKey, error) {
	k, cached, err := s.apiKeyOnce(ctx, scope)
	if cached && errors.Is(err, domain.ErrDecrypt) && s.rechecks.due(scope, s.clock.Now(), s.keys.ttl) {
		// The cached record may predate a key rotation that re-encrypted
		// it under a key it does not know (and disabled the old one):
		// read it from the store once more, at most once per TTL, so that
		// a keyset that cannot read it does not turn every request into a
		// database read.
		s.keys.forget(scope)
		k, _, err = s.apiKeyOnce(ctx, scope)
	}
	return k, err
}

// rechecks remembers, per scope, when a key record was last read again
// because the cached one no longer decrypted.
type rechecks struct {
	mu   sync.Mutex
	last map[string]time.Time
}

// due reports whether scope may be read again now, and if so notes it.
func (r *rechecks) due(scope string, now time.Time, every time.Duration) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if t, ok := r.last[scope]; ok && now.Sub(t) < every {
		return false
	}
	if r.last == nil {
		r.last = make(map[string]time.Time)
	}
	r.last[scope] = now
	return true
}

// apiKeyOnce loads (or takes from the cache) and decrypts the key;
// cached reports that the record came from the cache.
func (s *Service) apiKeyOnce(ctx context.Context, scope string) (_ domain.APIKey, cached bool, _ error) {
	rec, ok, hit := s.keys.get(scope)
	if !hit {
		gen := s.keys.generation()
		r, err := s.deps.Keys.GetKey(ctx, scope, domain.ProviderOpenRouter)
		switch {
		case errors.Is(err, domain.ErrNotFound):
			s.keys.put(gen, scope, nil, false)
		case err != nil:
			return "", false, fmt.Errorf("load API key: %w", err)
		default:
			rec, ok = r, true
			s.keys.put(gen, scope, r, true)
		}
	}
	if !ok {
		return "", hit, domain.ErrNoAPIKey
	}
	pt, err := s.deps.Cipher.Decrypt(rec.Ciphertext, domain.AssociatedData(rec.Scope, rec.Provider))
	if err != nil {
		if !errors.Is(err, domain.ErrDecrypt) {
			err = fmt.Errorf("%w: %w", domain.ErrDecrypt, err)
		}
		return "", hit, fmt.Errorf("API key of scope %q: %w", scope, err)
	}
	return domain.APIKey(pt), hit, nil
}
