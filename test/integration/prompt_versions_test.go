package integration

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/aimodels/aimodels/adapters/echoapi"
	"github.com/aimodels/aimodels/adapters/memstore"
	"github.com/aimodels/aimodels/adapters/openrouter"
	"github.com/aimodels/aimodels/adapters/tinkcipher"
	"github.com/aimodels/aimodels/core"
	"github.com/aimodels/aimodels/core/domain"
	"github.com/aimodels/aimodels/test/openroutertest"
)

// logSink keeps every log record's message and attributes as text, with
// its level, for tests that check what is never logged.
type logSink struct {
	mu    sync.Mutex
	lines []string
}

func (l *logSink) Enabled(context.Context, slog.Level) bool { return true }
func (l *logSink) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Level.String() + " " + r.Message)
	r.Attrs(func(a slog.Attr) bool { b.WriteString(" " + a.String()); return true })
	l.mu.Lock()
	l.lines = append(l.lines, b.String())
	l.mu.Unlock()
	return nil
}
func (l *logSink) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logSink) WithGroup(string) slog.Handler      { return l }

// infoContaining returns the records at info or above that contain s.
func (l *logSink) infoContaining(s string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, line := range l.lines {
		if !strings.HasPrefix(line, "DEBUG") && strings.Contains(line, s) {
			out = append(out, line)
		}
	}
	return out
}

// promptServer is the whole HTTP API over memstore and the fake
// OpenRouter, with every log going to logs.
type promptServer struct {
	fake *openroutertest.Server
	url  string
	logs *logSink
}

func newPromptServer(t *testing.T) *promptServer {
	t.Helper()
	fake := openroutertest.New()
	t.Cleanup(fake.Close)
	logs := &logSink{}
	log := slog.New(logs)
	gw, err := openrouter.New(openrouter.WithBaseURL(fake.URL()), openrouter.WithLogger(log),
		openrouter.WithRetry(0, time.Millisecond, time.Millisecond, time.Second))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(gw.Close)
	cipher, err := tinkcipher.Generate()
	if err != nil {
		t.Fatal(err)
	}
	st := memstore.New()
	svc, err := core.New(core.Deps{Gateway: gw, Keys: st, Selections: st, Prompts: st, Cipher: cipher}, core.Options{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SetKey(context.Background(), "", domain.ProviderOpenRouter, openroutertest.DefaultAPIKey); err != nil {
		t.Fatal(err)
	}
	e := echo.New()
	e.HTTPErrorHandler = echoapi.ErrorHandler(log)
	echoapi.Register(e.Group("/api/v1"), echoapi.All(svc), echoapi.Options{Prefix: "/api/v1", Logger: log})
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return &promptServer{fake: fake, url: srv.URL + "/api/v1", logs: logs}
}

// call sends body (JSON unless ctype says otherwise) and decodes a JSON
// answer into out when out is set.
func (s *promptServer) call(t *testing.T, method, path string, body []byte, ctype string, out any) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, s.url+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if ctype == "" {
		ctype = "application/json"
	}
	req.Header.Set("Content-Type", ctype)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, path, err, b)
		}
	}
	return resp.StatusCode, b
}

