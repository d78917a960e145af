package domain_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aimodels/aimodels/adapters/openrouter"
	"github.com/aimodels/aimodels/core/domain"
	"github.com/aimodels/aimodels/test/openroutertest"
)

// fixtureCatalog is the shared fixture of OpenRouter's whole catalog
// (GET /models?output_modalities=all), parsed as the server parses it.
func fixtureCatalog(t *testing.T) *domain.Catalog {
	t.Helper()
	dir, err := openroutertest.FixturesDir()
	if err != nil {
		t.Fatal(err)
	}
	body, err := os.ReadFile(filepath.Join(dir, openroutertest.FixtureModelsAll))
	if err != nil {
		t.Fatal(err)
	}
	models, err := openrouter.ParseModels(body)
	if err != nil {
		t.Fatal(err)
	}
	return domain.NewCatalog(models, time.Date(2026, 8, 19, 0, 0, 0, 0, time.UTC))
}

func lookup(t *testing.T, c *domain.Catalog, id string) *domain.Model {
	t.Helper()
	m, ok := c.Lookup(id)
	if !ok {
		t.Fatalf("%s is not in the fixture", id)
	}
	return m
}

// The audio group showed openai/gpt-audio's text price ($2.50/1M) although
// its audio input costs $32 per 1M audio tokens (pricing.audio).
func TestFixtureGPTAudioShowsItsAudioPrice(t *testing.T) {
	m := lookup(t, fixtureCatalog(t), "openai/gpt-audio")
	ps := m.TypePrices(domain.TypeAudio)
	if len(ps) == 0 {
		t.Fatal("no audio prices")
	}
	first := ps[0]
	if first.Field != domain.FieldAudio || first.Unit != domain.UnitAudioToken || first.Amount.String() != "0.000032" {
		t.Fatalf("first audio price = %+v", first)
	}
	if got := first.Display(); got != "$32.00/1M audio tokens" {
		t.Fatalf("display = %q", got)
	}
	if sp, ok := m.SortPrice(domain.TypeAudio); !ok || sp.String() != "0.000032" {
		t.Fatalf("sort price = %s, %v", sp, ok)
	}
	// Its text price stays the prompt price.
	if tp := m.TypePrices(domain.TypeText); tp[0].Field != domain.FieldPrompt || tp[0].Display() != "$2.50/1M tokens" {
		t.Fatalf("text prices = %+v", tp)
	}
}

// whisper-1: OpenRouter's page shows "$0.006 per minute"; the catalog's
// pricing.prompt is "0.006".
func TestFixtureWhisperMatchesItsModelPage(t *testing.T) {
	m := lookup(t, fixtureCatalog(t), "openai/whisper-1")
	ps := m.TypePrices(domain.TypeAudio)
	if len(ps) != 1 {
		t.Fatalf("whisper-1 audio prices = %+v (a duration-priced model has no completion price)", ps)
	}
	if ps[0].Field != domain.FieldPrompt || ps[0].Unit != domain.UnitMinute || ps[0].Amount.String() != "0.006" || ps[0].Display() != "$0.006/min" {
		t.Fatalf("whisper-1 = %+v %q", ps[0], ps[0].Display())
	}
	if m.PromptCost() != "$0.006/min" || m.CompletionCost() != "" {
		t.Fatalf("costs = %q, %q", m.PromptCost(), m.CompletionCost())
	}
}

// Every speech-to-text model was labelled "/min" although the figures span
// five orders of magnitude, and showed "Completion free".
func TestFixtureSpeechToTextUnits(t *testing.T) {
	c := fixtureCatalog(t)
	n := 0
	for _, m := range c.Group(domain.TypeAudio) {
		if !m.IsTranscription() {
			continue
		}
		n++
		for _, e := range m.AllPrices() {
			if e.Field == domain.FieldCompletion && e.Amount.IsZero() {
				t.Errorf("%s shows completion %q", m.ID, e.Display())
			}
		}
		if m.CompletionCost() == "free" {
			t.Errorf("%s: completion_cost free", m.ID)
		}
		first := m.TypePrices(domain.TypeAudio)[0]
		switch m.ID {
		case "openai/whisper-1":
			if first.Unit != domain.UnitMinute {
				t.Errorf("whisper-1 unit %q", first.Unit)
			}
		case "openai/gpt-4o-transcribe", "openai/gpt-4o-mini-transcribe":
			// Token-priced: OpenRouter's page says "from $1.25 per 1M tokens" for the mini.
			if first.Unit != domain.UnitToken {
				t.Errorf("%s unit %q", m.ID, first.Unit)
			}
		default:
			if first.Unit != domain.UnitUndocumented {
				t.Errorf("%s: unit %q invented for a duration price whose unit is not documented", m.ID, first.Unit)
			}
			if strings.Contains(first.Display(), "/") {
				t.Errorf("%s display %q has a unit", m.ID, first.Display())
			}
		}
	}
	if n < 15 {
		t.Fatalf("only %d speech-to-text models in the fixture", n)
	}
	m := lookup(t, c, "openai/whisper-large-v3")
	if got := m.TypePrices(domain.TypeAudio)[0].Display(); got != "$0.0000075" {
		t.Errorf("whisper-large-v3 = %q, want the exact figure", got)
	}
	if got := lookup(t, c, "openai/gpt-4o-mini-transcribe").TypePrices(domain.TypeAudio); len(got) != 2 || got[0].Display() != "$1.25/1M tokens" || got[1].Display() != "$5.00/1M tokens" {
		t.Errorf("gpt-4o-mini-transcribe = %+v", got)
	}
}

