package domain

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// SavedSelection is the model chosen for one type in one scope, with a
// snapshot of the model's name and prices at the time it was saved, and
// the ordered fallbacks tried when the model cannot serve.
type SavedSelection struct {
	Scope      string
	Type       ModelType
	ModelID    string
	ModelName  string
	PromptCost string
	// CompletionCost is the formatted completion price at save time.
	CompletionCost string
	// Fallbacks are the models tried, in order, when ModelID cannot serve
	// (see CheckFallbacks for their rules); nil when there are none.
	Fallbacks []string
	SavedAt   time.Time
}

// MaxFallbacks is how many fallback models one type may have.
const MaxFallbacks = 3

// maxModelIDLen bounds a fallback's model id, as the stores bound ModelID.
const maxModelIDLen = 255

// CheckFallbacks checks the shape of the fallbacks of a type whose chosen
// model is model: at most MaxFallbacks, each a model id (not empty, at most
// 255 characters, no spaces or control characters), none equal to model,
// none given twice. field names the input in errors ("text.fallbacks"),
// which name the offending entry by its index from 0
// ("text.fallbacks[1]"). Whether the catalog has the models is
// Catalog.ValidateFallbacks's business.
func CheckFallbacks(field, model string, fallbacks []string) error {
	if len(fallbacks) > MaxFallbacks {
		return &ValidationError{Field: field, Reason: "at most " + strconv.Itoa(MaxFallbacks) + " fallbacks"}
	}
	for i, id := range fallbacks {
		at := field + "[" + strconv.Itoa(i) + "]"
		switch {
		case id == "":
			return &ValidationError{Field: at, Reason: "must be a model id"}
		case utf8.RuneCountInString(id) > maxModelIDLen || !utf8.ValidString(id) ||
			strings.IndexFunc(id, func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0:
			return &ValidationError{Field: at, Reason: "is not a valid model id"}
		case id == model:
			return &ValidationError{Field: at, Reason: fmt.Sprintf("%q is the chosen model itself", id)}
		}
		for j := range i {
			if fallbacks[j] == id {
				return &ValidationError{Field: at, Reason: fmt.Sprintf("%q is already fallback %d", id, j)}
			}
		}
	}
	return nil
}

// ValidateFallbacks checks fallbacks as CheckFallbacks does, then that the
// catalog has each of them and that it serves t; an error names the
// offending entry ("text.fallbacks[1]") as a *ValidationError.
func (c *Catalog) ValidateFallbacks(t ModelType, model string, fallbacks []string) error {
	field := string(t) + ".fallbacks"
	if err := CheckFallbacks(field, model, fallbacks); err != nil {
		return err
	}
	for i, id := range fallbacks {
		if _, err := c.Validate(id, t); err != nil {
			return &ValidationError{Field: field + "[" + strconv.Itoa(i) + "]", Reason: err.Error()}
		}
	}
	return nil
}

// SelectionChoice is what a caller saves for one type: the model and its
// fallbacks.
type SelectionChoice struct {
	// Model is the chosen model id.
	Model string
	// Fallbacks are the models to try, in order, when Model cannot serve;
	// empty for none. Ignored when KeepFallbacks is set.
	Fallbacks []string
	// KeepFallbacks keeps the fallbacks saved before for the type (without
	// Model, should it be one of them) instead of setting Fallbacks.
	KeepFallbacks bool
}

// SelectionEntry is what a scope uses for one type: the saved choice, or
// the recommended default when nothing is saved.
type SelectionEntry struct {
	Type ModelType
	// ModelID is empty when nothing is saved and no default is available.
	ModelID string
	// Model is the catalog entry, nil when the catalog lacks the model.
	Model *Model
	// Saved is true for a saved choice, false for a recommended default.
	Saved bool
	// Recommended is true when ModelID is the recommended default for the type.
	Recommended bool
	// Available is false when a saved model is no longer in the catalog.
	// When the catalog cannot be fetched at all it is true (a request may
	// still succeed) and Checked is false.
	Available bool
	// Checked is true when Available was checked against a catalog.
	Checked bool
	// SavedAt is when the choice was saved (zero for a default).
	SavedAt time.Time
	// Fallbacks are the saved fallbacks, in order (nil for none and for a
	// default).
	Fallbacks []string
	// Flag, for a saved choice, says that its model left the catalog or
	// changed price since the catalog served before; nil otherwise.
	Flag *SelectionFlag
}

// Selection is the entry of every type.
type Selection map[ModelType]SelectionEntry

// DefaultPreferences are the seed's picks per type, kept as the
// recommended default while they are in the catalog and still sensible
// (see Recommend).
var DefaultPreferences = map[ModelType][]string{
	TypeText:  {"openai/gpt-3.5-turbo", "anthropic/claude-3-haiku", "openai/gpt-4o-mini", "google/gemini-2.0-flash-001"},
	TypeImage: {"openai/gpt-4o", "openai/gpt-4o-mini", "anthropic/claude-3-haiku", "google/gemini-2.0-flash-001"},
	TypeAudio: {"openai/whisper-1", "openai/gpt-4o-mini-transcribe", "openai/gpt-4o-transcribe", "openai/whisper-large-v3-turbo"},
}

// RecommendedModel returns the model Recommend chooses for t in c, nil
// when the group is empty. It never returns a model the catalog lacks.
func RecommendedModel(c *Catalog, t ModelType, prefs []string) *Model {
	return Recommend(c, t, prefs).Model
}
