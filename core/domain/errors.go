package domain

import (
	"errors"
	"fmt"
	"time"
)

// Sentinel errors. Every error aimodels returns wraps exactly one of these,
// so callers (and the HTTP adapter's single status mapping) test them with
// errors.Is.
var (
	// ErrNoAPIKey: no OpenRouter API key is configured for the scope.
	ErrNoAPIKey = errors.New("no API key configured")
	// ErrInvalidKey: OpenRouter rejected the API key (401).
	ErrInvalidKey = errors.New("invalid API key")
	// ErrForbidden: OpenRouter refused the request for this key (403).
	ErrForbidden = errors.New("forbidden by upstream")
	// ErrInsufficientCredits: the account cannot pay for the request (402).
	ErrInsufficientCredits = errors.New("insufficient credits")
	// ErrRateLimited: OpenRouter or its provider is rate limiting (429).
	ErrRateLimited = errors.New("rate limited")
	// ErrUpstreamUnavailable: OpenRouter could not be reached or answered 5xx.
	ErrUpstreamUnavailable = errors.New("upstream unavailable")
	// ErrTimeout: the upstream did not answer in time.
	ErrTimeout = errors.New("upstream timeout")
	// ErrBadUpstreamResponse: the upstream answered with something unusable
	// (malformed, truncated or oversized body, or a 4xx we do not map).
	ErrBadUpstreamResponse = errors.New("bad upstream response")
	// ErrUpstreamRejected: the upstream rejected the request as invalid (400, 404 on a route, 422).
	ErrUpstreamRejected = errors.New("upstream rejected the request")
	// ErrModelNotFound: the model id is not in the catalog (or upstream has no endpoint for it).
	ErrModelNotFound = errors.New("model not found")
	// ErrModelTypeMismatch: the model does not serve the requested type.
	ErrModelTypeMismatch = errors.New("model does not serve this type")
	// ErrValidation: the caller's input is invalid.
	ErrValidation = errors.New("validation error")
	// ErrNotFound: a stored record does not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict: a stored record would violate a uniqueness rule.
	ErrConflict = errors.New("conflict")
	// ErrStoreUnavailable: the database cannot be reached.
	ErrStoreUnavailable = errors.New("store unavailable")
	// ErrDecrypt: a stored secret could not be decrypted (tampered, moved or wrong keyset).
	ErrDecrypt = errors.New("secret cannot be decrypted")
)

// ValidationError says which input field is wrong and why. It matches
// ErrValidation with errors.Is.
type ValidationError struct {
	Field  string
	Reason string
}

// Error implements error.
func (e *ValidationError) Error() string {
	if e.Field == "" {
		return "validation error: " + e.Reason
	}
	return "validation error: " + e.Field + ": " + e.Reason
}

// Is makes errors.Is(err, ErrValidation) true.
func (e *ValidationError) Is(target error) bool { return target == ErrValidation }

// ModelError is ErrModelNotFound or ErrModelTypeMismatch with the model and type.
type ModelError struct {
	Kind    error
	ModelID string
	Type    ModelType
}

// Error implements error.
func (e *ModelError) Error() string {
	if errors.Is(e.Kind, ErrModelTypeMismatch) {
		return fmt.Sprintf("model %q does not serve %s", e.ModelID, e.Type)
	}
	return fmt.Sprintf("model %q not found in the catalog", e.ModelID)
}

// Unwrap returns the sentinel.
func (e *ModelError) Unwrap() error { return e.Kind }

// RetryAfterOf returns how long the upstream asked to wait before trying
// again, when err (or an error it wraps) says so: any error with a
// RetryAfter() time.Duration method, such as the OpenRouter adapter's.
func RetryAfterOf(err error) time.Duration {
	var ra interface{ RetryAfter() time.Duration }
	if errors.As(err, &ra) {
		return ra.RetryAfter()
	}
	return 0
}

// StoreError is a typed failure of a store: Kind is ErrNotFound,
// ErrConflict or ErrStoreUnavailable.
type StoreError struct {
	Kind error
	Op   string
	Err  error
}

// Error implements error.
func (e *StoreError) Error() string {
	s := "store " + e.Op + ": " + e.Kind.Error()
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap exposes the sentinel and the cause.
func (e *StoreError) Unwrap() []error {
	if e.Err != nil {
		return []error{e.Kind, e.Err}
	}
	return []error{e.Kind}
}
