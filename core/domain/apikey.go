package domain

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// ProviderOpenRouter is the provider name of OpenRouter API keys.
const ProviderOpenRouter = "openrouter"

// DefaultScope is the scope (tenant or workspace) used when none is given.
const DefaultScope = "default"

// APIKey is a plaintext API key. Its String, GoString, MarshalText and
// LogValue-like forms are redacted so that formatting it by mistake (in a
// log line, an error, a JSON body) never reveals it; Reveal returns the
// key for the one place that sends it upstream.
type APIKey string

// Reveal returns the plaintext key. Call it only to build an upstream request.
func (k APIKey) Reveal() string { return string(k) }

// String returns a redacted placeholder.
func (k APIKey) String() string { return "[REDACTED]" }

// GoString returns a redacted placeholder for %#v.
func (k APIKey) GoString() string { return "[REDACTED]" }

// MarshalText returns a redacted placeholder, so JSON never carries the key.
func (k APIKey) MarshalText() ([]byte, error) { return []byte("[REDACTED]"), nil }

// Masked returns the masked form shown to people (see MaskKey).
func (k APIKey) Masked() string { return MaskKey(string(k)) }

// MaskKey shows enough of a key to recognise it and not enough to use it:
// "sk-or-v1-0123…cdef" keeps the OpenRouter prefix and the last four
// characters; short keys show only the last two.
func MaskKey(key string) string {
	n := len(key)
	switch {
	case n == 0:
		return ""
	case n < 12:
		if n <= 4 {
			return "…"
		}
		return "…" + key[n-2:]
	}
	prefix := ""
	if strings.HasPrefix(key, "sk-or-v1-") {
		prefix = "sk-or-v1-"
	} else if i := strings.IndexByte(key, '-'); i > 0 && i <= 6 {
		prefix = key[:i+1]
	}
	return prefix + "…" + key[n-4:]
}

// Key length bounds for ValidateKey.
const (
	MinKeyLength = 16
	MaxKeyLength = 512
)

// ValidateKey trims the key and checks that it is plausible: non-empty,
// within length bounds, printable ASCII without spaces. The key itself is
// never put into the returned error.
func ValidateKey(raw string) (APIKey, error) {
	k := strings.TrimSpace(raw)
	switch {
	case k == "":
		return "", &ValidationError{Field: "key", Reason: "is required"}
	case !utf8.ValidString(k):
		return "", &ValidationError{Field: "key", Reason: "must be valid text"}
	case len(k) < MinKeyLength:
		return "", &ValidationError{Field: "key", Reason: "is too short to be an API key"}
	case len(k) > MaxKeyLength:
		return "", &ValidationError{Field: "key", Reason: "is too long to be an API key"}
	}
	for _, r := range k {
		if r > unicode.MaxASCII || !unicode.IsPrint(r) || unicode.IsSpace(r) {
			return "", &ValidationError{Field: "key", Reason: "must be printable ASCII without spaces"}
		}
	}
	return APIKey(k), nil
}

// StoredKey is an encrypted API key as stored. The plaintext never is.
type StoredKey struct {
	// ID is the store's row id (0 before the first save).
	ID int64
	// Scope is the tenant or workspace.
	Scope string
	// Provider is the provider the key is for, such as ProviderOpenRouter.
	Provider string
	// Ciphertext is the AEAD ciphertext of the key.
	Ciphertext []byte
	// KeyID is the id of the keyset key that encrypted it.
	KeyID uint32
	// Hint is the masked key (MaskKey).
	Hint string
	// CreatedAt and UpdatedAt are set by the store.
	CreatedAt, UpdatedAt time.Time
	// Verification is what OpenRouter said of the key when it was saved;
	// stored as given (zero: never checked).
	Verification KeyVerification
}

// KeyVerification is the outcome of checking a key with OpenRouter when
// it is saved.
type KeyVerification struct {
	// Status is VerificationVerified, VerificationRejected or
	// VerificationUnchecked; "" when the key was saved before keys were
	// checked.
	Status string
	// CheckedAt is when it was checked (zero when Status is "").
	CheckedAt time.Time
	// Reason says, in English, why a key was rejected or not checked.
	Reason string
}

// Statuses of KeyVerification.
const (
	// VerificationVerified: OpenRouter accepted the key (GET /key answered).
	VerificationVerified = "verified"
	// VerificationRejected: OpenRouter refused the key (401 or 403).
	VerificationRejected = "rejected"
	// VerificationUnchecked: OpenRouter could not say (network, timeout,
	// rate limit, outage); the key is saved all the same.
	VerificationUnchecked = "unchecked"
)

// AssociatedData binds a ciphertext to its row: a ciphertext copied to
// another scope or provider fails to decrypt.
func AssociatedData(scope, provider string) []byte {
	return []byte("aimodels/api_keys/v1\x00" + scope + "\x00" + provider)
}

// KeyStatus is what people see of a stored key: never the key.
type KeyStatus struct {
	Provider   string
	Configured bool
	Masked     string
	UpdatedAt  time.Time
	// Verification is the stored key's check when it was saved.
	Verification KeyVerification
}
