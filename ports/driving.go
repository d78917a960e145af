package ports

import (
	"context"
	"time"

	"github.com/aimodels/aimodels/core/domain"
)

// CatalogView is the catalog as the core serves it.
type CatalogView struct {
	// Catalog is the snapshot; never nil on success.
	Catalog *domain.Catalog
	// Stale is true when the last refresh failed and an older catalog is served.
	Stale bool
	// StaleReason is the error of the failed refresh, when Stale.
	StaleReason error
	// Version changes whenever the catalog snapshot changes.
	Version uint64
	// Recommended is each type's recommended default and its rule (set
	// by ModelService.Catalog; nil elsewhere).
	Recommended map[domain.ModelType]domain.Recommendation
	// Changes is what changed since the catalog served before this one,
	// nil when no earlier catalog is known (set by ModelService.Catalog).
	Changes *domain.CatalogChanges
}

// ModelService is the catalog and the per-type selection.
type ModelService interface {
	// Catalog returns the cached catalog, fetching it when cold or expired,
	// or always when refresh is true.
	Catalog(ctx context.Context, refresh bool) (CatalogView, error)
	// Selection returns the scope's model for every type.
	Selection(ctx context.Context, scope string) (domain.Selection, error)
	// SaveSelection validates and saves the given types' models; nothing is
	// saved when any of them is invalid. Each type keeps its fallbacks.
	SaveSelection(ctx context.Context, scope string, choices map[domain.ModelType]string) (domain.Selection, error)
	// SaveChoices validates and saves the given types' models and
	// fallbacks (or, with KeepFallbacks, keeps the saved fallbacks);
	// nothing is saved when any of them is invalid. An invalid fallback is
	// a *domain.ValidationError naming it, such as "text.fallbacks[1]".
	SaveChoices(ctx context.Context, scope string, choices map[domain.ModelType]domain.SelectionChoice) (domain.Selection, error)
}

// AccountService is the balance and the connection test.
type AccountService interface {
	// Balance returns what the scope's key can still spend and what was spent.
	Balance(ctx context.Context, scope string) (domain.Balance, error)
	// TestConnection checks the scope's key with an authenticated call.
	// Failures are reported in the result, not as an error.
	TestConnection(ctx context.Context, scope string) domain.ConnectionResult
}

// KeyService manages the stored API keys.
type KeyService interface {
	// KeyStatuses returns the masked status of every provider's key.
	KeyStatuses(ctx context.Context, scope string) ([]domain.KeyStatus, error)
	// SetKey validates, encrypts and stores a key, returning its masked status.
	SetKey(ctx context.Context, scope, provider, key string) (domain.KeyStatus, error)
	// DeleteKey removes a key; a missing key wraps domain.ErrNotFound.
	DeleteKey(ctx context.Context, scope, provider string) error
}

// PromptService manages prompts.
type PromptService interface {
	// ListPrompts returns one page of the scope's prompts in name order:
	// of type t when set, after cursor (a page's Next; "" to start), at
	// most limit (0 for the default).
	ListPrompts(ctx context.Context, scope string, t domain.ModelType, cursor string, limit int) (domain.PromptPage, error)
	// GetPrompt returns one prompt; a missing one wraps domain.ErrNotFound.
	GetPrompt(ctx context.Context, scope string, id int64) (*domain.Prompt, error)
	// CreatePrompt validates and stores a new prompt; a duplicate name wraps domain.ErrConflict.
	CreatePrompt(ctx context.Context, scope string, p domain.Prompt) (*domain.Prompt, error)
	// UpdatePrompt validates and replaces the name, type, text and default flag of prompt p.ID.
	UpdatePrompt(ctx context.Context, scope string, p domain.Prompt) (*domain.Prompt, error)
	// DeletePrompt removes a prompt; a missing one wraps domain.ErrNotFound.
	DeletePrompt(ctx context.Context, scope string, id int64) error
	// ListPromptVersions returns one page of a prompt's versions, newest
	// first; a missing prompt wraps domain.ErrNotFound.
	ListPromptVersions(ctx context.Context, scope string, id int64, cursor string, limit int) (domain.PromptVersionPage, error)
	// RestorePromptVersion saves version n's type and text as the
	// prompt's new latest version; a missing prompt or version wraps
	// domain.ErrNotFound.
	RestorePromptVersion(ctx context.Context, scope string, id int64, n int) (*domain.Prompt, error)
}

// RequestService sends requests to the selected models.
type RequestService interface {
	// Complete sends a chat completion; req.Model may be a type name.
	Complete(ctx context.Context, scope string, req *domain.ChatRequest) (*domain.ChatResponse, error)
	// Stream sends a streaming chat completion. The core's stream also
	// has a Model() string method naming the model the request was sent
	// to (first, when the type has fallbacks); each chunk names the model
	// that served it.
	Stream(ctx context.Context, scope string, req *domain.ChatRequest) (ChatStream, error)
	// Transcribe turns audio into text with the selected (or named) audio model.
	Transcribe(ctx context.Context, scope string, req *domain.TranscriptionRequest) (*domain.Transcription, error)
}

// UsageService reports the usage ledger: what was spent and how
// requests went, per day, type and model.
type UsageService interface {
	// UsageReport sums the scope's usage over the days of [q.From, q.To)
	// from the daily rollups, grouped by q.GroupBy.
	UsageReport(ctx context.Context, scope string, q domain.UsageQuery) (domain.UsageReport, error)
	// UsageRequests returns one page of the scope's recent rows, newest
	// first, after cursor ("" to start).
	UsageRequests(ctx context.Context, scope string, q domain.UsageListQuery, cursor string) (domain.UsagePage, error)
	// ExportUsage calls each with every row of the scope in [from, to).
	ExportUsage(ctx context.Context, scope string, from, to time.Time, each func(*domain.UsageEvent) error) error
	// BalanceHistory returns the scope's balance snapshots in [from, to), oldest first.
	BalanceHistory(ctx context.Context, scope string, from, to time.Time) ([]domain.BalanceSnapshot, error)
}

// TryService tries a model before it is chosen.
type TryService interface {
	// Try sends a tiny real request of req.Type through the normal
	// request path and reports the answer, latency, usage and cost.
	Try(ctx context.Context, scope string, req domain.TryRequest) (*domain.TryResult, error)
}

// Readiness is what a readiness probe asks.
type Readiness interface {
	// Ready reports whether the stores can be reached.
	Ready(ctx context.Context) error
}

// Service is everything the core offers to driving adapters; each adapter
// takes only the parts it calls.
type Service interface {
	ModelService
	AccountService
	KeyService
	PromptService
	RequestService
	UsageService
	TryService
	Readiness
}

// SystemClock is the real Clock.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }
