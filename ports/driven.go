package ports

import (
	"context"
	"time"

	"github.com/aimodels/aimodels/core/domain"
)

// Gateway is OpenRouter as the core sees it: the three parts below, each
// taken alone by the use case that needs it. Every error wraps a domain
// sentinel (errors.Is(err, domain.ErrRateLimited), …) and, where the
// upstream asked to wait, answers domain.RetryAfterOf. The key is passed
// per call and never kept.
type Gateway interface {
	CatalogGateway
	AccountGateway
	InferenceGateway
}

// CatalogGateway lists the models.
type CatalogGateway interface {
	// ListModels fetches the whole catalog (every output modality). The
	// key may be empty: the catalog is public.
	ListModels(ctx context.Context, key domain.APIKey) ([]domain.Model, error)
}

// AccountGateway reads what the account and the key may spend.
type AccountGateway interface {
	// KeyInfo returns what GET /key says about key; it proves the key works.
	KeyInfo(ctx context.Context, key domain.APIKey) (domain.KeyInfo, error)
	// Credits returns the account's credits; ordinary keys may get ErrInvalidKey or ErrForbidden.
	Credits(ctx context.Context, key domain.APIKey) (domain.Credits, error)
}

// InferenceGateway sends requests to models.
type InferenceGateway interface {
	// ChatCompletion sends a non-streaming chat completion.
	ChatCompletion(ctx context.Context, key domain.APIKey, req *domain.ChatRequest) (*domain.ChatResponse, error)
	// ChatCompletionStream sends a streaming chat completion.
	ChatCompletionStream(ctx context.Context, key domain.APIKey, req *domain.ChatRequest) (ChatStream, error)
	// Transcribe sends audio to a speech-to-text model.
	Transcribe(ctx context.Context, key domain.APIKey, req *domain.TranscriptionRequest) (*domain.Transcription, error)
}

// ChatStream is a streamed completion. Recv returns io.EOF after the last
// chunk; an error object inside the stream comes back as a typed error.
type ChatStream interface {
	// Recv returns the next chunk.
	Recv() (domain.StreamChunk, error)
	// Close releases the connection; it is safe to call more than once.
	Close() error
}

// StreamMetaReporter is implemented by a ChatStream that can tell, once
// it has ended, what its upstream said of the completion (generation id,
// model, provider, usage); the ledger reads it when the stream ends.
type StreamMetaReporter interface {
	// StreamMeta returns what the chunks received so far said.
	StreamMeta() domain.StreamMeta
}