// No model shows a price in a unit other than its field's documented one:
// the only departures are to "undocumented".
func TestFixtureUnitsFollowTheDocumentation(t *testing.T) {
	c := fixtureCatalog(t)
	for _, m := range c.Models() {
		for _, e := range m.AllPrices() {
			doc := domain.FieldUnit(e.Field)
			switch {
			case e.Unit == doc, e.Unit == domain.UnitUndocumented:
			case e.Field == domain.FieldPrompt && m.IsTranscription() && (e.Unit == domain.UnitMinute || e.Unit == domain.UnitSecond):
				// OpenRouter's speech-to-text guide: duration-based models are priced by audio duration.
			default:
				t.Errorf("%s %s: unit %q, documented %q", m.ID, e.Field, e.Unit, doc)
			}
			if e.Unit == domain.UnitUndocumented && e.Display() != "$"+e.Amount.String() && !e.Amount.IsZero() && !e.IsVariable() {
				t.Errorf("%s %s: undocumented figure displayed %q", m.ID, e.Field, e.Display())
			}
		}
	}
}

// Gemini's image field equals its per-token prompt price; shown "per image"
// it read "<$0.000001/image".
func TestFixtureGeminiImageIsNotAPerImagePrice(t *testing.T) {
	c := fixtureCatalog(t)
	m := lookup(t, c, "google/gemini-2.5-flash")
	ps := m.TypePrices(domain.TypeImage)
	if ps[0].Field != domain.FieldPrompt || ps[0].Display() != "$0.30/1M tokens" {
		t.Fatalf("gemini image prices = %+v", ps)
	}
	for _, e := range m.AllPrices() {
		if e.Field == domain.FieldImage && (e.Unit != domain.UnitUndocumented || strings.Contains(e.Display(), "/image")) {
			t.Fatalf("image entry %+v %q", e, e.Display())
		}
	}
	for _, m := range c.Models() {
		for _, e := range m.AllPrices() {
			if e.Unit == domain.UnitImage && e.Amount.Sign() > 0 && e.Amount.Cmp(domain.MustDecimal("0.001")) < 0 {
				t.Errorf("%s: %s shown as %q", m.ID, e.Field, e.Display())
			}
		}
	}
}

// :free, :batch, :thinking … variants fold under their base model.
func TestFixtureVariantsFold(t *testing.T) {
	c := fixtureCatalog(t)
	folded := c.Fold(domain.TypeText)
	seen := map[string]bool{}
	var withVariants int
	for _, f := range folded {
		if seen[f.Model.ID] {
			t.Fatalf("%s listed twice", f.Model.ID)
		}
		seen[f.Model.ID] = true
		for _, v := range f.Variants {
			if v.BaseID() != f.Model.ID || v.Variant() == "" {
				t.Errorf("%s folded under %s", v.ID, f.Model.ID)
			}
			seen[v.ID] = true
		}
		if len(f.Variants) > 0 {
			withVariants++
		}
		if f.Model.Variant() != "" {
			if _, ok := c.Lookup(f.Model.BaseID()); ok {
				t.Errorf("variant %s stands alone though its base is in the catalog", f.Model.ID)
			}
		}
	}
	for _, m := range c.Group(domain.TypeText) {
		if !seen[m.ID] {
			t.Errorf("%s lost by folding", m.ID)
		}
	}
	if withVariants < 20 || len(folded) >= len(c.Group(domain.TypeText)) {
		t.Fatalf("folding changed little: %d bases with variants, %d of %d rows", withVariants, len(folded), len(c.Group(domain.TypeText)))
	}
	m := lookup(t, c, "qwen/qwen-plus-2025-07-28:thinking")
	if m.BaseID() != "qwen/qwen-plus-2025-07-28" || m.Variant() != "thinking" {
		t.Fatalf("split = %q %q", m.BaseID(), m.Variant())
	}
	var free *domain.Model
	for _, f := range folded {
		for _, v := range f.Variants {
			if v.Variant() == "free" {
				free = v
			}
		}
	}
	if free == nil || !free.IsFree() {
		t.Fatalf("no free variant folded (%v)", free)
	}
}

