package openrouter_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/aimodels/aimodels/adapters/openrouter"
	"github.com/aimodels/aimodels/core/domain"
	"github.com/aimodels/aimodels/test/openroutertest"
)

func chatRequest(model string) *domain.ChatRequest {
	return &domain.ChatRequest{
		Model:    model,
		Messages: []domain.Message{{Role: "user", Content: domain.TextContent("Tell me a joke.")}},
		Extra:    map[string]json.RawMessage{"temperature": json.RawMessage(`0.2`)},
	}
}

func TestChatCompletion(t *testing.T) {
	s := newFake(t)
	c := newClient(t, s, openrouter.WithAppAttribution("https://example.test", "aimodels tests"))
	resp, err := c.ChatCompletion(context.Background(), testKey, chatRequest("openai/gpt-3.5-turbo"))
	if err != nil {
		t.Fatal(err)
	}
	var raw struct {
		ID       string `json:"id"`
		Provider string `json:"provider"`
		Choices  []struct {
			FinishReason string `json:"finish_reason"`
			Message      struct {
				Content string `json:"content"`
			} `json:"message"`
		} `json:"choices"`
		Usage struct {
			TotalTokens int `json:"total_tokens"`
		} `json:"usage"`
	}
	if err := json.Unmarshal(s.Fixture(openroutertest.FixtureChatCompletion), &raw); err != nil {
		t.Fatal(err)
	}
	if resp.Model != "openai/gpt-3.5-turbo" || resp.ID != raw.ID || resp.Provider != raw.Provider {
		t.Fatalf("response %+v", resp)
	}
	if resp.Text() != raw.Choices[0].Message.Content || resp.Choices[0].FinishReason != raw.Choices[0].FinishReason {
		t.Fatalf("choice %+v", resp.Choices)
	}
	if resp.Usage.TotalTokens != raw.Usage.TotalTokens || resp.Usage.TotalTokens == 0 {
		t.Fatalf("usage %+v", resp.Usage)
	}
	if !json.Valid(resp.Raw) || !bytes.Contains(resp.Raw, []byte(`"openai/gpt-3.5-turbo"`)) {
		t.Fatalf("raw %s", resp.Raw)
	}
	req, _ := s.LastRequest(openroutertest.RouteChat)
	for h, want := range map[string]string{
		"Authorization": "Bearer " + testKey.Reveal(), "Content-Type": "application/json",
		"Accept": "application/json", "HTTP-Referer": "https://example.test", "X-Title": "aimodels tests",
	} {
		if got := req.Header.Get(h); got != want {
			t.Errorf("header %s = %q, want %q", h, got, want)
		}
	}
	if ua := req.Header.Get("User-Agent"); !strings.HasPrefix(ua, "aimodels/") {
		t.Errorf("User-Agent %q", ua)
	}
	var sent map[string]any
	if err := json.Unmarshal(req.Body, &sent); err != nil || sent["temperature"] != 0.2 || sent["stream"] != nil {
		t.Errorf("sent body %s (%v)", req.Body, err)
	}
}

func TestChatCompletionToolCallFixture(t *testing.T) {
	s := newFake(t)
	c := newClient(t, s)
	s.SetFault(openroutertest.RouteChat, openroutertest.Fault{FixtureName: openroutertest.FixtureChatToolCall})
	resp, err := c.ChatCompletion(context.Background(), testKey, chatRequest("mistralai/mistral-small"))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Choices[0].FinishReason != "tool_calls" || resp.Text() != "" || resp.Provider != "Mistral" {
		t.Fatalf("%+v", resp)
	}
	if !bytes.Equal(resp.Raw, s.Fixture(openroutertest.FixtureChatToolCall)) {
		t.Fatal("Raw is not the body as received")
	}
}

func TestChatCompletionErrorInside200(t *testing.T) {
	s := newFake(t)
	c := newClient(t, s)
	body := s.Fixture(openroutertest.FixtureErrInsufficient)
	s.SetFault(openroutertest.RouteChat, openroutertest.Fault{Status: 200, Body: body})
	_, err := c.ChatCompletion(context.Background(), testKey, chatRequest("openai/gpt-4o"))
	ue := upstream(t, err, domain.ErrInsufficientCredits)
	msg, _ := fixtureError(t, body)
	if ue.Message != msg || ue.Status != 200 {
		t.Fatalf("%+v", ue)
	}
}

