package core

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/aimodels/aimodels/core/domain"
	"github.com/aimodels/aimodels/ports"
)

// Deps are the driven ports a Service needs. Gateway, Keys, Selections,
// Prompts and Cipher are required; Clock, Pinger and Logger are optional.
type Deps struct {
	Gateway    ports.Gateway
	Keys       ports.KeyStore
	Selections ports.SelectionStore
	Prompts    ports.PromptStore
	Cipher     ports.Cipher
	// Pinger backs Ready; without it Ready always succeeds.
	Pinger ports.Pinger
	// Clock defaults to the system clock.
	Clock ports.Clock
	// Logger defaults to a logger that discards everything.
	Logger *slog.Logger
}

// Options tune a Service. Zero values take the defaults.
type Options struct {
	// CatalogTTL is how long a fetched catalog is served before it is
	// fetched again. Default 10 minutes.
	CatalogTTL time.Duration
	// CatalogRetryAfter is how long to wait before trying again after a
	// failed refresh while a stale catalog is served. Default min(CatalogTTL, 30s).
	CatalogRetryAfter time.Duration
	// CatalogFetchTimeout bounds one shared catalog fetch. Default 60s.
	CatalogFetchTimeout time.Duration
	// SettingsTTL is how long a scope's stored key and selection are cached
	// in this process. Writes through this process invalidate at once;
	// writes through another replica are seen within SettingsTTL.
	// Default 5s; negative disables the cache.
	SettingsTTL time.Duration
	// Preferences overrides domain.DefaultPreferences for recommended defaults.
	Preferences map[domain.ModelType][]string
}

// Service implements ports.Service.
type Service struct {
	deps    Deps
	log     *slog.Logger
	clock   ports.Clock
	catalog *catalogCache
	keys    *ttlCache[*domain.StoredKey]
	sels    *ttlCache[[]domain.SavedSelection]
	prefs   map[domain.ModelType][]string
	// rechecks bounds re-reads of cached key records that stop decrypting.
	rechecks rechecks
}

var _ ports.Service = (*Service)(nil)

// New returns a Service over deps.
func New(deps Deps, opts Options) (*Service, error) {
	switch {
	case deps.Gateway == nil:
		return nil, errors.New("core.New: Deps.Gateway is required")
	case deps.Keys == nil:
		return nil, errors.New("core.New: Deps.Keys is required")
	case deps.Selections == nil:
		return nil, errors.New("core.New: Deps.Selections is required")
	case deps.Prompts == nil:
		return nil, errors.New("core.New: Deps.Prompts is required")
	case deps.Cipher == nil:
		return nil, errors.New("core.New: Deps.Cipher is required")
	}
	if deps.Clock == nil {
		deps.Clock = ports.SystemClock{}
	}
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.CatalogTTL <= 0 {
		opts.CatalogTTL = 10 * time.Minute
	}
	if opts.CatalogRetryAfter <= 0 {
		opts.CatalogRetryAfter = min(opts.CatalogTTL, 30*time.Second)
	}
	if opts.CatalogFetchTimeout <= 0 {
		opts.CatalogFetchTimeout = 60 * time.Second
	}
	if opts.SettingsTTL == 0 {
		opts.SettingsTTL = 5 * time.Second
	}
	prefs := opts.Preferences
	if prefs == nil {
		prefs = domain.DefaultPreferences
	}
	s := &Service{
		deps:  deps,
		log:   deps.Logger,
		clock: deps.Clock,
		prefs: prefs,
	}
	s.catalog = newCatalogCache(deps.Gateway, deps.Clock, deps.Logger, opts)
	s.catalog.key = func(ctx context.Context) domain.APIKey {
		// The catalog is shared by every scope; it is fetched with the
		// default scope's key when one is stored (a gateway listing
		// /models/user needs one), and without a key otherwise.
		k, err := s.apiKey(ctx, domain.DefaultScope)
		if err != nil {
			return ""
		}
		return k
	}
	s.keys = newTTLCache[*domain.StoredKey](deps.Clock, opts.SettingsTTL)
	s.sels = newTTLCache[[]domain.SavedSelection](deps.Clock, opts.SettingsTTL)
	return s, nil
}

// Ready reports whether the stores can be reached.
func (s *Service) Ready(ctx context.Context) error {
	if s.deps.Pinger == nil {
		return nil
	}
	if err := s.deps.Pinger.Ping(ctx); err != nil {
		return &domain.StoreError{Kind: domain.ErrStoreUnavailable, Op: "ping", Err: err}
	}
	return nil
}

func scopeOrDefault(scope string) string {
	if scope == "" {
		return domain.DefaultScope
	}
	return scope
}
