package integration

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/aimodels/aimodels/core"
	"github.com/aimodels/aimodels/test/openroutertest"
)

type tryAnswer struct {
	Success   bool   `json:"success"`
	Model     string `json:"model"`
	Answer    string `json:"answer"`
	LatencyMS *int64 `json:"latency_ms"`
	Usage     struct {
		PromptTokens     int      `json:"prompt_tokens"`
		CompletionTokens int      `json:"completion_tokens"`
		TotalTokens      int      `json:"total_tokens"`
		AudioSeconds     *float64 `json:"audio_seconds"`
	} `json:"usage"`
	Cost json.RawMessage `json:"cost"`
}

type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func keyedStack(t *testing.T) *apiStack {
	t.Helper()
	fake := openroutertest.New()
	t.Cleanup(fake.Close)
	s := newAPIStack(t, fake, core.Options{})
	if st, _ := s.call(t, "PUT", "/settings/api-keys/openrouter", `{"key":"`+fake.APIKey()+`"}`, nil); st != 200 {
		t.Fatalf("key: %d", st)
	}
	return s
}

func lastBody(t *testing.T, fake *openroutertest.Server, route string) map[string]any {
	t.Helper()
	r, ok := fake.LastRequest(route)
	if !ok {
		t.Fatalf("nothing reached %s", route)
	}
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("%s body: %v", route, err)
	}
	return m
}

// TestTryEachType: "Try" sends a tiny real request of each type through
// the normal request path and answers with the answer, latency, usage
// and cost.
func TestTryEachType(t *testing.T) {
	s := keyedStack(t)

	// Text, to the selected (recommended) text model.
	var a tryAnswer
	if st, _ := s.call(t, "POST", "/settings/openrouter/try", `{"type":"text"}`, &a); st != 200 {
		t.Fatalf("text try: %d %+v", st, a)
	}
	if !a.Success || a.Model != "openai/gpt-5-nano" || !strings.Contains(a.Answer, "train") || a.LatencyMS == nil || a.Usage.TotalTokens != 52 || string(a.Cost) != "null" {
		t.Errorf("text try = %+v cost %s", a, a.Cost)
	}
	body := lastBody(t, s.fake, openroutertest.RouteChat)
	msgs, _ := json.Marshal(body["messages"])
	if body["model"] != "openai/gpt-5-nano" || !strings.Contains(string(msgs), "capital of France") || body["usage"] == nil || body["max_tokens"] == nil {
		t.Errorf("text request = %v", body)
	}

	// Image, to a named model: the embedded picture as a data URL.
	a = tryAnswer{}
	if st, _ := s.call(t, "POST", "/settings/openrouter/try", `{"type":"image","model":"google/gemini-2.5-flash"}`, &a); st != 200 || a.Model != "google/gemini-2.5-flash" {
		t.Fatalf("image try: %d %+v", st, a)
	}
	body = lastBody(t, s.fake, openroutertest.RouteChat)
	msgs, _ = json.Marshal(body["messages"])
	png, err := os.ReadFile("../../adapters/echoapi/trysamples/picture.png")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(msgs), "data:image/png;base64,"+base64.StdEncoding.EncodeToString(png)) || !strings.Contains(string(msgs), "Describe this picture") {
		t.Errorf("image request lacks the picture: %.300s", msgs)
	}

	// Audio, to the selected whisper-1: the embedded clip, transcribed,
	// with OpenRouter's usage.cost.
	a = tryAnswer{}
	if st, _ := s.call(t, "POST", "/settings/openrouter/try", `{"type":"audio"}`, &a); st != 200 {
		t.Fatalf("audio try: %d %+v", st, a)
	}
	if a.Model != "openai/whisper-1" || a.Answer != openroutertest.TranscriptionText || string(a.Cost) == "null" || len(a.Cost) == 0 {
		t.Errorf("audio try = %+v cost %s", a, a.Cost)
	}
	// The fake bills the clip by its length: 32,000 bytes a second.
	wavLen, _ := os.Stat("../../adapters/echoapi/trysamples/speech.wav")
	if want := float64(wavLen.Size()) / 32000; a.Usage.AudioSeconds == nil || *a.Usage.AudioSeconds != want {
		t.Errorf("audio try usage.audio_seconds = %v, want %v", a.Usage.AudioSeconds, want)
	}
	body = lastBody(t, s.fake, openroutertest.RouteTranscriptions)
	wav, _ := os.ReadFile("../../adapters/echoapi/trysamples/speech.wav")
	if ia, _ := body["input_audio"].(map[string]any); ia["format"] != "wav" || ia["data"] != base64.StdEncoding.EncodeToString(wav) {
		t.Errorf("transcription request = %.200v", body)
	}
	if len(wav) > 30<<10 || !bytes.HasPrefix(wav, []byte("RIFF")) {
		t.Errorf("speech sample: %d bytes", len(wav))
	}

	// Audio to a chat model that hears audio: a chat completion with the clip.
	a = tryAnswer{}
	if st, _ := s.call(t, "POST", "/settings/openrouter/try", `{"type":"audio","model":"openai/gpt-audio"}`, &a); st != 200 || a.Model != "openai/gpt-audio" {
		t.Fatalf("audio chat try: %d %+v", st, a)
	}
	body = lastBody(t, s.fake, openroutertest.RouteChat)
	msgs, _ = json.Marshal(body["messages"])
	if !strings.Contains(string(msgs), "input_audio") {
		t.Errorf("audio chat request = %.300s", msgs)
	}
}

