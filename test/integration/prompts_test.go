package integration

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/aimodels/aimodels/adapters/echoapi"
	"github.com/aimodels/aimodels/adapters/memstore"
	"github.com/aimodels/aimodels/adapters/openrouter"
	"github.com/aimodels/aimodels/adapters/tinkcipher"
	"github.com/aimodels/aimodels/core"
	"github.com/aimodels/aimodels/core/domain"
	"github.com/aimodels/aimodels/test/openroutertest"
)

// A chat request that names a stored prompt reaches OpenRouter with the
// prompt's text, its placeholders filled, as the first (system) message,
// and without aimodels' own prompt and variables members; a missing value,
// a prompt of another type and an unknown prompt are typed errors that
// send nothing upstream.
func TestNamedPromptIsSentAsTheSystemMessage(t *testing.T) {
	fake := openroutertest.New()
	defer fake.Close()
	gw, err := openrouter.New(openrouter.WithBaseURL(fake.URL()), openrouter.WithRetry(0, time.Millisecond, time.Millisecond, time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	cipher, err := tinkcipher.Generate()
	if err != nil {
		t.Fatal(err)
	}
	st := memstore.New()
	svc, err := core.New(core.Deps{Gateway: gw, Keys: st, Selections: st, Prompts: st, Cipher: cipher}, core.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := svc.SetKey(ctx, "", domain.ProviderOpenRouter, openroutertest.DefaultAPIKey); err != nil {
		t.Fatal(err)
	}
	for _, p := range []domain.Prompt{
		{Name: "reply-to-customer", Type: domain.TypeText, Text: "Reply to {{customer}} in a {{tone}} tone."},
		{Name: "describe", Type: domain.TypeImage, Text: "Describe the image."},
	} {
		if _, err := svc.CreatePrompt(ctx, "", p); err != nil {
			t.Fatal(err)
		}
	}
	// The body as a client sends it, read by the HTTP adapter.
	req, err := echoapi.DecodeChatRequest([]byte(`{"model":"text","prompt":"reply-to-customer","variables":{"customer":"Анна","tone":"warm"},"temperature":0.3,"messages":[{"role":"user","content":"Where is my order?"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Complete(ctx, "", req); err != nil {
		t.Fatal(err)
	}
	var sent struct {
		Messages []struct {
			Role    string `json:"role"`
			Content string `json:"content"`
		} `json:"messages"`
		Temperature float64         `json:"temperature"`
		Prompt      json.RawMessage `json:"prompt"`
		Variables   json.RawMessage `json:"variables"`
	}
	reqs := fake.Requests()
	last := reqs[len(reqs)-1]
	if last.Route != openroutertest.RouteChat || json.Unmarshal(last.Body, &sent) != nil {
		t.Fatalf("last upstream request %s: %s", last.Route, last.Body)
	}
	if len(sent.Messages) != 2 || sent.Messages[0].Role != "system" || sent.Messages[0].Content != "Reply to Анна in a warm tone." ||
		sent.Messages[1].Content != "Where is my order?" || sent.Temperature != 0.3 || sent.Prompt != nil || sent.Variables != nil {
		t.Fatalf("upstream got %s", last.Body)
	}

	chats := fake.RequestCount(openroutertest.RouteChat)
	for _, c := range []struct {
		name string
		req  domain.ChatRequest
		want error
	}{
		{"a missing value", domain.ChatRequest{Model: "text", Prompt: "reply-to-customer", Variables: map[string]string{"customer": "A"}}, domain.ErrValidation},
		{"a prompt of another type", domain.ChatRequest{Model: "text", Prompt: "describe"}, domain.ErrValidation},
		{"an unknown prompt", domain.ChatRequest{Model: "text", Prompt: "nope"}, domain.ErrNotFound},
	} {
		c.req.Messages = []domain.Message{{Role: "user", Content: domain.TextContent("hi")}}
		if _, err := svc.Complete(ctx, "", &c.req); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	if n := fake.RequestCount(openroutertest.RouteChat); n != chats {
		t.Fatalf("%d chat requests were sent for refused prompts", n-chats)
	}
}