// Nine providers appeared in two spellings ("Anthropic" and "anthropic").
func TestFixtureOneNamePerProvider(t *testing.T) {
	c := fixtureCatalog(t)
	names := map[string]string{}
	for _, m := range c.Models() {
		if n, ok := names[m.Author]; ok && n != m.Provider {
			t.Errorf("author %s shows as %q and %q", m.Author, n, m.Provider)
		}
		names[m.Author] = m.Provider
	}
	// Two spellings of one name ("Anthropic", "anthropic") never both
	// appear; one name may cover several slugs (meta, meta-llama: "Meta").
	spelled := map[string]string{}
	for _, p := range c.Providers() {
		k := strings.ToLower(p.Name)
		if s, ok := spelled[k]; ok && s != p.Name {
			t.Errorf("provider shown as %q and %q", s, p.Name)
		}
		spelled[k] = p.Name
	}
	for id, want := range map[string]string{"anthropic": "Anthropic", "openai": "OpenAI", "mistralai": "Mistral", "qwen": "Qwen", "deepseek": "DeepSeek", "x-ai": "SpaceXAI", "anthracite-org": "anthracite-org"} {
		if got := c.ProviderName(id); got != want {
			t.Errorf("ProviderName(%s) = %q, want %q", id, got, want)
		}
	}
	// anthropic/claude-3-haiku is named without the prefix in the fixture.
	if m := lookup(t, c, "anthropic/claude-3-haiku"); m.Provider != "Anthropic" {
		t.Errorf("claude-3-haiku provider %q", m.Provider)
	}
}

// The recommended default was GPT-3.5 Turbo (16K context) in a catalog of
// current models.
func TestFixtureRecommendedDefaults(t *testing.T) {
	c := fixtureCatalog(t)
	want := map[domain.ModelType]string{domain.TypeText: "openai/gpt-5-nano", domain.TypeImage: "openai/gpt-5-nano", domain.TypeAudio: "openai/whisper-1"}
	for ty, id := range want {
		r := domain.Recommend(c, ty, domain.DefaultPreferences[ty])
		if r.Model == nil || r.Model.ID != id || r.Rule == "" {
			t.Errorf("%s: %+v, want %s", ty, r, id)
			continue
		}
		m := r.Model
		if strings.HasPrefix(m.ID, "openai/gpt-3.5") || (!m.IsTranscription() && m.ContextLength < 32000) || m.Variant() != "" || !m.Serves(ty) {
			t.Errorf("%s: %s is no sensible default", ty, m.ID)
		}
		t.Logf("%s: %s — %s", ty, m.ID, r.Rule)
	}
	// The seed's picks are kept when sensible: a catalog where gpt-4o-mini
	// is current keeps it over the cheaper families.
	var models []domain.Model
	for _, m := range c.Models() {
		if m.ID == "openai/gpt-4o-mini" {
			m.Created = time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC)
		}
		models = append(models, m)
	}
	c2 := domain.NewCatalog(models, c.FetchedAt())
	if r := domain.Recommend(c2, domain.TypeText, domain.DefaultPreferences[domain.TypeText]); r.Model.ID != "openai/gpt-4o-mini" || !strings.Contains(r.Rule, "seed") {
		t.Errorf("current seed pick not kept: %+v", r)
	}
	// Without the families, the cheapest sensible model of the group.
	var rest []domain.Model
	for _, m := range c.Models() {
		if !strings.HasPrefix(m.ID, "openai/") && !strings.HasPrefix(m.ID, "google/") && !strings.HasPrefix(m.ID, "anthropic/") {
			rest = append(rest, m)
		}
	}
	r := domain.Recommend(domain.NewCatalog(rest, c.FetchedAt()), domain.TypeText, nil)
	if r.Model == nil || r.Model.Variant() != "" || r.Model.ContextLength < 32000 {
		t.Errorf("fallback = %+v", r)
	}
}