// dataEvents counts the data events of an SSE fixture other than [DONE].
func dataEvents(body []byte) int {
	n := 0
	for _, line := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(line, "data: ") && strings.TrimSpace(line) != "data: [DONE]" {
			n++
		}
	}
	return n
}

func TestStreamReasoning(t *testing.T) {
	s := newFake(t)
	c := newClient(t, s)
	st, err := c.ChatCompletionStream(context.Background(), testKey, chatRequest("anthropic/claude-sonnet-4.5"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var chunks []domain.StreamChunk
	for {
		ch, err := st.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		chunks = append(chunks, ch)
	}
	want := dataEvents(s.Fixture(openroutertest.FixtureStreamReasoning))
	if len(chunks) != want || want == 0 {
		t.Fatalf("%d chunks, fixture has %d data events", len(chunks), want)
	}
	var last struct {
		Usage struct {
			Cost float64 `json:"cost"`
		} `json:"usage"`
	}
	if err := json.Unmarshal(chunks[len(chunks)-1].Data, &last); err != nil || last.Usage.Cost == 0 {
		t.Fatalf("last chunk %s: %v", chunks[len(chunks)-1].Data, err)
	}
	if _, err := st.Recv(); !errors.Is(err, io.EOF) {
		t.Fatalf("after EOF: %v", err)
	}
	req, _ := s.LastRequest(openroutertest.RouteChat)
	if !bytes.Contains(req.Body, []byte(`"stream":true`)) || req.Header.Get("Accept") != "text/event-stream" {
		t.Fatalf("request %s %v", req.Body, req.Header)
	}
	if err := st.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func TestStreamMidstreamError(t *testing.T) {
	s := newFake(t, openroutertest.WithMidstreamError())
	c := newClient(t, s)
	st, err := c.ChatCompletionStream(context.Background(), testKey, chatRequest("minimax/minimax-m2:free"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	body := s.Fixture(openroutertest.FixtureStreamMidstream)
	// The events before the one carrying the error object.
	before := dataEvents(body[:bytes.Index(body, []byte(`"error":`))]) - 1
	n := 0
	for {
		_, err = st.Recv()
		if err != nil {
			break
		}
		n++
	}
	if n != before || before == 0 {
		t.Fatalf("%d chunks before the error, want %d", n, before)
	}
	ue := upstream(t, err, domain.ErrUpstreamRejected)
	if ue.Code != 400 || ue.Message != "Token limit reached" {
		t.Fatalf("%+v", ue)
	}
	if _, again := st.Recv(); !errors.Is(again, domain.ErrUpstreamRejected) {
		t.Fatalf("after the error: %v", again)
	}
}

func TestStreamParser(t *testing.T) {
	body := ": comment\r\n\r\nevent: x\ndata: {\"a\":\ndata: 1}\n\nid: 3\n\ndata: {\"b\":2}"
	st := openrouter.NewStream(io.NopCloser(strings.NewReader(body)), 1<<10)
	var got []string
	for {
		ch, err := st.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, string(ch.Data))
	}
	if strings.Join(got, "|") != "{\"a\":\n1}|{\"b\":2}" {
		t.Fatalf("%q", got)
	}
	long := "data: \"" + strings.Repeat("x", 2000) + "\"\n\n"
	st = openrouter.NewStream(io.NopCloser(strings.NewReader(long)), 1<<10)
	_, err := st.Recv()
	upstream(t, err, domain.ErrBadUpstreamResponse)
	st = openrouter.NewStream(io.NopCloser(strings.NewReader("data: not json\n\n")), 1<<10)
	_, err = st.Recv()
	upstream(t, err, domain.ErrBadUpstreamResponse)
}

func TestStreamErrorBeforeStart(t *testing.T) {
	s := newFake(t)
	c := newClient(t, s)
	s.SetFault(openroutertest.RouteChat, openroutertest.Fault{Status: 402})
	_, err := c.ChatCompletionStream(context.Background(), testKey, chatRequest("openai/gpt-4o"))
	upstream(t, err, domain.ErrInsufficientCredits)
	if n := s.RequestCount(openroutertest.RouteChat); n != 1 {
		t.Fatalf("%d requests", n)
	}
}

func TestTranscribe(t *testing.T) {
	s := newFake(t)
	c := newClient(t, s)
	audio := bytes.Repeat([]byte{1, 2}, 32000)
	tr, err := c.Transcribe(context.Background(), testKey, &domain.TranscriptionRequest{
		Model: "openai/whisper-1", Audio: audio, Format: "wav", Language: "en",
	})
	if err != nil {
		t.Fatal(err)
	}
	if tr.Text != openroutertest.TranscriptionText || tr.Model != "openai/whisper-1" || tr.Usage.Seconds <= 0 {
		t.Fatalf("%+v", tr)
	}
	req, _ := s.LastRequest(openroutertest.RouteTranscriptions)
	var sent struct {
		Model      string `json:"model"`
		Language   string `json:"language"`
		InputAudio struct {
			Data   string `json:"data"`
			Format string `json:"format"`
		} `json:"input_audio"`
	}
	if err := json.Unmarshal(req.Body, &sent); err != nil {
		t.Fatal(err)
	}
	dec, _ := base64.StdEncoding.DecodeString(sent.InputAudio.Data)
	if !bytes.Equal(dec, audio) || sent.InputAudio.Format != "wav" || sent.Language != "en" {
		t.Fatalf("sent %+v", sent)
	}
	s.SetFault(openroutertest.RouteTranscriptions, openroutertest.Fault{Status: 404})
	_, err = c.Transcribe(context.Background(), testKey, &domain.TranscriptionRequest{Model: "x/none", Audio: audio, Format: "wav"})
	upstream(t, err, domain.ErrModelNotFound)
}

// TestEncodeModels: a request's Models become OpenRouter's "models" list,
// in order; without them a caller's "models" in Extra passes through, and
// a request with neither sends none.
func TestEncodeModels(t *testing.T) {
	models := func(r *domain.ChatRequest) string {
		t.Helper()
		b, err := openrouter.EncodeChatRequest(r, false)
		if err != nil {
			t.Fatal(err)
		}
		var body map[string]json.RawMessage
		if err := json.Unmarshal(b, &body); err != nil {
			t.Fatal(err)
		}
		return string(body["models"])
	}
	r := chatRequest("openai/gpt-4o")
	if got := models(r); got != "" {
		t.Fatalf("a request without models sent models %s", got)
	}
	r.Models = []string{"openai/gpt-4o", "anthropic/claude-3-haiku", "z-ai/glm-4"}
	if got := models(r); got != `["openai/gpt-4o","anthropic/claude-3-haiku","z-ai/glm-4"]` {
		t.Fatalf("models sent %s", got)
	}
	r.Extra["models"] = json.RawMessage(`["their/own"]`)
	if got := models(r); got != `["openai/gpt-4o","anthropic/claude-3-haiku","z-ai/glm-4"]` {
		t.Fatalf("Models did not win over Extra: %s", got)
	}
	r.Models = nil
	if got := models(r); got != `["their/own"]` {
		t.Fatalf("the caller's models did not pass through: %s", got)
	}
}

// TestSendOnce: a 503 is retried, unless the request says it is sent once
// (the core has another model to try).
func TestSendOnce(t *testing.T) {
	s := newFake(t)
	c := newClient(t, s)
	ctx := context.Background()
	audio := bytes.Repeat([]byte{1, 2}, 100)
	for _, once := range []bool{false, true} {
		s.Reset()
		s.SetFault(openroutertest.RouteTranscriptions, openroutertest.Fault{Status: 503, Times: 1})
		s.SetFault(openroutertest.RouteChat, openroutertest.Fault{Status: 503, Times: 1})
		_, terr := c.Transcribe(ctx, testKey, &domain.TranscriptionRequest{Model: "openai/whisper-1", Audio: audio, Format: "wav", SendOnce: once})
		r := chatRequest("openai/gpt-4o")
		r.SendOnce = once
		_, cerr := c.ChatCompletion(ctx, testKey, r)
		nt, nc := s.RequestCount(openroutertest.RouteTranscriptions), s.RequestCount(openroutertest.RouteChat)
		switch {
		case once && (nt != 1 || nc != 1 || !errors.Is(terr, domain.ErrUpstreamUnavailable) || !errors.Is(cerr, domain.ErrUpstreamUnavailable)):
			t.Fatalf("sent once: %d and %d requests, errors %v, %v; want 1 each failing", nt, nc, terr, cerr)
		case !once && (nt != 2 || nc != 2 || terr != nil || cerr != nil):
			t.Fatalf("with retries: %d and %d requests, errors %v, %v; want the 503 retried", nt, nc, terr, cerr)
		}
	}
}
