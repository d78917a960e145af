package core

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/aimodels/aimodels/core/domain"
	"github.com/aimodels/aimodels/ports"
)

// Keys is the use case of the stored API keys: set (encrypted), delete,
// show masked, and decrypt one for a request. A scope's encrypted record
// is cached for Options.SettingsTTL; the plaintext never is.
type Keys struct {
	store    ports.KeyStore
	cipher   ports.Cipher
	clock    ports.Clock
	checker  ports.AccountGateway // checks a key before it is saved; nil: not checked
	cache    *ttlCache[*domain.StoredKey]
	rechecks rechecks
}

// NewKeys returns the keys use case over store and cipher.
func NewKeys(store ports.KeyStore, cipher ports.Cipher, opts Options) *Keys {
	o := opts.withDefaults()
	return &Keys{store: store, cipher: cipher, clock: o.Clock, cache: newTTLCache[*domain.StoredKey](o.Clock, o.SettingsTTL)}
}

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
func (ks *Keys) KeyStatuses(ctx context.Context, scope string) ([]domain.KeyStatus, error) {
	scope = scopeOrDefault(scope)
	stored, err := ks.store.ListKeys(ctx, scope)
	if err != nil {
		return nil, fmt.Errorf("list keys: %w", err)
	}
	out := make([]domain.KeyStatus, 0, len(Providers))
	for _, p := range Providers {
		st := domain.KeyStatus{Provider: p}
		for i := range stored {
			if stored[i].Provider == p {
				st.Configured, st.Masked, st.UpdatedAt = true, stored[i].Hint, stored[i].UpdatedAt
				st.Verification = stored[i].Verification
			}
		}
		out = append(out, st)
	}
	return out, nil
}

// KeyCheckTimeout bounds the check of a key being saved (GET /key);
// beyond it the key is saved as not checked.
const KeyCheckTimeout = 10 * time.Second

// verify asks OpenRouter about key (GET /key): verified when it answers,
// rejected on 401/403, unchecked on anything else (network, timeout,
// rate limit, outage), with the reason in words.
func (ks *Keys) verify(ctx context.Context, key domain.APIKey) domain.KeyVerification {
	if ks.checker == nil {
		return domain.KeyVerification{}
	}
	cctx, cancel := context.WithTimeout(ctx, KeyCheckTimeout)
	defer cancel()
	_, err := ks.checker.KeyInfo(cctx, key)
	v := domain.KeyVerification{Status: domain.VerificationVerified, CheckedAt: ks.clock.Now().UTC()}
	switch {
	case err == nil:
	case errors.Is(err, domain.ErrInvalidKey), errors.Is(err, domain.ErrForbidden):
		v.Status, v.Reason = domain.VerificationRejected, "OpenRouter rejected the API key"
	default:
		v.Status, v.Reason = domain.VerificationUnchecked, connectionFailure(err).Message
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, domain.ErrTimeout) {
			v.Reason = "OpenRouter did not answer in time"
		}
	}
	return v
}

// SetKey validates, checks with OpenRouter (GET /key), encrypts and
// stores a key with the outcome of the check; a rejected key is stored
// too, marked so. The plaintext is kept nowhere and only the masked form
// is returned.
func (ks *Keys) SetKey(ctx context.Context, scope, provider, raw string) (domain.KeyStatus, error) {
	scope = scopeOrDefault(scope)
	if err := checkProvider(provider); err != nil {
		return domain.KeyStatus{}, err
	}
	key, err := domain.ValidateKey(raw)
	if err != nil {
		return domain.KeyStatus{}, err
	}
	ct, keyID, err := ks.cipher.Encrypt([]byte(key.Reveal()), domain.AssociatedData(scope, provider))
	if err != nil {
		return domain.KeyStatus{}, fmt.Errorf("encrypt key: %w", err)
	}
	ver := ks.verify(ctx, key)
	if err := ctx.Err(); err != nil {
		return domain.KeyStatus{}, err
	}
	rec := &domain.StoredKey{Scope: scope, Provider: provider, Ciphertext: ct, KeyID: keyID, Hint: key.Masked(), Verification: ver}
	defer ks.cache.forget(scope)
	if err := ks.store.SaveKey(ctx, rec); err != nil {
		return domain.KeyStatus{}, fmt.Errorf("save key: %w", err)
	}
	at := rec.UpdatedAt
	if at.IsZero() {
		at = ks.clock.Now().UTC()
	}
	return domain.KeyStatus{Provider: provider, Configured: true, Masked: rec.Hint, UpdatedAt: at, Verification: ver}, nil
}

// DeleteKey removes a key.
func (ks *Keys) DeleteKey(ctx context.Context, scope, provider string) error {
	scope = scopeOrDefault(scope)
	if err := checkProvider(provider); err != nil {
		return err
	}
	defer ks.cache.forget(scope)
	if err := ks.store.DeleteKey(ctx, scope, provider); err != nil {
		return fmt.Errorf("delete key: %w", err)
	}
	return nil
}

// apiKey returns the scope's decrypted OpenRouter key for one request.
// The encrypted record is cached for SettingsTTL; the plaintext is not.
func (ks *Keys) apiKey(ctx context.Context, scope string) (domain.APIKey, error) {
	k, cached, err := ks.apiKeyOnce(ctx, scope)
	if cached && errors.Is(err, domain.ErrDecrypt) && ks.rechecks.due(scope, ks.clock.Now(), ks.cache.ttl) {
		// The cached record may predate a key rotation that re-encrypted
		// it under a key it does not know (and disabled the old one):
		// read it from the store once more, at most once per TTL, so that
		// a keyset that cannot read it does not turn every request into a
		// database read.
		ks.cache.forget(scope)
		k, _, err = ks.apiKeyOnce(ctx, scope)
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
func (ks *Keys) apiKeyOnce(ctx context.Context, scope string) (_ domain.APIKey, cached bool, _ error) {
	rec, ok, hit := ks.cache.get(scope)
	if !hit {
		gen := ks.cache.generation()
		r, err := ks.store.GetKey(ctx, scope, domain.ProviderOpenRouter)
		switch {
		case errors.Is(err, domain.ErrNotFound):
			ks.cache.put(gen, scope, nil, false)
		case err != nil:
			return "", false, fmt.Errorf("load API key: %w", err)
		default:
			rec, ok = r, true
			ks.cache.put(gen, scope, r, true)
		}
	}
	if !ok {
		return "", hit, domain.ErrNoAPIKey
	}
	pt, err := ks.cipher.Decrypt(rec.Ciphertext, domain.AssociatedData(rec.Scope, rec.Provider))
	if err != nil {
		if !errors.Is(err, domain.ErrDecrypt) {
			err = fmt.Errorf("%w: %w", domain.ErrDecrypt, err)
		}
		return "", hit, fmt.Errorf("API key of scope %q: %w", scope, err)
	}
	return domain.APIKey(pt), hit, nil
}
