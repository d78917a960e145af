package openrouter

import (
	"errors"
	"strings"

	"github.com/aimodels/aimodels/core/domain"
)

// redacted replaces the API key wherever an upstream message quotes it.
const redacted = "[REDACTED]"

// redactKey returns err with every occurrence of key removed from its
// message, metadata and cause. OpenRouter or a provider may echo what it
// was sent; what reaches callers, logs and clients must not carry the key.
func redactKey(err error, key domain.APIKey) error {
	k := key.Reveal()
	if err == nil || k == "" {
		return err
	}
	var ue *Error
	if !errors.As(err, &ue) {
		if strings.Contains(err.Error(), k) {
			return errors.New(strings.ReplaceAll(err.Error(), k, redacted))
		}
		return err
	}
	if !strings.Contains(ue.Error(), k) && !metadataContains(ue.Metadata, k) &&
		(ue.Err == nil || !strings.Contains(ue.Err.Error(), k)) {
		return err
	}
	cp := *ue
	cp.Message = strings.ReplaceAll(cp.Message, k, redacted)
	cp.Metadata, _ = redactValue(cp.Metadata, k).(map[string]any)
	if cp.Err != nil && strings.Contains(cp.Err.Error(), k) {
		cp.Err = errors.New(strings.ReplaceAll(cp.Err.Error(), k, redacted))
	}
	return &cp
}

func metadataContains(v any, k string) bool {
	switch t := v.(type) {
	case string:
		return strings.Contains(t, k)
	case map[string]any:
		for _, x := range t {
			if metadataContains(x, k) {
				return true
			}
		}
	case []any:
		for _, x := range t {
			if metadataContains(x, k) {
				return true
			}
		}
	}
	return false
}

func redactValue(v any, k string) any {
	switch t := v.(type) {
	case string:
		return strings.ReplaceAll(t, k, redacted)
	case map[string]any:
		if t == nil {
			return t
		}
		out := make(map[string]any, len(t))
		for name, x := range t {
			out[name] = redactValue(x, k)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = redactValue(x, k)
		}
		return out
	}
	return v
}
