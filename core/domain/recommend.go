package domain

import (
	"path"
	"strings"
	"time"
)

// Recommendation is a type's recommended default and the rule, in
// words, that chose it.
type Recommendation struct {
	// Model is nil when the catalog has no model of the type.
	Model *Model
	// Rule says how Model was chosen.
	Rule string
}

// MinRecommendedContext is the context window a recommended default needs
// (when the catalog states one): 32K tokens.
const MinRecommendedContext = 32_000

// CurrentWindow is how recent a model must be to count as current: it
// was added to OpenRouter at most this long before the newest model of
// the catalog (the catalog's own date, not the clock, so that a catalog
// gives the same defaults whenever it is read).
const CurrentWindow = 18 * 30 * 24 * time.Hour

// family is a group of cheap, widely used models, by id pattern
// (path.Match syntax on the id without variant).
type family struct {
	name     string
	patterns []string
}

// recommendedTiers are, per type, the families a default is chosen from,
// tier by tier: the cheapest current model of the first tier that has one
// wins.
var recommendedTiers = map[ModelType][][]family{
	TypeText:  {chatFamilies},
	TypeImage: {chatFamilies},
	TypeAudio: {
		{{"OpenAI GPT transcribe", []string{"openai/gpt-*-transcribe"}}},
		{{"Gemini Flash", []string{"google/gemini-*-flash", "google/gemini-*-flash-lite"}}, {"GPT audio", []string{"openai/gpt-audio*"}}},
	},
}

var chatFamilies = []family{
	{"OpenAI GPT mini/nano", []string{"openai/gpt-*-mini", "openai/gpt-*-nano"}},
	{"Google Gemini Flash/Flash-Lite", []string{"google/gemini-*-flash", "google/gemini-*-flash-lite"}},
	{"Anthropic Claude Haiku", []string{"anthropic/claude-*haiku*"}},
}

func (f family) matches(id string) bool {
	for _, p := range f.patterns {
		if ok, _ := path.Match(p, id); ok {
			return true
		}
	}
	return false
}

// Recommend returns the recommended default for t in c, by this rule:
//
//  1. the first of prefs (the seed's picks, DefaultPreferences) that the
//     catalog has, that serves t and is sensible: not a variant, of known,
//     non-variable price, current (see CurrentWindow) and with at least
//     MinRecommendedContext tokens of context (a dedicated speech-to-text
//     model has none to state); an unknown date or context does not count
//     against a model;
//  2. else, of the cheap, widely used families (text and image: OpenAI GPT
//     mini/nano, Google Gemini Flash/Flash-Lite, Anthropic Claude Haiku;
//     audio: OpenAI's GPT transcribe models, then Gemini Flash and GPT
//     audio), the cheapest sensible model that serves t, by prompt +
//     completion per token (audio: by its audio price);
//  3. else the cheapest sensible model of the group; else its first model.
//
// It never returns a model the catalog lacks; Model is nil when the
// group is empty.
func Recommend(c *Catalog, t ModelType, prefs []string) Recommendation {
	if c == nil {
		return Recommendation{}
	}
	newest := c.newest()
	for _, id := range prefs {
		if m, ok := c.Lookup(id); ok && m.Serves(t) && sensible(m, t, newest) {
			what := "with at least 32K tokens of context"
			if m.IsTranscription() {
				what = "a dedicated speech-to-text model"
			}
			return Recommendation{Model: m, Rule: "The first of the seed's picks (" + seedNote(prefs) + ") that is in the catalog, current (added to OpenRouter within 18 months of its newest model) and " + what + ": " + id + "."}
		}
	}
	for _, tier := range recommendedTiers[t] {
		var names []string
		var best *Model
		var bestCost Decimal
		for _, f := range tier {
			names = append(names, f.name)
			for _, m := range c.Group(t) {
				if !f.matches(m.ID) || !sensible(m, t, newest) {
					continue
				}
				if cost, ok := recommendCost(m, t); ok && (best == nil || cost.Cmp(bestCost) < 0) {
					best, bestCost = m, cost
				}
			}
		}
		if best != nil {
			return Recommendation{Model: best, Rule: "The cheapest (" + costWords(t) + ") current model (added to OpenRouter within 18 months of its newest model) of the " +
				strings.Join(names, ", ") + " families that serves " + string(t) + " with at least 32K tokens of context: " + best.ID +
				". The seed's picks (" + seedNote(prefs) + ") are not in the catalog or no longer current with 32K tokens of context."}
		}
	}
	var best *Model
	var bestCost Decimal
	for _, m := range c.Group(t) {
		if !sensible(m, t, newest) {
			continue
		}
		if cost, ok := recommendCost(m, t); ok && (best == nil || cost.Cmp(bestCost) < 0) {
			best, bestCost = m, cost
		}
	}
	if best != nil {
		return Recommendation{Model: best, Rule: "The cheapest (" + costWords(t) + ") current model that serves " + string(t) + " with at least 32K tokens of context: no model of the usual families is."}
	}
	if g := c.Group(t); len(g) > 0 {
		return Recommendation{Model: g[0], Rule: "The first model that serves " + string(t) + ": none is current with a known price and 32K tokens of context."}
	}
	return Recommendation{Rule: "No model of the catalog serves " + string(t) + "."}
}

func seedNote(prefs []string) string {
	if len(prefs) == 0 {
		return "none"
	}
	return strings.Join(prefs, ", ")
}

func costWords(t ModelType) string {
	if t == TypeAudio {
		return "audio price"
	}
	return "prompt + completion per token"
}

// newest returns the date of the catalog's newest model (zero when no
// model has one).
func (c *Catalog) newest() time.Time {
	var n time.Time
	for i := range c.models {
		if c.models[i].Created.After(n) {
			n = c.models[i].Created
		}
	}
	return n
}

// sensible reports whether m may be a recommended default of t.
func sensible(m *Model, t ModelType, newest time.Time) bool {
	if m.Variant() != "" || strings.HasPrefix(m.ID, "~") {
		return false
	}
	p := m.Pricing.Prompt
	if !p.Known || p.IsVariable() {
		return false
	}
	if !m.IsTranscription() && m.ContextLength > 0 && m.ContextLength < MinRecommendedContext {
		return false
	}
	if !m.Created.IsZero() && !newest.IsZero() && newest.Sub(m.Created) > CurrentWindow {
		return false
	}
	_, ok := recommendCost(m, t)
	return ok
}

// recommendCost is what Recommend compares models of t by.
func recommendCost(m *Model, t ModelType) (Decimal, bool) {
	if t == TypeAudio {
		if m.IsTranscription() && m.TranscriptionUnit() == UnitUndocumented {
			return Decimal{}, false
		}
		return m.SortPrice(t)
	}
	p, c := m.Pricing.Prompt, m.Pricing.Completion
	if !p.Known || !c.Known || p.IsVariable() || c.IsVariable() {
		return Decimal{}, false
	}
	return p.Amount.Add(c.Amount), true
}