// KeyStore keeps encrypted API keys, one per scope and provider. It never
// sees a plaintext key.
//
// Rules every store port (KeyStore, SelectionStore, PromptStore, Pinger)
// follows, and test/contract checks:
//
//   - Scopes. The empty scope is domain.DefaultScope. Scopes compare
//     exactly (case-sensitive), and nothing of one scope is seen, changed
//     or deleted through another; only KeysAfter and ReplaceCiphertexts,
//     which serve key rotation, span every scope. A scope the store
//     cannot hold (over 64 bytes in gormstore) is a
//     *domain.ValidationError.
//   - Errors. A failure of the store is a *domain.StoreError whose Kind
//     is domain.ErrNotFound (no such record), domain.ErrConflict (a
//     uniqueness rule) or domain.ErrStoreUnavailable (the store cannot be
//     reached or has been closed; trying again later may succeed), tested
//     with errors.Is. Input the store cannot hold is a
//     *domain.ValidationError (errors.Is(err, domain.ErrValidation)). A
//     call whose context is already done changes nothing and returns an
//     error wrapping ctx.Err(). Any other error is a fault of the store.
//   - Results. A method that fills in its argument (IDs, scope,
//     timestamps) does so only when it succeeds. A list with nothing in
//     it is empty with a nil error, never domain.ErrNotFound. Times are
//     UTC with microsecond precision.
//   - Concurrency. Every method is safe for concurrent use; concurrent
//     saves of one record leave one record, whole (never mixed from two
//     saves), holding one of the saved values; the last write wins.
type KeyStore interface {
	// SaveKey inserts or replaces the key of k.Scope and k.Provider; the
	// provider and the ciphertext are required (else a
	// *domain.ValidationError). It sets k.ID (kept when a key is
	// replaced; the given k.ID is ignored), k.Scope, k.CreatedAt (of the
	// first save, kept when replaced) and k.UpdatedAt (this save).
	SaveKey(ctx context.Context, k *domain.StoredKey) error
	// GetKey returns the key of scope and provider, or an error wrapping
	// domain.ErrNotFound.
	GetKey(ctx context.Context, scope, provider string) (*domain.StoredKey, error)
	// DeleteKey removes the key of scope and provider; deleting a missing
	// key wraps domain.ErrNotFound.
	DeleteKey(ctx context.Context, scope, provider string) error
	// ListKeys returns the scope's keys ordered by provider.
	ListKeys(ctx context.Context, scope string) ([]domain.StoredKey, error)
	// KeysAfter returns up to limit keys of every scope with ID > afterID,
	// ordered by ID, for rotation: paging with afterID = the last ID seen
	// visits every key once; an empty result is the end. A limit below 1
	// is a *domain.ValidationError.
	KeysAfter(ctx context.Context, afterID int64, limit int) ([]domain.StoredKey, error)
	// ReplaceCiphertexts sets the Ciphertext and KeyID of each key, found
	// by ID (its Scope and Provider are not used), in one transaction:
	// all or none. Everything else of the row, UpdatedAt included, is
	// kept. Every key needs an ID and a ciphertext, else the call is a
	// *domain.ValidationError and changes nothing.
	//
	// A key whose UpdatedAt is set is replaced only if the stored key
	// still has that UpdatedAt: a key saved again or deleted since it was
	// read (by KeysAfter) is skipped, so a rotation never overwrites a
	// newer key with an old one, nor brings a deleted one back. A key
	// whose ID no longer exists is skipped too. Skipped keys are not an
	// error and are not reported: the call returns nil, and a caller that
	// must know reads the keys again. An empty slice changes nothing.
	ReplaceCiphertexts(ctx context.Context, keys []domain.StoredKey) error
}

// SelectionStore keeps the selected model per scope and type, with the
// snapshot of its name and prices and its ordered fallbacks. It follows
// the rules common to every store, stated on KeyStore.
//
// Fallbacks: a selection keeps up to domain.MaxFallbacks fallback model
// ids in the order given, each a model id, none equal to ModelID, none
// twice (domain.CheckFallbacks; else a *domain.ValidationError naming
// "fallbacks[i]"). Whether the catalog has them is the caller's rule, not
// the store's. A selection saved without fallbacks, or saved before the
// store kept any, reads back with Fallbacks nil. A save replaces the
// fallbacks with the given ones (nil clears them); the returned and the
// stored lists never share memory with the caller's.
type SelectionStore interface {
	// GetSelections returns the scope's saved selections, at most one per
	// type, ordered by type name (audio, image, text). A scope with
	// nothing saved gives an empty slice and a nil error.
	GetSelections(ctx context.Context, scope string) ([]domain.SavedSelection, error)
	// SaveSelection inserts or replaces the selection of s.Scope and
	// s.Type, keeping ModelID, ModelName, PromptCost, CompletionCost and
	// Fallbacks as given. A valid type, a model id and valid fallbacks
	// are required (else a *domain.ValidationError). s.SavedAt is stored
	// as given (in UTC, to the microsecond) or, when zero, set to now. It
	// sets s.Scope and s.SavedAt to what was stored.
	SaveSelection(ctx context.Context, s *domain.SavedSelection) error
	// SaveSelections saves several selections as SaveSelection does, all
	// or none: when one is invalid or the store fails, nothing is saved,
	// and readers never see part of the batch. An empty slice saves
	// nothing.
	SaveSelections(ctx context.Context, sels []domain.SavedSelection) error
}

