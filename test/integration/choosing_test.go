package integration

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/aimodels/aimodels/adapters/echoapi"
	"github.com/aimodels/aimodels/adapters/memstore"
	"github.com/aimodels/aimodels/adapters/openrouter"
	"github.com/aimodels/aimodels/core"
	"github.com/aimodels/aimodels/test/openroutertest"
)

const apiToken = "integration-admin-token"

// apiStack is the whole server over memstore and the fake OpenRouter.
type apiStack struct {
	fake  *openroutertest.Server
	svc   *core.Service
	store *memstore.Store
	url   string
}

func newAPIStack(t *testing.T, fake *openroutertest.Server, opts core.Options) *apiStack {
	t.Helper()
	gw, err := openrouter.New(openrouter.WithBaseURL(fake.URL()), openrouter.WithRetry(1, time.Millisecond, 5*time.Millisecond, time.Second))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(gw.Close)
	st := memstore.New()
	svc, err := core.New(core.Deps{Gateway: gw, Keys: st, Selections: st, Prompts: st, Cipher: nopCipher{}, Snapshots: st}, opts)
	if err != nil {
		t.Fatal(err)
	}
	e := echo.New()
	e.HTTPErrorHandler = echoapi.ErrorHandler(nil)
	g := e.Group("/api/v1", echoapi.BearerAuth(apiToken))
	echoapi.Register(g, echoapi.All(svc), echoapi.Options{})
	ts := httptest.NewServer(e)
	t.Cleanup(ts.Close)
	return &apiStack{fake: fake, svc: svc, store: st, url: ts.URL + "/api/v1"}
}

func (s *apiStack) call(t *testing.T, method, path, body string, out any) (int, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, s.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+apiToken)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v\n%s", method, path, err, b)
		}
	}
	return resp.StatusCode, resp.Header
}

type priceEntry struct {
	Field   string  `json:"field"`
	USD     string  `json:"usd"`
	Unit    *string `json:"unit"`
	Display string  `json:"display"`
}

type apiModel struct {
	ID      string `json:"id"`
	Pricing struct {
		PromptCost     string `json:"prompt_cost"`
		CompletionCost string `json:"completion_cost"`
	} `json:"pricing"`
	ProviderID      string                  `json:"provider_id"`
	ProviderName    string                  `json:"provider_name"`
	MaxOutputTokens *int                    `json:"max_output_tokens"`
	SupportedParams []string                `json:"supported_parameters"`
	Created         int64                   `json:"created"`
	BaseModel       string                  `json:"base_model"`
	Variant         string                  `json:"variant"`
	IsFree          bool                    `json:"is_free"`
	URL             string                  `json:"url"`
	Prices          map[string][]priceEntry `json:"prices"`
	SortPrice       map[string]string       `json:"sort_price"`
	AllPrices       []priceEntry            `json:"all_prices"`
}

type groupedModels struct {
	Text        []apiModel `json:"text"`
	Image       []apiModel `json:"image"`
	Audio       []apiModel `json:"audio"`
	Recommended map[string]struct {
		ModelID string `json:"model_id"`
		Rule    string `json:"rule"`
	} `json:"recommended"`
	Changes *struct {
		Since        string   `json:"since"`
		Added        []string `json:"added"`
		Removed      []string `json:"removed"`
		PriceChanged []struct {
			ID    string `json:"id"`
			Field string `json:"field"`
			Old   string `json:"old"`
			New   string `json:"new"`
		} `json:"price_changed"`
	} `json:"changes"`
}

func find(list []apiModel, id string) *apiModel {
	for i := range list {
		if list[i].ID == id {
			return &list[i]
		}
	}
	return nil
}

