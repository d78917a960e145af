package e2e

import (
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aimodels/aimodels/test/openroutertest"
)

// upstreamBodies returns what the fake received on route, in order.
func upstreamBodies(t *testing.T, fake *openroutertest.Server, route string) []map[string]json.RawMessage {
	t.Helper()
	var out []map[string]json.RawMessage
	for _, r := range fake.Requests() {
		if r.Route != route {
			continue
		}
		var b map[string]json.RawMessage
		if err := json.Unmarshal(r.Body, &b); err != nil {
			t.Fatalf("upstream body of %s is not JSON: %v", route, err)
		}
		out = append(out, b)
	}
	return out
}

func str(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	var s string
	if raw != nil {
		if err := json.Unmarshal(raw, &s); err != nil {
			t.Fatalf("%s is not a string", raw)
		}
	}
	return s
}

func strs(t *testing.T, raw json.RawMessage) []string {
	t.Helper()
	var s []string
	if raw != nil {
		if err := json.Unmarshal(raw, &s); err != nil {
			t.Fatalf("%s is not a list of strings", raw)
		}
	}
	return s
}

// TestFallbacks: fallbacks saved per type (on each database) are sent as
// OpenRouter's models list for a chat to the alias, and answered by the
// model that served; transcription falls back on a 503 of the first
// model, by the next model's own kind, and not on a 401.
func TestFallbacks(t *testing.T) {
	eachDatabase(t, func(t *testing.T, db database) {
		fake := newFake(t)
		a := start(t, opts{mysqlDSN: db.dsn, upstream: fake.URL()})
		a.storeKey(t, openroutertest.DefaultAPIKey)
		put := func(body string) res {
			t.Helper()
			return a.do(t, req{method: "PUT", path: "/api/v1/settings/openrouter/selection", body: []byte(body)})
		}
		fallbacksOf := func(typ string) []string {
			t.Helper()
			var sel map[string]struct {
				Fallbacks []string `json:"fallbacks"`
			}
			a.getJSON(t, "/api/v1/settings/openrouter/selection", &sel)
			if sel[typ].Fallbacks == nil {
				t.Fatalf("selection %s has no fallbacks array", typ)
			}
			return sel[typ].Fallbacks
		}
		if fb := fallbacksOf("image"); len(fb) != 0 {
			t.Fatalf("fallbacks before any save: %q", fb)
		}
		if r := put(`{"text":{"model":"openai/gpt-4o-mini","fallbacks":["anthropic/claude-3-haiku","openai/gpt-3.5-turbo"]},` +
			`"audio":{"model":"openai/whisper-1","fallbacks":["openai/gpt-4o-mini-transcribe","openai/gpt-audio-mini"]}}`); r.status != 200 {
			t.Fatalf("save fallbacks: %d %s", r.status, r.body)
		}
		if r := put(`{"text":{"model":"openai/gpt-4o-mini","fallbacks":["openai/gpt-3.5-turbo","openai/whisper-1"]}}`); r.status != 422 ||
			!strings.Contains(string(r.body), `"field":"text.fallbacks[1]"`) {
			t.Fatalf("a fallback that does not serve text: %d %s", r.status, r.body)
		}
		if fb := fallbacksOf("text"); !slices.Equal(fb, []string{"anthropic/claude-3-haiku", "openai/gpt-3.5-turbo"}) {
			t.Fatalf("text fallbacks %q", fb)
		}

		// A chat to the alias sends the list; the first model failing, the
		// answer and the header name the model that served.
		fake.SetFault(openroutertest.RouteChat, openroutertest.Fault{Model: "openai/gpt-4o-mini", Status: 503})
		chat := func(body string) res {
			t.Helper()
			r := a.do(t, req{method: "POST", path: "/api/v1/chat/completions", body: []byte(body)})
			if r.status != 200 {
				t.Fatalf("chat %s: %d %s", body, r.status, r.body)
			}
			return r
		}
		r := chat(`{"model":"text","messages":[{"role":"user","content":"hi"}]}`)
		bodies := upstreamBodies(t, fake, openroutertest.RouteChat)
		up := bodies[len(bodies)-1]
		if m := strs(t, up["models"]); !slices.Equal(m, []string{"openai/gpt-4o-mini", "anthropic/claude-3-haiku", "openai/gpt-3.5-turbo"}) || str(t, up["model"]) != "openai/gpt-4o-mini" {
			t.Fatalf("upstream model %s, models %s", up["model"], up["models"])
		}
		var answer struct {
			Model string `json:"model"`
		}
		r.json(t, &answer)
		if answer.Model != "anthropic/claude-3-haiku" || r.header.Get("X-Aimodels-Model") != "anthropic/claude-3-haiku" {
			t.Fatalf("served by %q, X-Aimodels-Model %q; want the first fallback", answer.Model, r.header.Get("X-Aimodels-Model"))
		}
		// The ledger's row names the fallback that served beside the selected model it stood in for.
		var rows struct {
			Data []struct {
				Type           string `json:"type"`
				RequestedModel string `json:"requested_model"`
				Model          string `json:"model"`
				Outcome        string `json:"outcome"`
			} `json:"data"`
		}
		for deadline := time.Now().Add(time.Minute); len(rows.Data) == 0; {
			if rr := a.getJSON(t, "/api/v1/usage/requests?model=anthropic/claude-3-haiku", &rows); rr.status != 200 {
				t.Fatalf("usage requests: %d %s", rr.status, rr.body)
			}
			if time.Now().After(deadline) {
				t.Fatal("the ledger has no row for the chat the fallback served")
			}
			time.Sleep(50 * time.Millisecond) // polling the ledger's writer, which flushes every second
		}
		if got := rows.Data[0]; len(rows.Data) != 1 || got.Type != "text" || got.RequestedModel != "openai/gpt-4o-mini" || got.Outcome != "ok" {
			t.Fatalf("the ledger's rows for the fallback: %+v", rows.Data)
		}
		// An explicit model id gets no list; a caller's own list passes through.
		chat(`{"model":"openai/gpt-3.5-turbo","messages":[{"role":"user","content":"hi"}]}`)
		chat(`{"model":"openai/gpt-3.5-turbo","models":["openai/gpt-3.5-turbo","their/own"],"messages":[{"role":"user","content":"hi"}]}`)
		bodies = upstreamBodies(t, fake, openroutertest.RouteChat)
		if _, ok := bodies[len(bodies)-2]["models"]; ok {
			t.Fatalf("an explicit model got a models list: %s", bodies[len(bodies)-2]["models"])
		}
		if m := strs(t, bodies[len(bodies)-1]["models"]); !slices.Equal(m, []string{"openai/gpt-3.5-turbo", "their/own"}) {
			t.Fatalf("the caller's models list became %q", m)
		}
		// A stream's header, sent before any event, names the model asked first.
		r = a.do(t, req{method: "POST", path: "/api/v1/chat/completions", body: []byte(`{"model":"text","stream":true,"messages":[{"role":"user","content":"hi"}]}`)})
		if r.status != 200 || r.header.Get("X-Aimodels-Model") != "openai/gpt-4o-mini" {
			t.Fatalf("stream: %d, X-Aimodels-Model %q", r.status, r.header.Get("X-Aimodels-Model"))
		}

		// The plain form keeps the fallbacks, less the new model.
		if r := put(`{"text":"openai/gpt-3.5-turbo"}`); r.status != 200 {
			t.Fatalf("plain save: %d %s", r.status, r.body)
		}
		if fb := fallbacksOf("text"); !slices.Equal(fb, []string{"anthropic/claude-3-haiku"}) {
			t.Fatalf("fallbacks after a plain save %q", fb)
		}

		// Transcription: 503 from whisper-1 → the next speech-to-text model.
		transcribe := func() res {
			t.Helper()
			return a.do(t, req{method: "POST", path: "/api/v1/audio/transcriptions", body: mustJSON(map[string]any{"model": "whisper-1",
				"input_audio": map[string]string{"data": base64.StdEncoding.EncodeToString(wavBytes), "format": "wav"}})})
		}
		served := func(r res) string {
			t.Helper()
			var tr struct {
				Text  string `json:"text"`
				Model string `json:"model"`
			}
			r.json(t, &tr)
			if r.status != 200 || tr.Text == "" || r.header.Get("X-Aimodels-Model") != tr.Model {
				t.Fatalf("transcription: %d %s, X-Aimodels-Model %q", r.status, r.body, r.header.Get("X-Aimodels-Model"))
			}
			return tr.Model
		}
		fake.Reset()
		fake.SetFault(openroutertest.RouteTranscriptions, openroutertest.Fault{Model: "openai/whisper-1", Status: 503})
		if m := served(transcribe()); m != "openai/gpt-4o-mini-transcribe" {
			t.Fatalf("served by %q after a 503 of whisper-1", m)
		}
		var tried []string
		for _, b := range upstreamBodies(t, fake, openroutertest.RouteTranscriptions) {
			tried = append(tried, str(t, b["model"]))
		}
		if !slices.Equal(tried, []string{"openai/whisper-1", "openai/gpt-4o-mini-transcribe"}) {
			t.Fatalf("transcription attempts %q", tried)
		}
		// Both speech-to-text models down: the chat model that hears audio,
		// asked by chat with the audio part.
		fake.Reset()
		fake.SetFault(openroutertest.RouteTranscriptions, openroutertest.Fault{Model: "openai/whisper-1", Status: 503})
		fake.SetFault(openroutertest.RouteTranscriptions, openroutertest.Fault{Model: "openai/gpt-4o-mini-transcribe", Status: 429})
		if m := served(transcribe()); m != "openai/gpt-audio-mini" {
			t.Fatalf("served by %q with both speech-to-text models down", m)
		}
		bodies = upstreamBodies(t, fake, openroutertest.RouteChat)
		if len(bodies) != 1 || str(t, bodies[0]["model"]) != "openai/gpt-audio-mini" || !strings.Contains(string(bodies[0]["messages"]), `"input_audio"`) {
			t.Fatalf("the chat fallback's upstream bodies: %v", bodies)
		}
		// A 401 is the key's fault: no other model is tried.
		fake.Reset()
		fake.SetFault(openroutertest.RouteTranscriptions, openroutertest.Fault{Model: "openai/whisper-1", Status: 401})
		if r := transcribe(); r.status != 401 {
			t.Fatalf("a 401 of whisper-1: %d %s", r.status, r.body)
		}
		if n, c := fake.RequestCount(openroutertest.RouteTranscriptions), fake.RequestCount(openroutertest.RouteChat); n != 1 || c != 0 {
			t.Fatalf("after a 401: %d transcription and %d chat requests upstream, want 1 and 0", n, c)
		}
	})
}