// PromptStore keeps prompts; names are unique per scope. The store keeps
// type and text as given and the name in Unicode NFC (so two spellings
// of one visible name are one prompt): validating them is the caller's job. It
// follows the rules common to every store, stated on KeyStore, and these:
//
//   - Versions. A prompt keeps every text it has had as a numbered
//     domain.PromptVersion (number, name, type and text as saved, scope,
//     time saved). CreatePrompt saves version 1; an UpdatePrompt that
//     changes the name, type or text saves the next number (the current
//     one plus 1) and makes it the prompt's Version; an update that
//     changes none of them (a retried PUT, or only the default flag)
//     saves no version. Numbers are never reused while the prompt
//     exists, even under concurrent updates: each update saves its own.
//     DeletePrompt deletes the prompt's versions with it.
//   - Default of its type. At most one prompt per scope and type has
//     Default set. Creating or updating a prompt with Default set unmarks
//     the scope's previous default of that type in the same transaction,
//     so readers see the old default or the new one, never two and never
//     none; concurrent markings leave exactly one marked. An update with
//     Default false unmarks the prompt. Changing a default prompt's type
//     makes it the default of the new type (unmarking that type's
//     previous default).
type PromptStore interface {
	// ListPrompts returns the scope's prompts that q selects, ordered by
	// name (byte order), then ID: of q.Type only when it is set, after
	// (q.AfterName, q.AfterID) in that order when AfterName is set, and at
	// most q.Limit of them when it is above 0.
	ListPrompts(ctx context.Context, scope string, q domain.PromptQuery) ([]domain.Prompt, error)
	// GetPromptByName returns the scope's prompt of that name (compared in
	// NFC), or an error wrapping domain.ErrNotFound.
	GetPromptByName(ctx context.Context, scope, name string) (*domain.Prompt, error)
	// CountPrompts returns how many prompts the scope keeps.
	CountPrompts(ctx context.Context, scope string) (int, error)
	// GetPrompt returns prompt id of scope, or an error wrapping
	// domain.ErrNotFound (also when the id belongs to another scope).
	GetPrompt(ctx context.Context, scope string, id int64) (*domain.Prompt, error)
	// CreatePrompt stores p as a new prompt with its version 1 and sets
	// p.ID (the given one is ignored), p.Scope, p.Version (1),
	// p.CreatedAt and p.UpdatedAt; a name already used in the scope wraps
	// domain.ErrConflict. p.Default marks it the default of its type.
	CreatePrompt(ctx context.Context, p *domain.Prompt) error
	// UpdatePrompt replaces the name, type, text and default flag of
	// prompt p.ID of p.Scope and sets p.Scope, p.Version (the new number,
	// or the kept one when nothing versioned changed), p.UpdatedAt (now)
	// and p.CreatedAt (kept); the given p.Version is ignored. A prompt
	// missing from the scope wraps domain.ErrNotFound; a name used by
	// another prompt of the scope wraps domain.ErrConflict.
	UpdatePrompt(ctx context.Context, p *domain.Prompt) error
	// DeletePrompt removes prompt id of scope and its versions, freeing
	// its name; a prompt missing from the scope wraps domain.ErrNotFound.
	DeletePrompt(ctx context.Context, scope string, id int64) error
	// ListPromptVersions returns the versions of prompt id of scope,
	// newest (highest number) first: below q.Before when it is above 0,
	// at most q.Limit of them when it is above 0. A prompt missing from
	// the scope wraps domain.ErrNotFound.
	ListPromptVersions(ctx context.Context, scope string, id int64, q domain.PromptVersionQuery) ([]domain.PromptVersion, error)
	// GetPromptVersion returns version n of prompt id of scope, or an
	// error wrapping domain.ErrNotFound when the prompt or the version
	// does not exist.
	GetPromptVersion(ctx context.Context, scope string, id int64, n int) (*domain.PromptVersion, error)
	// DefaultPrompts returns the scope's default prompts, at most one per
	// type, ordered by type name (audio, image, text); none is an empty
	// slice.
	DefaultPrompts(ctx context.Context, scope string) ([]domain.Prompt, error)
}