// TestCatalogAPIForChoosing: the catalog API carries, per model, what
// sorting, filtering and comparing need, as data.
func TestCatalogAPIForChoosing(t *testing.T) {
	fake := openroutertest.New()
	t.Cleanup(fake.Close)
	s := newAPIStack(t, fake, core.Options{})
	var g groupedModels
	if st, _ := s.call(t, "GET", "/settings/openrouter/models", "", &g); st != 200 {
		t.Fatalf("status %d", st)
	}
	audio := find(g.Audio, "openai/gpt-audio")
	if audio == nil {
		t.Fatal("openai/gpt-audio not in the audio group")
	}
	if p := audio.Prices["audio"][0]; p.Field != "audio" || p.USD != "0.000032" || p.Unit == nil || *p.Unit != "audio_token" || p.Display != "$32.00/1M audio tokens" {
		t.Errorf("gpt-audio audio price = %+v", p)
	}
	if audio.SortPrice["audio"] != "0.000032" || audio.SortPrice["text"] != "0.0000025" {
		t.Errorf("sort prices = %v", audio.SortPrice)
	}
	if audio.ProviderID != "openai" || audio.ProviderName != "OpenAI" || audio.MaxOutputTokens == nil || *audio.MaxOutputTokens != 16384 ||
		audio.URL != "https://openrouter.ai/openai/gpt-audio" || audio.BaseModel != "openai/gpt-audio" || audio.Variant != "" || audio.Created == 0 {
		t.Errorf("gpt-audio = %+v", audio)
	}
	if audio.Pricing.PromptCost != "$2.50/1M tokens" {
		t.Errorf("seed prompt_cost changed meaning: %q", audio.Pricing.PromptCost)
	}
	w := find(g.Audio, "openai/whisper-1")
	if w == nil || len(w.Prices["audio"]) != 1 || w.Prices["audio"][0].Display != "$0.006/min" || *w.Prices["audio"][0].Unit != "minute" {
		t.Fatalf("whisper-1 = %+v", w)
	}
	if w.Pricing.CompletionCost != "" || w.MaxOutputTokens != nil {
		t.Errorf("whisper-1 completion %q, max output %v", w.Pricing.CompletionCost, w.MaxOutputTokens)
	}
	for _, e := range w.AllPrices {
		if e.Field == "completion" {
			t.Errorf("whisper-1 lists %+v", e)
		}
	}
	wl := find(g.Audio, "openai/whisper-large-v3")
	if p := wl.Prices["audio"][0]; p.Unit != nil || p.Display != "$0.0000075" || p.Field != "prompt" {
		t.Errorf("whisper-large-v3 = %+v", p)
	}
	free := find(g.Text, "nvidia/nemotron-3-nano-omni-30b-a3b-reasoning:free")
	if free == nil || !free.IsFree || free.Variant != "free" || free.BaseModel != "nvidia/nemotron-3-nano-omni-30b-a3b-reasoning" || free.SortPrice["text"] != "0" {
		t.Errorf("free variant = %+v", free)
	}
	haiku := find(g.Text, "anthropic/claude-3-haiku")
	if haiku == nil || haiku.ProviderName != "Anthropic" || len(haiku.SupportedParams) == 0 {
		t.Errorf("claude-3-haiku = %+v", haiku)
	}
	gem := find(g.Image, "google/gemini-2.5-flash")
	if p := gem.Prices["image"][0]; p.Field != "prompt" || p.Display != "$0.30/1M tokens" {
		t.Errorf("gemini image price = %+v", p)
	}
	auto := find(g.Text, "openrouter/auto")
	if _, ok := auto.SortPrice["text"]; ok || auto.Prices["text"][0].Display != "variable" {
		t.Errorf("openrouter/auto = %+v", auto)
	}
}

