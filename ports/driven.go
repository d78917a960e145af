package ports

import (
	"context"
	"time"

	"github.com/aimodels/aimodels/core/domain"
)

// Gateway is OpenRouter as the core sees it. Every error is a
// *domain.UpstreamError (or wraps one) whose Kind is a domain sentinel.
// The key is passed per call and never kept.
type Gateway interface {
	// ListModels fetches the whole catalog (every output modality). The
	// key may be empty: the catalog is public.
	ListModels(ctx context.Context, key domain.APIKey) ([]domain.Model, error)
	// KeyInfo returns what GET /key says about key; it proves the key works.
	KeyInfo(ctx context.Context, key domain.APIKey) (domain.KeyInfo, error)
	// Credits returns the account's credits; ordinary keys may get ErrInvalidKey or ErrForbidden.
	Credits(ctx context.Context, key domain.APIKey) (domain.Credits, error)
	// ChatCompletion sends a non-streaming chat completion.
	ChatCompletion(ctx context.Context, key domain.APIKey, req *domain.ChatRequest) (*domain.ChatResponse, error)
	// ChatCompletionStream sends a streaming chat completion.
	ChatCompletionStream(ctx context.Context, key domain.APIKey, req *domain.ChatRequest) (ChatStream, error)
	// Transcribe sends audio to POST /audio/transcriptions.
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

// KeyStore keeps encrypted API keys, one per scope and provider.
type KeyStore interface {
	// SaveKey inserts or replaces the key of k.Scope and k.Provider.
	SaveKey(ctx context.Context, k *domain.StoredKey) error
	// GetKey returns the key or an error wrapping domain.ErrNotFound.
	GetKey(ctx context.Context, scope, provider string) (*domain.StoredKey, error)
	// DeleteKey removes the key; deleting a missing key wraps domain.ErrNotFound.
	DeleteKey(ctx context.Context, scope, provider string) error
	// ListKeys returns the scope's keys.
	ListKeys(ctx context.Context, scope string) ([]domain.StoredKey, error)
	// KeysAfter returns up to limit keys of every scope with ID > afterID, by ID; for rotation.
	KeysAfter(ctx context.Context, afterID int64, limit int) ([]domain.StoredKey, error)
	// ReplaceCiphertexts updates the ciphertext and key id of each key, by
	// ID, in one transaction: all or none.
	ReplaceCiphertexts(ctx context.Context, keys []domain.StoredKey) error
}

// SelectionStore keeps the selected model per scope and type.
type SelectionStore interface {
	// GetSelections returns the scope's saved selections (any order).
	GetSelections(ctx context.Context, scope string) ([]domain.SavedSelection, error)
	// SaveSelection inserts or replaces the selection of s.Scope and s.Type.
	SaveSelection(ctx context.Context, s *domain.SavedSelection) error
	// SaveSelections saves several types at once, in one transaction: all
	// or none.
	SaveSelections(ctx context.Context, sels []domain.SavedSelection) error
}

// PromptStore keeps prompts; names are unique per scope.
type PromptStore interface {
	// ListPrompts returns the scope's prompts by name; t filters when non-empty.
	ListPrompts(ctx context.Context, scope string, t domain.ModelType) ([]domain.Prompt, error)
	// GetPrompt returns one prompt or an error wrapping domain.ErrNotFound.
	GetPrompt(ctx context.Context, scope string, id int64) (*domain.Prompt, error)
	// CreatePrompt stores p and sets its ID and timestamps; a duplicate name wraps domain.ErrConflict.
	CreatePrompt(ctx context.Context, p *domain.Prompt) error
	// UpdatePrompt replaces name, type and text of p.ID; wraps ErrNotFound or ErrConflict.
	UpdatePrompt(ctx context.Context, p *domain.Prompt) error
	// DeletePrompt removes the prompt; wraps ErrNotFound when missing.
	DeletePrompt(ctx context.Context, scope string, id int64) error
}

// Pinger reports whether a store can be reached.
type Pinger interface {
	// Ping returns nil when the store answers.
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