func jsonBody(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

type promptJSON struct {
	ID           int64    `json:"id"`
	Name         string   `json:"name"`
	Type         string   `json:"type"`
	Text         string   `json:"text"`
	Version      int      `json:"version"`
	Placeholders []string `json:"placeholders"`
	Default      bool     `json:"default"`
}

func (s *promptServer) createPrompt(t *testing.T, in map[string]any) promptJSON {
	t.Helper()
	var p promptJSON
	if code, b := s.call(t, "POST", "/settings/prompts", jsonBody(in), "", &p); code != http.StatusCreated {
		t.Fatalf("create prompt %v: %d %s", in, code, b)
	}
	return p
}

func (s *promptServer) updatePrompt(t *testing.T, id int64, in map[string]any) promptJSON {
	t.Helper()
	var p promptJSON
	if code, b := s.call(t, "PUT", fmt.Sprintf("/settings/prompts/%d", id), jsonBody(in), "", &p); code != http.StatusOK {
		t.Fatalf("update prompt %d %v: %d %s", id, in, code, b)
	}
	return p
}

// systemSent returns the system messages of the last chat request the
// fake received.
func (s *promptServer) systemSent(t *testing.T) []string {
	t.Helper()
	reqs := s.fake.Requests()
	for i := len(reqs) - 1; i >= 0; i-- {
		if reqs[i].Route != openroutertest.RouteChat {
			continue
		}
		var body struct {
			Messages []struct {
				Role    string          `json:"role"`
				Content json.RawMessage `json:"content"`
			} `json:"messages"`
		}
		if err := json.Unmarshal(reqs[i].Body, &body); err != nil {
			t.Fatalf("chat body: %v", err)
		}
		var out []string
		for _, m := range body.Messages {
			if m.Role == "system" {
				var text string
				_ = json.Unmarshal(m.Content, &text)
				out = append(out, text)
			}
		}
		return out
	}
	t.Fatal("no chat request reached the fake")
	return nil
}

// chat sends a chat completion with the given aimodels members.
func (s *promptServer) chat(t *testing.T, model string, extra map[string]any) (int, []byte) {
	t.Helper()
	body := map[string]any{"model": model, "messages": []map[string]string{{"role": "user", "content": "Where is my order?"}}}
	for k, v := range extra {
		body[k] = v
	}
	return s.call(t, "POST", "/chat/completions", jsonBody(body), "", nil)
}

func errorCode(b []byte) string {
	var e struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	_ = json.Unmarshal(b, &e)
	return e.Error.Code
}

// A request that pins a version ("reply@1") sends that version's text,
// not the current one; the unpinned name sends the current text; an
// unknown version is a 404 and a bad pin a 422, neither sending anything.
// Restoring version 1 makes its text version 3, the new latest, with the
// history [3 2 1] kept.
func TestPinnedVersionAndRestore(t *testing.T) {
	s := newPromptServer(t)
	p := s.createPrompt(t, map[string]any{"name": "reply", "type": "text", "text": "Reply to {{customer}} warmly."})
	if p.Version != 1 || fmt.Sprint(p.Placeholders) != "[customer]" {
		t.Fatalf("created %+v, want version 1 with placeholders [customer]", p)
	}
	p = s.updatePrompt(t, p.ID, map[string]any{"name": "reply", "type": "text", "text": "Answer {{customer}} in {{lang}}, briefly."})
	if p.Version != 2 || fmt.Sprint(p.Placeholders) != "[customer lang]" {
		t.Fatalf("updated %+v, want version 2 with placeholders [customer lang]", p)
	}
	vars := map[string]string{"customer": "Анна", "lang": "Russian"}
	for _, c := range []struct{ ref, want string }{
		{"reply@1", "Reply to Анна warmly."},
		{"reply", "Answer Анна in Russian, briefly."},
		{"reply@2", "Answer Анна in Russian, briefly."},
	} {
		if code, b := s.chat(t, "text", map[string]any{"prompt": c.ref, "variables": vars}); code != http.StatusOK {
			t.Fatalf("%s: %d %s", c.ref, code, b)
		}
		if got := s.systemSent(t); len(got) != 1 || got[0] != c.want {
			t.Errorf("%s: upstream system messages %q, want [%q]", c.ref, got, c.want)
		}
	}
	chats := s.fake.RequestCount(openroutertest.RouteChat)
	for _, c := range []struct {
		ref    string
		status int
		code   string
	}{
		{"reply@9", http.StatusNotFound, "not_found"},
		{"nope@1", http.StatusNotFound, "not_found"},
		{"reply@0", http.StatusUnprocessableEntity, "validation_error"},
		{"reply@x", http.StatusUnprocessableEntity, "validation_error"},
		{"reply@", http.StatusUnprocessableEntity, "validation_error"},
	} {
		code, b := s.chat(t, "text", map[string]any{"prompt": c.ref, "variables": vars})
		if code != c.status || errorCode(b) != c.code {
			t.Errorf("%s: %d %s, want %d %s", c.ref, code, b, c.status, c.code)
		}
	}
	if n := s.fake.RequestCount(openroutertest.RouteChat); n != chats {
		t.Fatalf("%d chat requests were sent for refused references", n-chats)
	}

	var restored promptJSON
	if code, b := s.call(t, "POST", fmt.Sprintf("/settings/prompts/%d/versions/1/restore", p.ID), nil, "", &restored); code != http.StatusOK {
		t.Fatalf("restore: %d %s", code, b)
	}
	if restored.Version != 3 || restored.Text != "Reply to {{customer}} warmly." || restored.Name != "reply" {
		t.Fatalf("restored %+v, want version 3 with version 1's text", restored)
	}
	var vs struct {
		Versions []struct {
			Version int    `json:"version"`
			Text    string `json:"text"`
		} `json:"versions"`
		Next string `json:"next_cursor"`
	}
	if code, b := s.call(t, "GET", fmt.Sprintf("/settings/prompts/%d/versions", p.ID), nil, "", &vs); code != http.StatusOK {
		t.Fatalf("versions: %d %s", code, b)
	}
	if len(vs.Versions) != 3 || vs.Versions[0].Version != 3 || vs.Versions[1].Version != 2 || vs.Versions[2].Version != 1 ||
		vs.Versions[0].Text != vs.Versions[2].Text || vs.Next != "" {
		t.Fatalf("versions after the restore: %+v", vs)
	}
	// Paged: one at a time, newest first.
	var page struct {
		Versions []struct {
			Version int `json:"version"`
		} `json:"versions"`
		Next string `json:"next_cursor"`
	}
	var seen []int
	for cursor := ""; ; {
		page.Versions, page.Next = nil, ""
		if code, b := s.call(t, "GET", fmt.Sprintf("/settings/prompts/%d/versions?limit=1&cursor=%s", p.ID, cursor), nil, "", &page); code != http.StatusOK {
			t.Fatalf("versions page: %d %s", code, b)
		}
		for _, v := range page.Versions {
			seen = append(seen, v.Version)
		}
		if cursor = page.Next; cursor == "" {
			break
		}
	}
	if fmt.Sprint(seen) != "[3 2 1]" {
		t.Fatalf("paged versions %v, want [3 2 1]", seen)
	}
	if code, b := s.chat(t, "text", map[string]any{"prompt": "reply", "variables": vars}); code != http.StatusOK {
		t.Fatalf("after the restore: %d %s", code, b)
	}
	if got := s.systemSent(t); len(got) != 1 || got[0] != "Reply to Анна warmly." {
		t.Errorf("after the restore the upstream got %q, want the restored text", got)
	}
	for path, want := range map[string]int{
		fmt.Sprintf("/settings/prompts/%d/versions/7/restore", p.ID): http.StatusNotFound,
		"/settings/prompts/98765/versions/1/restore":                 http.StatusNotFound,
		fmt.Sprintf("/settings/prompts/%d/versions/x/restore", p.ID): http.StatusUnprocessableEntity,
	} {
		if code, b := s.call(t, "POST", path, nil, "", nil); code != want {
			t.Errorf("POST %s: %d %s, want %d", path, code, b, want)
		}
	}
	if code, b := s.call(t, "GET", "/settings/prompts/98765/versions", nil, "", nil); code != http.StatusNotFound {
		t.Errorf("versions of a missing prompt: %d %s", code, b)
	}
}

// The default prompt of a type is the system message of a request to
// that type that names no prompt; a request to an explicit model id gets
// none; marking another prompt moves the default at once (this process's
// cache is invalidated by its own writes); unmarking leaves none; a PUT
// without "default" keeps the flag.
func TestDefaultPromptApplied(t *testing.T) {
	s := newPromptServer(t)
	a := s.createPrompt(t, map[string]any{"name": "house-style", "type": "text", "text": "Be brief, {{customer}}.", "default": true})
	if !a.Default {
		t.Fatalf("created %+v, want default", a)
	}
	vars := map[string]string{"customer": "Анна"}
	if code, b := s.chat(t, "text", map[string]any{"variables": vars}); code != http.StatusOK {
		t.Fatalf("chat: %d %s", code, b)
	}
	if got := s.systemSent(t); len(got) != 1 || got[0] != "Be brief, Анна." {
		t.Fatalf("default prompt: upstream system messages %q", got)
	}
	// A default with a placeholder and no value is the same 422 as a named prompt.
	if code, b := s.chat(t, "text", nil); code != http.StatusUnprocessableEntity || !strings.Contains(string(b), "customer") {
		t.Fatalf("default without its value: %d %s", code, b)
	}
	if code, b := s.chat(t, "openai/gpt-4o-mini", nil); code != http.StatusOK {
		t.Fatalf("explicit model: %d %s", code, b)
	}
	if got := s.systemSent(t); len(got) != 0 {
		t.Fatalf("a request to an explicit model id got the default prompt: %q", got)
	}
	a = s.updatePrompt(t, a.ID, map[string]any{"name": "house-style", "type": "text", "text": "Be brief, {{customer}}."})
	if !a.Default || a.Version != 1 {
		t.Fatalf("a PUT without default: %+v, want the flag and the version kept", a)
	}
	b := s.createPrompt(t, map[string]any{"name": "formal", "type": "text", "text": "Be formal.", "default": true})
	if code, body := s.chat(t, "text", nil); code != http.StatusOK {
		t.Fatalf("chat: %d %s", code, body)
	}
	if got := s.systemSent(t); len(got) != 1 || got[0] != "Be formal." {
		t.Fatalf("after marking another default: upstream system messages %q", got)
	}
	var ga promptJSON
	s.call(t, "GET", fmt.Sprintf("/settings/prompts/%d", a.ID), nil, "", &ga)
	if ga.Default {
		t.Fatal("the previous default is still marked")
	}
	// A named prompt wins over the default.
	if code, body := s.chat(t, "text", map[string]any{"prompt": "house-style", "variables": vars}); code != http.StatusOK {
		t.Fatalf("chat: %d %s", code, body)
	}
	if got := s.systemSent(t); len(got) != 1 || got[0] != "Be brief, Анна." {
		t.Fatalf("named over default: %q", got)
	}
	s.updatePrompt(t, b.ID, map[string]any{"name": "formal", "type": "text", "text": "Be formal.", "default": false})
	if code, body := s.chat(t, "text", nil); code != http.StatusOK {
		t.Fatalf("chat: %d %s", code, body)
	}
	if got := s.systemSent(t); len(got) != 0 {
		t.Fatalf("after unmarking: upstream system messages %q", got)
	}
}

// The transcription request names a stored audio prompt in JSON and in
// multipart (variables as a JSON object in a field); its filled text is
// OpenRouter's transcription prompt for a speech-to-text model and the
// instruction sent with the audio to a chat model; the default audio
// prompt applies when none is named; the 404/422 rules are the chat's;
// the filled text is never logged at info.
func TestTranscriptionPromptReachesUpstream(t *testing.T) {
	s := newPromptServer(t)
	if code, b := s.call(t, "PUT", "/settings/openrouter/selection", jsonBody(map[string]string{"audio": "openai/whisper-1"}), "", nil); code != http.StatusOK {
		t.Fatalf("select: %d %s", code, b)
	}
	s.createPrompt(t, map[string]any{"name": "voice", "type": "audio", "text": "A voice message from {{speaker}} about orders."})
	s.createPrompt(t, map[string]any{"name": "reply", "type": "text", "text": "Reply."})
	const filled = "A voice message from Анна Каренина about orders."
	audio := base64.StdEncoding.EncodeToString([]byte("RIFF fake wav bytes"))
	jsonTr := func(model string, extra map[string]any) []byte {
		body := map[string]any{"model": model, "input_audio": map[string]string{"data": audio, "format": "wav"}}
		for k, v := range extra {
			body[k] = v
		}
		return jsonBody(body)
	}
	lastTranscription := func() (prompt string) {
		t.Helper()
		reqs := s.fake.Requests()
		for i := len(reqs) - 1; i >= 0; i-- {
			if reqs[i].Route == openroutertest.RouteTranscriptions {
				var body struct {
					Prompt string `json:"prompt"`
				}
				if err := json.Unmarshal(reqs[i].Body, &body); err != nil {
					t.Fatal(err)
				}
				return body.Prompt
			}
		}
		t.Fatal("no transcription reached the fake")
		return ""
	}
	vars := map[string]string{"speaker": "Анна Каренина"}

	if code, b := s.call(t, "POST", "/audio/transcriptions", jsonTr("whisper-1", map[string]any{"prompt": "voice", "variables": vars}), "", nil); code != http.StatusOK {
		t.Fatalf("JSON transcription: %d %s", code, b)
	}
	if got := lastTranscription(); got != filled {
		t.Fatalf("JSON: upstream prompt %q, want %q", got, filled)
	}

	var mp bytes.Buffer
	w := multipart.NewWriter(&mp)
	_ = w.WriteField("model", "whisper-1")
	_ = w.WriteField("prompt", "voice@1")
	_ = w.WriteField("variables", `{"speaker":"Анна Каренина"}`)
	fw, _ := w.CreateFormFile("file", "hello.wav")
	_, _ = fw.Write([]byte("RIFF fake wav bytes"))
	_ = w.Close()
	if code, b := s.call(t, "POST", "/audio/transcriptions", mp.Bytes(), w.FormDataContentType(), nil); code != http.StatusOK {
		t.Fatalf("multipart transcription: %d %s", code, b)
	}
	if got := lastTranscription(); got != filled {
		t.Fatalf("multipart: upstream prompt %q, want %q", got, filled)
	}

	// A chat model that hears audio gets the filled text as the instruction.
	if code, b := s.call(t, "POST", "/audio/transcriptions", jsonTr("google/gemini-3.7-flash", map[string]any{"prompt": "voice", "variables": vars}), "", nil); code != http.StatusOK {
		t.Fatalf("transcription by a chat model: %d %s", code, b)
	}
	reqs := s.fake.Requests()
	last := reqs[len(reqs)-1]
	var chat struct {
		Messages []struct {
			Content []struct {
				Type string `json:"type"`
				Text string `json:"text"`
			} `json:"content"`
		} `json:"messages"`
	}
	if last.Route != openroutertest.RouteChat || json.Unmarshal(last.Body, &chat) != nil || len(chat.Messages) != 1 ||
		len(chat.Messages[0].Content) != 2 || chat.Messages[0].Content[0].Text != filled || chat.Messages[0].Content[1].Type != "input_audio" {
		t.Fatalf("chat model transcription sent %s %s", last.Route, last.Body)
	}

	sent := len(s.fake.Requests())
	for _, c := range []struct {
		name   string
		extra  map[string]any
		status int
	}{
		{"an unknown prompt", map[string]any{"prompt": "nope"}, http.StatusNotFound},
		{"an unknown version", map[string]any{"prompt": "voice@4", "variables": vars}, http.StatusNotFound},
		{"a bad pin", map[string]any{"prompt": "voice@v1", "variables": vars}, http.StatusUnprocessableEntity},
		{"a missing value", map[string]any{"prompt": "voice"}, http.StatusUnprocessableEntity},
		{"a text prompt", map[string]any{"prompt": "reply"}, http.StatusUnprocessableEntity},
		{"variables not an object", map[string]any{"prompt": "voice", "variables": []string{"Анна"}}, http.StatusUnprocessableEntity},
		{"values not strings", map[string]any{"prompt": "voice", "variables": map[string]int{"speaker": 1}}, http.StatusUnprocessableEntity},
	} {
		if code, b := s.call(t, "POST", "/audio/transcriptions", jsonTr("whisper-1", c.extra), "", nil); code != c.status {
			t.Errorf("%s: %d %s, want %d", c.name, code, b, c.status)
		}
	}
	var bad bytes.Buffer
	w = multipart.NewWriter(&bad)
	_ = w.WriteField("prompt", "voice")
	_ = w.WriteField("variables", `["not", "an object"]`)
	fw, _ = w.CreateFormFile("file", "hello.wav")
	_, _ = fw.Write([]byte("RIFF"))
	_ = w.Close()
	if code, b := s.call(t, "POST", "/audio/transcriptions", bad.Bytes(), w.FormDataContentType(), nil); code != http.StatusUnprocessableEntity {
		t.Errorf("multipart variables not an object: %d %s", code, b)
	}
	if n := len(s.fake.Requests()); n != sent {
		t.Fatalf("%d upstream requests were sent for refused transcriptions", n-sent)
	}

	// The default audio prompt, when the request names none.
	d := s.createPrompt(t, map[string]any{"name": "names", "type": "audio", "text": "Names you may hear: Анна, Вронский.", "default": true})
	if code, b := s.call(t, "POST", "/audio/transcriptions", jsonTr("whisper-1", nil), "", nil); code != http.StatusOK {
		t.Fatalf("transcription without a prompt: %d %s", code, b)
	}
	if got := lastTranscription(); got != d.Text {
		t.Fatalf("default audio prompt: upstream prompt %q, want %q", got, d.Text)
	}
	for _, text := range []string{filled, d.Text, "Анна Каренина"} {
		if lines := s.logs.infoContaining(text); len(lines) > 0 {
			t.Errorf("the filled prompt was logged at info or above: %q", lines)
		}
	}
}