// UsageStore keeps the usage ledger: one row per request sent upstream
// (usage_events), daily rollups per scope, day, type, model and outcome
// that are updated with every insert, and balance snapshots. Raw rows are
// pruned after a retention period; rollups are kept. It follows the rules
// common to every store, stated on KeyStore.
type UsageStore interface {
	// InsertUsage stores events and adds them to their rollups, in one
	// transaction: all or none. Every event needs a Key; an event whose
	// Key is already stored is skipped (neither stored again nor counted
	// again), so a batch whose write is retried after a lost answer is
	// counted once. It sets the ID of the events it stored. An empty
	// slice changes nothing.
	InsertUsage(ctx context.Context, events []domain.UsageEvent) error
	// UsageRollups returns the scope's rollups of the days in [from, to),
	// ordered by day, type, model, outcome.
	UsageRollups(ctx context.Context, scope string, from, to time.Time) ([]domain.UsageRollup, error)
	// ListUsage returns the scope's events q selects, newest first (by
	// time, then id), at most q.Limit (a limit below 1 is a
	// *domain.ValidationError).
	ListUsage(ctx context.Context, scope string, q domain.UsageListQuery) ([]domain.UsageEvent, error)
	// SaveBalanceSnapshot stores a snapshot (its Scope and Time set).
	SaveBalanceSnapshot(ctx context.Context, s domain.BalanceSnapshot) error
	// BalanceSnapshots returns the scope's snapshots with Time in
	// [from, to), oldest first, at most limit (below 1: no limit).
	BalanceSnapshots(ctx context.Context, scope string, from, to time.Time, limit int) ([]domain.BalanceSnapshot, error)
	// PruneUsage deletes the events (of every scope) older than before,
	// keeping the rollups, and returns how many it deleted.
	PruneUsage(ctx context.Context, before time.Time) (int64, error)
}

// CatalogSnapshotStore keeps the catalog the server served last, one
// record for every scope (the catalog is global), so that a refresh can
// tell what changed, also across restarts and replicas. It follows the
// rules common to every store, stated on KeyStore, except scopes.
type CatalogSnapshotStore interface {
	// GetCatalogSnapshot returns the snapshot saved last, or an error
	// wrapping domain.ErrNotFound when none was.
	GetCatalogSnapshot(ctx context.Context) (*domain.CatalogSnapshot, error)
	// SaveCatalogSnapshot replaces the snapshot with s (TakenAt stored in
	// UTC to the microsecond), whole.
	SaveCatalogSnapshot(ctx context.Context, s *domain.CatalogSnapshot) error
}

// Pinger reports whether a store can be reached.
type Pinger interface {
	// Ping returns nil when the store answers, else a *domain.StoreError
	// whose Kind is domain.ErrStoreUnavailable.
	Ping(ctx context.Context) error
}

// Cipher is authenticated encryption of secrets. Decrypt fails (wrapping
// domain.ErrDecrypt) unless the associated data is the one used to encrypt.
type Cipher interface {
	// Encrypt returns the ciphertext and the id of the key that made it.
	Encrypt(plaintext, associatedData []byte) (ciphertext []byte, keyID uint32, err error)
	// Decrypt returns the plaintext.
	Decrypt(ciphertext, associatedData []byte) ([]byte, error)
}

// KeyRotator manages the keys of a Cipher's keyset for rotation.
type KeyRotator interface {
	// PrimaryKeyID returns the id of the key new ciphertexts use.
	PrimaryKeyID() uint32
	// AddPrimaryKey adds a new key, makes it primary, persists the keyset
	// and returns the new key's id; older keys still decrypt.
	AddPrimaryKey(ctx context.Context) (uint32, error)
	// DisableKey disables a non-primary key and persists the keyset.
	DisableKey(ctx context.Context, keyID uint32) error
}

// Clock tells the time; tests use a fake.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
}
