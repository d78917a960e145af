package e2e

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

	of "github.com/aimodels/aimodels/test/openroutertest"
)

// TestOpenAIGoClientNamedPrompt uses github.com/openai/openai-go/v3
// against the binary: a chat completion with model "text" whose body
// names a stored prompt and its variables (option.WithJSONSet, the
// client's way to send members it has no field for). The fake OpenRouter
// must receive the prompt's text, filled in, as the system message before
// the caller's message; a missing variable is a 422 the client reports as
// an *openai.Error naming it, and sends nothing upstream.
func TestOpenAIGoClientNamedPrompt(t *testing.T) {
	t.Parallel()
	fake := newFake(t)
	s := startWithPrompt(t, fake)
	defer s.stop(t)

	client := openai.NewClient(option.WithBaseURL(s.URL+"/api/v1/"), option.WithAPIKey(adminToken),
		option.WithMaxRetries(0), option.WithRequestTimeout(30*time.Second))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	params := openai.ChatCompletionNewParams{
		Model:    "text",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Where is my order?")},
	}
	res, err := client.Chat.Completions.New(ctx, params,
		option.WithJSONSet("prompt", "reply-to-customer"),
		option.WithJSONSet("variables", map[string]string{"customer": "Анна", "tone": "warm"}))
	if err != nil {
		t.Fatalf("chat completion: %v", err)
	}
	if len(res.Choices) == 0 || res.Choices[0].Message.Content == "" || !strings.Contains(res.Model, "/") {
		t.Fatalf("completion %+v: want a choice with content from an OpenRouter model", res)
	}

	chats := upstreamChats(t, fake)
	if len(chats) != 1 {
		t.Fatalf("the fake saw %d chat requests, want 1", len(chats))
	}
	checkPromptSent(t, chats[0], "Reply to Анна in a warm tone.", "Where is my order?")

	// A placeholder without a value: 422 naming it, nothing sent upstream.
	_, err = client.Chat.Completions.New(ctx, params,
		option.WithJSONSet("prompt", "reply-to-customer"),
		option.WithJSONSet("variables", map[string]string{"customer": "Анна"}))
	var apiErr *openai.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 422 || !strings.Contains(apiErr.RawJSON(), "tone") {
		t.Fatalf("a missing variable: %v; want a 422 *openai.Error naming tone", err)
	}
	if n := fake.RequestCount(of.RouteChat); n != 1 {
		t.Errorf("the fake saw %d chat requests after the refused one, want still 1", n)
	}
}
