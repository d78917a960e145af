package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	of "github.com/aimodels/aimodels/test/openroutertest"
	"github.com/aimodels/aimodels/test/testenv"
)

// TestOpenAINodeClient runs test/npmclient (the official openai npm
// client, node --test) against the binary with a stored key: a chat
// completion and a stream with model "text". It installs the packages
// from the committed lockfile first when they are missing, and skips
// only when node or npm is not on PATH.
func TestOpenAINodeClient(t *testing.T) {
	t.Parallel()
	fake := newFake(t)
	s := start(t, opts{upstream: fake.URL()})
	defer s.stop(t)
	s.storeKey(t, of.DefaultAPIKey)
	s.saveSelection(t, map[string]string{"text": "openai/gpt-4o-mini"})
	runNodeTest(t, s, "openai", "client.test.mjs")
	// The client's requests reached the fake with the selected model.
	chats := upstreamChats(t, fake)
	if len(chats) < 2 {
		t.Errorf("the fake saw %d chat requests, want the completion and the stream", len(chats))
	}
	var streamed bool
	for _, u := range chats {
		if u.Model != "openai/gpt-4o-mini" {
			t.Errorf("upstream chat request model %q, want openai/gpt-4o-mini", u.Model)
		}
		streamed = streamed || u.Stream
	}
	if !streamed {
		t.Error("no streamed request reached the fake")
	}
}

// TestOpenRouterNodeSDK runs test/npmclient's openrouter.test.mjs
// (OpenRouter's own TypeScript SDK, @openrouter/sdk) against the binary:
// models.list through every page, each entry validated by the SDK against
// OpenRouter's model schema, and chat.send naming a stored prompt with
// variables. The fake must then have received the prompt's text, filled
// in, as the system message before the caller's message.
func TestOpenRouterNodeSDK(t *testing.T) {
	t.Parallel()
	fake := newFake(t)
	s := startWithPrompt(t, fake)
	defer s.stop(t)
	runNodeTest(t, s, "@openrouter/sdk", "openrouter.test.mjs")

	// One chat request reached the fake (the unknown prompt sent nothing):
	// the prompt filled in as the system message, then the caller's.
	chats := upstreamChats(t, fake)
	if len(chats) != 1 {
		t.Fatalf("the fake saw %d chat requests, want 1 (the named prompt; the unknown one is refused before)", len(chats))
	}
	checkPromptSent(t, chats[0], "Reply to Анна in a warm tone.", "Where is my order?")
}

// runNodeTest runs `node --test file` in test/npmclient against s (its
// URL and the admin token in the environment), installing the folder's
// packages first when pkg is missing, and fails the test with the
// output when it fails. Without node or npm on PATH the test is skipped
// (or fails where everything is required).
func runNodeTest(t *testing.T, s *server, pkg, file string) {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		testenv.Missing(t, "node is not on PATH: test/npmclient's "+file+" ("+pkg+") needs Node 20+")
	}
	dir := filepath.Join(repoRoot, "test", "npmclient")
	testenv.NpmCI(t, dir, pkg)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "--test", file)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "AIMODELS_URL="+s.URL, "AIMODELS_TOKEN="+adminToken)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node --test %s: %v\n%s", file, err, out)
	}
	t.Logf("node --test %s:\n%s", file, tail(string(out), 1500))
}

// startWithPrompt starts the binary on fake with its key stored, text
// models on openai/gpt-4o-mini and the text prompt "reply-to-customer"
// ("Reply to {{customer}} in a {{tone}} tone.").
func startWithPrompt(t *testing.T, fake *of.Server) *server {
	t.Helper()
	s := start(t, opts{upstream: fake.URL()})
	s.storeKey(t, of.DefaultAPIKey)
	s.saveSelection(t, map[string]string{"text": "openai/gpt-4o-mini"})
	if r := s.do(t, req{method: "POST", path: "/api/v1/settings/prompts",
		body: []byte(`{"name":"reply-to-customer","type":"text","text":"Reply to {{customer}} in a {{tone}} tone."}`)}); r.status != 201 {
		t.Fatalf("create prompt: %d %s", r.status, r.body)
	}
	return s
}

// upstreamMessages is what a chat request sent to OpenRouter carries.
type upstreamMessages struct {
	Model    string `json:"model"`
	Stream   bool   `json:"stream"`
	Messages []struct {
		Role    string `json:"role"`
		Content any    `json:"content"`
	} `json:"messages"`
	Prompt    json.RawMessage `json:"prompt"`
	Variables json.RawMessage `json:"variables"`
}

// upstreamChats returns the chat requests the fake received, in order.
func upstreamChats(t *testing.T, fake *of.Server) []upstreamMessages {
	t.Helper()
	var chats []upstreamMessages
	for _, rq := range fake.Requests() {
		if rq.Route == of.RouteChat {
			var u upstreamMessages
			if err := json.Unmarshal(rq.Body, &u); err != nil {
				t.Fatalf("upstream chat body: %v: %s", err, rq.Body)
			}
			chats = append(chats, u)
		}
	}
	return chats
}

// checkPromptSent asserts that u carries system, then the user's text,
// and not aimodels' own prompt and variables members.
func checkPromptSent(t *testing.T, u upstreamMessages, system, user string) {
	t.Helper()
	text := func(c any) string {
		switch v := c.(type) {
		case string:
			return v
		case []any: // content parts
			var s string
			for _, p := range v {
				if m, ok := p.(map[string]any); ok {
					s += fmt.Sprint(m["text"])
				}
			}
			return s
		}
		return fmt.Sprint(c)
	}
	if len(u.Messages) != 2 || u.Messages[0].Role != "system" || text(u.Messages[0].Content) != system ||
		u.Messages[1].Role != "user" || text(u.Messages[1].Content) != user {
		t.Errorf("upstream messages %+v; want system %q then user %q", u.Messages, system, user)
	}
	if u.Prompt != nil || u.Variables != nil {
		t.Errorf("upstream body carries aimodels' prompt %s / variables %s", u.Prompt, u.Variables)
	}
	if u.Model != "openai/gpt-4o-mini" {
		t.Errorf("upstream model %q, want openai/gpt-4o-mini", u.Model)
	}
}
