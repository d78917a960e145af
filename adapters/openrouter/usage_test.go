package openrouter_test

import (
	"bytes"
	"errors"
	"io"
	"testing"

	json "github.com/goccy/go-json"

	"github.com/aimodels/aimodels/adapters/openrouter"
	"github.com/aimodels/aimodels/core/domain"
	"github.com/aimodels/aimodels/test/openroutertest"
)

// The usage ledger's reading of upstream answers: the last chunk of a
// real stream carries usage with cost; a completion's token details.
func TestStreamMetaFromTheUsageChunk(t *testing.T) {
	st := openrouter.NewStream(io.NopCloser(bytes.NewReader(fixture(t, openroutertest.FixtureStreamReasoning))), 1<<20)
	n := 0
	for {
		_, err := st.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	m := st.StreamMeta()
	if !m.HasUsage || m.ID != "gen-1765226419-AGrwjunAftQIAgweibL8" || m.Provider != "Google" || m.Model != "anthropic/claude-sonnet-4.5" ||
		m.Usage.Cost.String() != "0.000669" || m.Usage.PromptTokens != 43 || m.Usage.CompletionTokens != 36 || m.Usage.ReasoningTokens != 13 {
		t.Fatalf("after %d chunks: %+v", n, m)
	}
}

func TestChatUsageDetails(t *testing.T) {
	r, err := openrouter.ParseChatResponse(fixture(t, openroutertest.FixtureChatCompletion))
	if err != nil {
		t.Fatal(err)
	}
	if r.ID != "gen-1759510642-J9qupM2EtKoYTfG7ehDn" || r.Provider != "Google" || r.Usage.PromptTokens != 31 || r.Usage.CompletionTokens != 21 || !r.Usage.Cost.IsZero() || r.Usage.CostKnown {
		t.Fatalf("%+v", r)
	}
	body := []byte(`{"id":"g","model":"m","choices":[],"usage":{"prompt_tokens":10,"completion_tokens":5,"cost":0.00012345678901,
		"prompt_tokens_details":{"cached_tokens":3,"audio_tokens":2},"completion_tokens_details":{"reasoning_tokens":4,"image_tokens":1}}}`)
	r, err = openrouter.ParseChatResponse(body)
	if err != nil {
		t.Fatal(err)
	}
	want := domain.Usage{PromptTokens: 10, CompletionTokens: 5, Cost: domain.MustDecimal("0.00012345678901"), CostKnown: true, CachedTokens: 3, AudioTokens: 2, ReasoningTokens: 4, ImageTokens: 1}
	if r.Usage != want {
		t.Fatalf("usage %+v, want %+v", r.Usage, want)
	}
}

func TestStreamAsksForUsage(t *testing.T) {
	b, err := openrouter.EncodeChatRequest(&domain.ChatRequest{Model: "m", Messages: []domain.Message{{Role: "user", Content: domain.TextContent("hi")}}}, true)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Usage struct {
			Include bool `json:"include"`
		} `json:"usage"`
	}
	if json.Unmarshal(b, &got) != nil || !got.Usage.Include {
		t.Fatalf("stream body %s", b)
	}
	b, _ = openrouter.EncodeChatRequest(&domain.ChatRequest{Model: "m", Messages: []domain.Message{{Role: "user", Content: domain.TextContent("hi")}}}, false)
	if bytes.Contains(b, []byte(`"usage"`)) {
		t.Fatalf("a plain completion gains usage: %s", b)
	}
}
