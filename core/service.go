package core

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/aimodels/aimodels/core/domain"
	"github.com/aimodels/aimodels/ports"
)

// Deps are the driven ports of a whole Service. Gateway, Keys,
// Selections, Prompts and Cipher are required; Pinger is optional
// (without it Ready always succeeds), and so is Snapshots (without it the
// catalog served before is remembered in this process only).
type Deps struct {
	Gateway    ports.Gateway
	Keys       ports.KeyStore
	Selections ports.SelectionStore
	Prompts    ports.PromptStore
	Cipher     ports.Cipher
	Pinger     ports.Pinger
	// Usage, when set, keeps the usage ledger: every request sent
	// upstream is recorded (off the request path, see Ledger), the
	// balance gains a burn rate and is kept as snapshots.
	Usage ports.UsageStore
	// Snapshots, when set, keeps the catalog served last across restarts
	// and replicas (see Catalog's changes).
	Snapshots ports.CatalogSnapshotStore
}

// Options tune the use cases. Zero values take the defaults.
type Options struct {
	// Clock defaults to the system clock.
	Clock ports.Clock
	// Logger defaults to a logger that discards everything.
	Logger *slog.Logger
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
	// MaxPromptsPerScope bounds how many prompts a scope keeps; a create
	// beyond it is refused. Default domain.DefaultMaxPromptsPerScope.
	// Concurrent creates may pass it by at most their number.
	MaxPromptsPerScope int
	// Ledger tunes the usage ledger (with Deps.Usage).
	Ledger LedgerOptions
}

// withDefaults returns o with every zero value replaced by its default.
func (o Options) withDefaults() Options {
	if o.Clock == nil {
		o.Clock = ports.SystemClock{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.CatalogTTL <= 0 {
		o.CatalogTTL = 10 * time.Minute
	}
	if o.CatalogRetryAfter <= 0 {
		o.CatalogRetryAfter = min(o.CatalogTTL, 30*time.Second)
	}
	if o.CatalogFetchTimeout <= 0 {
		o.CatalogFetchTimeout = 60 * time.Second
	}
	if o.SettingsTTL == 0 {
		o.SettingsTTL = 5 * time.Second
	}
	if o.MaxPromptsPerScope <= 0 {
		o.MaxPromptsPerScope = domain.DefaultMaxPromptsPerScope
	}
	if o.Preferences == nil {
		o.Preferences = domain.DefaultPreferences
	}
	return o
}

// Service bundles every use case over one set of ports, for importers that
// want them all (the aimodels server does). It implements ports.Service;
// each embedded use case can also be used alone.
type Service struct {
	*ModelManager
	*Account
	*Keys
	*Prompts
	*Requests
	*Usage
	pinger ports.Pinger
	ledger *Ledger
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
	keys := NewKeys(deps.Keys, deps.Cipher, opts)
	keys.checker = deps.Gateway
	models := NewModelManager(deps.Gateway, deps.Selections, keys, opts)
	models.changes.store = deps.Snapshots
	prompts := NewPrompts(deps.Prompts, opts)
	s := &Service{
		ModelManager: models,
		Account:      NewAccount(deps.Gateway, keys, opts),
		Keys:         keys,
		Prompts:      prompts,
		Requests:     NewRequests(deps.Gateway, keys, models, prompts, opts),
		Usage:        NewUsage(deps.Usage, opts),
		pinger:       deps.Pinger,
	}
	if deps.Usage != nil {
		o := opts.withDefaults()
		s.ledger = NewLedger(deps.Usage, opts.Ledger, o.Clock, o.Logger)
		s.Requests.ledger = s.ledger
		s.Account.usage = &usageAccount{store: deps.Usage, clock: o.Clock, last: map[string]time.Time{}}
	}
	return s, nil
}

// Ledger returns the usage ledger (nil without Deps.Usage).
func (s *Service) Ledger() *Ledger { return s.ledger }

// Close writes the usage rows still buffered (see Ledger.Close), until
// ctx ends. Call it after the last request has been answered.
func (s *Service) Close(ctx context.Context) error {
	if s.ledger == nil {
		return nil
	}
	return s.ledger.Close(ctx)
}

// Ready reports whether the stores can be reached.
func (s *Service) Ready(ctx context.Context) error {
	if s.pinger == nil {
		return nil
	}
	if err := s.pinger.Ping(ctx); err != nil {
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