// TestRecommendedAndKeyVerificationOverHTTP: the catalog response names
// each type's recommended default with its rule (not GPT-3.5 Turbo 16K),
// and saving a key reports and keeps its check.
func TestRecommendedAndKeyVerificationOverHTTP(t *testing.T) {
	fake := openroutertest.New()
	t.Cleanup(fake.Close)
	s := newAPIStack(t, fake, core.Options{})
	var g groupedModels
	s.call(t, "GET", "/settings/openrouter/models", "", &g)
	for ty, want := range map[string]string{"text": "openai/gpt-5-nano", "image": "openai/gpt-5-nano", "audio": "openai/whisper-1"} {
		if r := g.Recommended[ty]; r.ModelID != want || r.Rule == "" {
			t.Errorf("recommended %s = %+v", ty, r)
		}
	}
	if g.Changes != nil {
		t.Errorf("changes on the first catalog: %+v", g.Changes)
	}
	type keyStatus struct {
		Configured   bool `json:"configured"`
		Verification *struct {
			Status    string `json:"status"`
			CheckedAt string `json:"checked_at"`
			Reason    string `json:"reason"`
		} `json:"verification"`
	}
	var ks keyStatus
	const wrong = "sk-or-v1-0000000000000000000000000000000000000000000000000000000000000000"
	st, _ := s.call(t, "PUT", "/settings/api-keys/openrouter", `{"key":"`+wrong+`"}`, &ks)
	if st != 200 || ks.Verification == nil || ks.Verification.Status != "rejected" || ks.Verification.CheckedAt == "" {
		t.Fatalf("wrong key: %d %+v", st, ks.Verification)
	}
	st, _ = s.call(t, "PUT", "/settings/api-keys/openrouter", `{"key":"`+fake.APIKey()+`"}`, &ks)
	if st != 200 || ks.Verification.Status != "verified" {
		t.Fatalf("right key: %d %+v", st, ks.Verification)
	}
	fake.SetFault("GET /key", openroutertest.Fault{ResetConnection: true})
	st, _ = s.call(t, "PUT", "/settings/api-keys/openrouter", `{"key":"`+fake.APIKey()+`"}`, &ks)
	if st != 200 || ks.Verification.Status != "unchecked" || ks.Verification.Reason == "" {
		t.Fatalf("network down: %d %+v", st, ks.Verification)
	}
	var list struct {
		Keys []keyStatus `json:"keys"`
	}
	s.call(t, "GET", "/settings/api-keys", "", &list)
	if len(list.Keys) != 1 || list.Keys[0].Verification == nil || list.Keys[0].Verification.Status != "unchecked" {
		t.Fatalf("GET keys = %+v", list)
	}
}

// TestCatalogChangesOverHTTP: a refresh after OpenRouter changed its
// catalog reports what changed, and flags the saved choice concerned.
func TestCatalogChangesOverHTTP(t *testing.T) {
	fake := openroutertest.New()
	t.Cleanup(fake.Close)
	s := newAPIStack(t, fake, core.Options{})
	var g groupedModels
	s.call(t, "GET", "/settings/openrouter/models", "", &g)
	var sel map[string]struct {
		ModelID string `json:"model_id"`
		Flag    *struct {
			Kind   string `json:"kind"`
			Detail string `json:"detail"`
		} `json:"flag"`
	}
	if st, _ := s.call(t, "PUT", "/settings/openrouter/selection", `{"text":"openai/gpt-4o-mini","image":"openai/gpt-4o"}`, &sel); st != 200 {
		t.Fatalf("save selection %d", st)
	}
	// OpenRouter's catalog without gpt-4o-mini, gpt-4o's prompt dearer.
	var doc map[string]any
	if err := json.Unmarshal(fake.Fixture(openroutertest.FixtureModelsAll), &doc); err != nil {
		t.Fatal(err)
	}
	var kept []any
	for _, m := range doc["data"].([]any) {
		mm := m.(map[string]any)
		switch mm["id"] {
		case "openai/gpt-4o-mini":
			continue
		case "openai/gpt-4o":
			mm["pricing"].(map[string]any)["prompt"] = "0.000003"
		}
		kept = append(kept, mm)
	}
	doc["data"] = kept
	body, _ := json.Marshal(doc)
	fake.SetFault("GET /models", openroutertest.Fault{Status: 200, Body: body})
	s.call(t, "GET", "/settings/openrouter/models?refresh=true", "", &g)
	if g.Changes == nil || len(g.Changes.Removed) != 1 || g.Changes.Removed[0] != "openai/gpt-4o-mini" || len(g.Changes.Added) != 0 || g.Changes.Since == "" {
		t.Fatalf("changes = %+v", g.Changes)
	}
	if len(g.Changes.PriceChanged) != 1 || g.Changes.PriceChanged[0].ID != "openai/gpt-4o" || g.Changes.PriceChanged[0].Old != "0.0000025" || g.Changes.PriceChanged[0].New != "0.000003" {
		t.Fatalf("price changes = %+v", g.Changes.PriceChanged)
	}
	s.call(t, "GET", "/settings/openrouter/selection", "", &sel)
	if f := sel["text"].Flag; f == nil || f.Kind != "removed" {
		t.Errorf("text flag = %+v", f)
	}
	if f := sel["image"].Flag; f == nil || f.Kind != "price_changed" || !strings.Contains(f.Detail, "$3.00/1M tokens") {
		t.Errorf("image flag = %+v", f)
	}
	if f := sel["audio"].Flag; f != nil {
		t.Errorf("unsaved audio flagged: %+v", f)
	}
}
