package echoapi_test

import (
	json "github.com/goccy/go-json"
	"slices"
	"testing"

	"github.com/golang/mock/gomock"

	"github.com/aimodels/aimodels/adapters/echoapi"
	"github.com/aimodels/aimodels/core/domain"
)

// TestSelectionPutShapes: the plain form keeps the fallbacks, the object
// form sets them ([] clears, absent or null keeps), and bad shapes are
// refused naming the field, the fallback's index included.
func TestSelectionPutShapes(t *testing.T) {
	keep := func(id string) domain.SelectionChoice { return domain.SelectionChoice{Model: id, KeepFallbacks: true} }
	for _, c := range []struct {
		body string
		want map[domain.ModelType]domain.SelectionChoice
	}{
		{`{"text":"openai/gpt-4o"}`, map[domain.ModelType]domain.SelectionChoice{domain.TypeText: keep("openai/gpt-4o")}},
		{`{"text":{"model":"openai/gpt-4o","fallbacks":["a/1","b/2"]},"audio":"openai/whisper-1"}`, map[domain.ModelType]domain.SelectionChoice{
			domain.TypeText: {Model: "openai/gpt-4o", Fallbacks: []string{"a/1", "b/2"}}, domain.TypeAudio: keep("openai/whisper-1")}},
		{`{"image":{"model":"openai/gpt-4o","fallbacks":[]}}`, map[domain.ModelType]domain.SelectionChoice{domain.TypeImage: {Model: "openai/gpt-4o", Fallbacks: []string{}}}},
		{`{"image":{"model":"openai/gpt-4o"}}`, map[domain.ModelType]domain.SelectionChoice{domain.TypeImage: keep("openai/gpt-4o")}},
		{`{"image":{"model":"openai/gpt-4o","fallbacks":null}}`, map[domain.ModelType]domain.SelectionChoice{domain.TypeImage: keep("openai/gpt-4o")}},
	} {
		e, svc := newServer(t)
		svc.models.EXPECT().SaveChoices(gomock.Any(), domain.DefaultScope, c.want).Return(domain.Selection{
			domain.TypeText: {Type: domain.TypeText, ModelID: "openai/gpt-4o", Saved: true, Fallbacks: []string{"a/1", "b/2"}},
		}, nil)
		rec := do(e, call{method: "PUT", path: "/api/v1/settings/openrouter/selection", body: c.body})
		var got map[string]echoapi.SelectionEntryDTO
		if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || rec.Code != 200 {
			t.Fatalf("%s: %d %s", c.body, rec.Code, rec.Body)
		}
		if !slices.Equal(got["text"].Fallbacks, []string{"a/1", "b/2"}) || got["audio"].Fallbacks == nil {
			t.Fatalf("%s: fallbacks in the answer %s", c.body, rec.Body)
		}
	}
	for _, c := range []struct{ body, field string }{
		{`{"text":{"model":"openai/gpt-4o","fallbacks":["a/1",7]}}`, "text.fallbacks[1]"},
		{`{"text":{"model":"openai/gpt-4o","fallbacks":"a/1"}}`, "text.fallbacks"},
		{`{"text":{"model":"openai/gpt-4o","fallbacks":["a/1","a/2","a/3","a/4"]}}`, "text.fallbacks"},
		{`{"text":{"fallbacks":["a/1"]}}`, "text.model"},
		{`{"text":{"model":"openai/gpt-4o","fallback":["a/1"]}}`, "text.fallback"},
		{`{"text":["openai/gpt-4o"]}`, "text"},
		{`{"text":""}`, "text"},
	} {
		e, _ := newServer(t)
		rec := do(e, call{method: "PUT", path: "/api/v1/settings/openrouter/selection", body: c.body})
		var b echoapi.ErrorBody
		if err := json.Unmarshal(rec.Body.Bytes(), &b); err != nil || rec.Code != 422 || b.Error.Field != c.field {
			t.Fatalf("%s: %d %s, want 422 naming %s", c.body, rec.Code, rec.Body, c.field)
		}
	}
	// The core's verdict on a fallback keeps its field.
	e, svc := newServer(t)
	svc.models.EXPECT().SaveChoices(gomock.Any(), gomock.Any(), gomock.Any()).Return(nil,
		&domain.ValidationError{Field: "text.fallbacks[0]", Reason: `model "x/y" not found in the catalog`})
	rec := do(e, call{method: "PUT", path: "/api/v1/settings/openrouter/selection", body: `{"text":{"model":"openai/gpt-4o","fallbacks":["x/y"]}}`})
	var b echoapi.ErrorBody
	if err := json.Unmarshal(rec.Body.Bytes(), &b); err != nil || rec.Code != 422 || b.Error.Field != "text.fallbacks[0]" || b.Error.Code != "validation_error" {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
}
