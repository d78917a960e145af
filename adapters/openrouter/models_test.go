package openrouter_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aimodels/aimodels/adapters/openrouter"
	"github.com/aimodels/aimodels/core/domain"
	"github.com/aimodels/aimodels/test/openroutertest"
)

// rawGroups applies the grouping rules to the raw JSON, independently of
// the adapter and of domain.Classify.
func rawGroups(t *testing.T, body []byte) (map[domain.ModelType]int, int) {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	has := func(list any, want string) bool {
		items, _ := list.([]any)
		for _, it := range items {
			if it == want {
				return true
			}
		}
		return false
	}
	counts := map[domain.ModelType]int{}
	data := doc["data"].([]any)
	for _, m := range data {
		arch := m.(map[string]any)["architecture"].(map[string]any)
		in, out := arch["input_modalities"], arch["output_modalities"]
		if has(in, "text") && has(out, "text") {
			counts[domain.TypeText]++
		}
		if has(in, "image") && has(out, "text") {
			counts[domain.TypeImage]++
		}
		if has(out, "transcription") || (has(in, "audio") && has(out, "text")) {
			counts[domain.TypeAudio]++
		}
	}
	return counts, len(data)
}

func TestListModelsAllFixtureGroups(t *testing.T) {
	s := newFake(t)
	c := newClient(t, s)
	models, err := c.ListModels(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	req, _ := s.LastRequest(openroutertest.RouteModels)
	if got := req.Query.Get("output_modalities"); got != "all" {
		t.Fatalf("output_modalities = %q, want all", got)
	}
	if h := req.Header.Get("Authorization"); h != "" {
		t.Fatalf("empty key sent Authorization %q", h)
	}
	want, total := rawGroups(t, s.Fixture(openroutertest.FixtureModelsAll))
	if len(models) != total {
		t.Fatalf("parsed %d models, fixture has %d", len(models), total)
	}
	cat := domain.NewCatalog(models, time.Now())
	for _, typ := range domain.ModelTypes {
		if got := len(cat.Group(typ)); got != want[typ] || got == 0 {
			t.Errorf("group %s: %d models, raw JSON says %d", typ, got, want[typ])
		}
	}

	gpt, ok := cat.Lookup("openai/gpt-3.5-turbo")
	if !ok {
		t.Fatal("openai/gpt-3.5-turbo missing")
	}
	if got := gpt.PromptCost(); got != "$0.50/1M tokens" {
		t.Errorf("gpt-3.5 prompt cost %q", got)
	}
	if got := gpt.CompletionCost(); got != "$1.50/1M tokens" {
		t.Errorf("gpt-3.5 completion cost %q", got)
	}
	if gpt.Provider != "OpenAI" || gpt.Name != "GPT-3.5 Turbo" || gpt.ContextLength != 16385 {
		t.Errorf("gpt-3.5: provider %q name %q context %d", gpt.Provider, gpt.Name, gpt.ContextLength)
	}
	if gpt.Created.Unix() != 1685232000 || !slices.Contains(gpt.SupportedParameters, "tools") {
		t.Errorf("gpt-3.5: created %v params %v", gpt.Created, gpt.SupportedParameters)
	}
	auto, ok := cat.Lookup("openrouter/auto-beta")
	if !ok {
		t.Fatal("openrouter/auto-beta missing")
	}
	if got := auto.PromptCost(); got != "variable" {
		t.Errorf("auto-beta prompt cost %q, want variable", got)
	}
	whisper, ok := cat.Lookup("openai/whisper-1")
	if !ok || !whisper.Serves(domain.TypeAudio) || whisper.Serves(domain.TypeText) {
		t.Fatalf("openai/whisper-1: %+v", whisper)
	}
	embeddings := 0
	for _, m := range cat.Models() {
		if slices.Contains(m.OutputModalities, "embeddings") {
			embeddings++
			if len(m.Types) != 0 {
				t.Errorf("embeddings model %s is in groups %v", m.ID, m.Types)
			}
		}
	}
	if embeddings == 0 {
		t.Fatal("fixture has no embeddings model to check")
	}
	// A price under "overrides" (an array) does not break parsing.
	if m, ok := cat.Lookup("bytedance-seed/seed-2.0-code"); !ok || !m.Pricing.Prompt.Known {
		t.Errorf("model with pricing overrides: %+v", m)
	}
}

func TestParseModelsDefaultFixture(t *testing.T) {
	body := fixture(t, openroutertest.FixtureModelsDefault)
	models, err := openrouter.ParseModels(body)
	if err != nil {
		t.Fatal(err)
	}
	want, total := rawGroups(t, body)
	if len(models) != total {
		t.Fatalf("parsed %d of %d", len(models), total)
	}
	// Each model keeps its object as OpenRouter sent it (domain.Model.Raw).
	for _, m := range models {
		var raw struct {
			ID            string `json:"id"`
			CanonicalSlug string `json:"canonical_slug"`
		}
		if err := json.Unmarshal(m.Raw, &raw); err != nil || raw.ID != m.ID || raw.CanonicalSlug == "" {
			t.Fatalf("%s: Raw %.200s (%v)", m.ID, m.Raw, err)
		}
	}
	cat := domain.NewCatalog(models, time.Now())
	for _, typ := range domain.ModelTypes {
		if got := len(cat.Group(typ)); got != want[typ] {
			t.Errorf("group %s: %d, raw says %d", typ, got, want[typ])
		}
	}
	for _, m := range models {
		if m.IsTranscription() {
			t.Errorf("default catalog has transcription model %s", m.ID)
		}
	}
}

func TestListUserModelsSendsKey(t *testing.T) {
	s := newFake(t)
	c := newClient(t, s, openrouter.WithUserModels(true))
	models, err := c.ListModels(context.Background(), testKey)
	if err != nil {
		t.Fatal(err)
	}
	if len(models) == 0 || s.RequestCount(openroutertest.RouteUserModels) != 1 {
		t.Fatalf("%d models, %d requests", len(models), s.RequestCount(openroutertest.RouteUserModels))
	}
	if _, err := c.ListModels(context.Background(), "sk-or-v1-wrong-key-0000000000"); err == nil {
		t.Fatal("wrong key listed user models")
	} else {
		upstream(t, err, domain.ErrInvalidKey)
	}
}

func TestListModelsFollowsNext(t *testing.T) {
	s := newFake(t)
	c := newClient(t, s)
	page1 := `{"data":[{"id":"a/first","name":"A: First","architecture":{"input_modalities":["text"],"output_modalities":["text"]},"pricing":{"prompt":"0.000001","completion":0.000002}}],"links":{"next":"/api/v1/models?output_modalities=all&page=2"}}`
	s.SetFault(openroutertest.RouteModels, openroutertest.Fault{Body: []byte(page1), Times: 1})
	models, err := c.ListModels(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	_, total := rawGroups(t, s.Fixture(openroutertest.FixtureModelsAll))
	if len(models) != total+1 || models[0].ID != "a/first" {
		t.Fatalf("got %d models (first %q), want %d", len(models), models[0].ID, total+1)
	}
	if got := models[0].CompletionCost(); got != "$2.00/1M tokens" {
		t.Errorf("numeric price: %q", got)
	}
	req, _ := s.LastRequest(openroutertest.RouteModels)
	if req.Query.Get("page") != "2" {
		t.Errorf("second page query %v", req.Query)
	}

	s.Reset()
	foreign := `{"data":[],"links":{"next":"https://evil.example/api/v1/models"}}`
	s.SetFault(openroutertest.RouteModels, openroutertest.Fault{Body: []byte(foreign)})
	_, err = c.ListModels(context.Background(), testKey)
	upstream(t, err, domain.ErrBadUpstreamResponse)
}

func TestParseModelsOddBodies(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		wantErr bool
		check   func(t *testing.T, ms []domain.Model)
	}{
		{"not json", `<html>`, true, nil},
		{"no data", `{"models":[]}`, true, nil},
		{"data null", `{"data":null}`, true, nil},
		{"empty", `{"data":[]}`, false, func(t *testing.T, ms []domain.Model) {
			if len(ms) != 0 {
				t.Fatal(ms)
			}
		}},
		{"odd types", `{"data":[{"id":"x/y","name":7,"context_length":"big","created":"soon","pricing":{"prompt":"free","completion":null,"request":{"a":1},"image":"0.001"},"architecture":{"input_modalities":"text","output_modalities":["text",3]}},{"id":"z/w","pricing":[]}]}`, false,
			func(t *testing.T, ms []domain.Model) {
				if len(ms) != 2 {
					t.Fatalf("%d models", len(ms))
				}
				m := ms[0]
				if m.Pricing.Prompt.Known || m.Pricing.Completion.Known || m.Pricing.Request.Known || !m.Pricing.Image.Known {
					t.Errorf("prices %+v", m.Pricing)
				}
				if m.ContextLength != 0 || !m.Created.IsZero() {
					t.Errorf("context %d created %v", m.ContextLength, m.Created)
				}
			}},
		{"missing id dropped", `{"data":[{"name":"no id"},{"id":"a/b"}]}`, false, func(t *testing.T, ms []domain.Model) {
			if len(ms) != 1 || ms[0].ID != "a/b" || ms[0].Provider != "a" {
				t.Fatalf("%+v", ms)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ms, err := openrouter.ParseModels([]byte(tt.body))
			if tt.wantErr {
				upstream(t, err, domain.ErrBadUpstreamResponse)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, ms)
		})
	}
}

func FuzzParseModels(f *testing.F) {
	// Both fixtures, cut into small catalogs of real model objects: the
	// fuzzing engine stalls on megabyte-sized inputs. The whole files are
	// parsed by the tests above.
	for _, name := range []string{openroutertest.FixtureModelsAll, openroutertest.FixtureModelsDefault} {
		var doc struct {
			Data []json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal(fixture(f, name), &doc); err != nil {
			f.Fatal(err)
		}
		for i := 0; i < len(doc.Data); i += 97 {
			items := doc.Data[i:min(i+3, len(doc.Data))]
			body, _ := json.Marshal(map[string]any{"data": items, "links": map[string]any{"next": nil}})
			f.Add(body)
		}
	}
	for _, s := range []string{
		`{"data":[]}`, `{"data":null}`, `null`, `[]`, `{"data":[{}]}`,
		`{"data":[{"id":"a/b","pricing":{"prompt":"-1","completion":1e-7}}]}`,
		`{"data":[{"id":"a/b","created":1e300,"context_length":-5,"pricing":{"prompt":"9999999999999999999999"}}]}`,
		`{"data":[{"id":"a/b","architecture":{"input_modalities":null,"output_modalities":["transcription"]}}],"links":{"next":null}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		ms, err := openrouter.ParseModels(body)
		if err != nil {
			if !strings.Contains(err.Error(), "openrouter") {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		for _, m := range ms {
			if m.ID == "" {
				t.Fatal("model without id")
			}
			_ = m.PromptCost() + m.CompletionCost()
		}
		_ = domain.NewCatalog(ms, time.Time{})
	})
}

func BenchmarkParseCatalog(b *testing.B) {
	body := fixture(b, openroutertest.FixtureModelsAll)
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		ms, err := openrouter.ParseModels(body)
		if err != nil {
			b.Fatal(err)
		}
		if domain.NewCatalog(ms, time.Time{}).Len() == 0 {
			b.Fatal("empty catalog")
		}
	}
}
