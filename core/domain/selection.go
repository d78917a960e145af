package domain

import "time"

// SavedSelection is the model chosen for one type in one scope, with a
// snapshot of the model's name and prices at the time it was saved.
type SavedSelection struct {
	Scope      string
	Type       ModelType
	ModelID    string
	ModelName  string
	PromptCost string
	// CompletionCost is the formatted completion price at save time.
	CompletionCost string
	SavedAt        time.Time
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
}

// Selection is the entry of every type.
type Selection map[ModelType]SelectionEntry

// DefaultPreferences is the recommended default per type: the first id
// the catalog has wins; then the first model of the group.
var DefaultPreferences = map[ModelType][]string{
	TypeText:  {"openai/gpt-3.5-turbo", "anthropic/claude-3-haiku", "openai/gpt-4o-mini", "google/gemini-2.0-flash-001"},
	TypeImage: {"openai/gpt-4o", "openai/gpt-4o-mini", "anthropic/claude-3-haiku", "google/gemini-2.0-flash-001"},
	TypeAudio: {"openai/whisper-1", "openai/gpt-4o-mini-transcribe", "openai/gpt-4o-transcribe", "openai/whisper-large-v3-turbo"},
}

// RecommendedModel returns the recommended default for t in c: the first
// of prefs that the catalog has and that serves t, else the first model of
// the group; nil when the group is empty. It never returns a model the
// catalog lacks.
func RecommendedModel(c *Catalog, t ModelType, prefs []string) *Model {
	if c == nil {
		return nil
	}
	for _, id := range prefs {
		if m, ok := c.Lookup(id); ok && m.Serves(t) {
			return m
		}
	}
	if g := c.Group(t); len(g) > 0 {
		return g[0]
	}
	return nil
}