// TestTryErrors: errors come back typed through the normal mapping, with
// Retry-After on a 429.
func TestTryErrors(t *testing.T) {
	s := keyedStack(t)
	var e apiError
	if st, _ := s.call(t, "POST", "/settings/openrouter/try", `{"type":"image","model":"openai/whisper-1"}`, &e); st != 422 && st != 400 {
		t.Errorf("wrong type: %d %+v", st, e)
	} else if e.Error.Code == "" {
		t.Errorf("wrong type: no code %+v", e)
	}
	if st, _ := s.call(t, "POST", "/settings/openrouter/try", `{"type":"video"}`, &e); st != 422 && st != 400 {
		t.Errorf("bad type: %d", st)
	}
	if st, _ := s.call(t, "POST", "/settings/openrouter/try", `{"type":"text","model":"nope/missing"}`, &e); st != 422 || e.Error.Code != "model_not_found" {
		t.Errorf("missing model: %d %+v", st, e)
	}
	s.fake.SetFault(openroutertest.RouteChat, openroutertest.Fault{Status: 429, RetryAfter: "20"})
	e = apiError{}
	st, h := s.call(t, "POST", "/settings/openrouter/try", `{"type":"text"}`, &e)
	if st != 429 || h.Get("Retry-After") != "20" || e.Error.Code != "rate_limited" {
		t.Errorf("429: %d Retry-After=%q %+v", st, h.Get("Retry-After"), e)
	}
	s.fake.SetFault(openroutertest.RouteTranscriptions, openroutertest.Fault{Status: 401})
	e = apiError{}
	if st, _ := s.call(t, "POST", "/settings/openrouter/try", `{"type":"audio"}`, &e); st != 401 || e.Error.Code != "invalid_key" {
		t.Errorf("401: %d %+v", st, e)
	}
	// No key at all.
	fake := openroutertest.New()
	t.Cleanup(fake.Close)
	bare := newAPIStack(t, fake, core.Options{})
	e = apiError{}
	if st, _ := bare.call(t, "POST", "/settings/openrouter/try", `{"type":"text"}`, &e); st != 400 || e.Error.Code != "no_api_key" {
		t.Errorf("no key: %d %+v", st, e)
	}
}
