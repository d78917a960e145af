package e2e

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/aimodels/aimodels/test/openroutertest"
)

// TestFlow is the user's whole journey on each database, with a restart
// in the middle, and the secret scan over everything it produced.
func TestFlow(t *testing.T) {
	eachDatabase(t, testFlow)
}

// wavBytes is a small fake WAV payload (the fake does not decode audio).
var wavBytes = append([]byte("RIFF\x24\x7d\x00\x00WAVEfmt "), bytes.Repeat([]byte{0, 1, 2, 3}, 8000)...)

func testFlow(t *testing.T, db database) {
	key := openroutertest.DefaultAPIKey
	fake := newFake(t)
	dir := t.TempDir()
	o := opts{dataDir: dir, mysqlDSN: db.dsn, upstream: fake.URL()}
	a := start(t, o)

	// Store the key; test the connection.
	a.storeKey(t, key)
	var conn struct {
		Success bool   `json:"success"`
		Message string `json:"message"`
		Status  string `json:"status"`
	}
	r := a.do(t, req{method: "POST", path: "/api/v1/settings/openrouter/test-connection"})
	r.json(t, &conn)
	if r.status != 200 || !conn.Success || conn.Status != "success" || conn.Message == "" {
		t.Fatalf("test-connection: %d %s", r.status, r.body)
	}

	// The models in the seed's shape, with the recommended defaults and
	// the catalog's changes beside them (issue 17).
	var top map[string]json.RawMessage
	a.getJSON(t, "/api/v1/settings/openrouter/models", &top)
	var topKeys []string
	grouped := map[string][]map[string]json.RawMessage{}
	for k, v := range top {
		topKeys = append(topKeys, k)
		if k == "recommended" || k == "changes" {
			continue
		}
		var list []map[string]json.RawMessage
		if err := json.Unmarshal(v, &list); err != nil {
			t.Fatalf("models: %s is not a list: %v", k, err)
		}
		grouped[k] = list
	}
	sort.Strings(topKeys)
	if strings.Join(topKeys, ",") != "audio,changes,image,recommended,text" {
		t.Fatalf("models: top-level keys %v, want text, image, audio, recommended, changes", topKeys)
	}
	groups := []string{"audio", "image", "text"}
	for _, g := range groups {
		if len(grouped[g]) == 0 {
			t.Errorf("models: %s is empty", g)
		}
		for _, m := range grouped[g] {
			for _, f := range []string{"id", "name", "description", "context_length", "pricing", "provider", "capabilities"} {
				if _, ok := m[f]; !ok {
					t.Fatalf("models: a %s model lacks %q: %v", g, f, m)
				}
			}
			var caps []string
			if err := json.Unmarshal(m["capabilities"], &caps); err != nil || !contains(caps, g) {
				t.Errorf("models: %s model %s has capabilities %s", g, m["id"], m["capabilities"])
			}
		}
	}
	var gpt35 struct {
		ID      string `json:"id"`
		Pricing struct {
			Prompt     string `json:"prompt_cost"`
			Completion string `json:"completion_cost"`
		} `json:"pricing"`
	}
	for _, m := range grouped["text"] {
		if string(m["id"]) == `"openai/gpt-3.5-turbo"` {
			b, _ := json.Marshal(m)
			_ = json.Unmarshal(b, &gpt35)
		}
	}
	if gpt35.ID == "" || gpt35.Pricing.Prompt != "$0.50/1M tokens" || gpt35.Pricing.Completion != "$1.50/1M tokens" {
		t.Errorf("openai/gpt-3.5-turbo in text: %+v, want $0.50/1M tokens and $1.50/1M tokens", gpt35)
	}

	// The balance in the seed's shape.
	var bal map[string]json.RawMessage
	a.getJSON(t, "/api/v1/settings/openrouter/balance", &bal)
	for _, f := range []string{"balance", "usage", "formatted_balance", "formatted_usage", "rate_limit"} {
		if _, ok := bal[f]; !ok {
			t.Errorf("balance lacks %q: %v", f, bal)
		}
	}
	var balance, usage float64
	_ = json.Unmarshal(bal["balance"], &balance)
	_ = json.Unmarshal(bal["usage"], &usage)
	if string(bal["formatted_balance"]) != `"$239.26"` || string(bal["formatted_usage"]) != `"$60.74"` ||
		balance < 239.26 || balance > 239.27 || usage < 60.73 || usage > 60.74 {
		t.Errorf("balance %s (%s), usage %s (%s); want 239.26 and 60.74",
			bal["balance"], bal["formatted_balance"], bal["usage"], bal["formatted_usage"])
	}

	// Save a selection, then restart on the same data.
	choice := map[string]string{"text": "openai/gpt-4o-mini", "image": "openai/gpt-4o", "audio": "openai/whisper-1"}
	a.saveSelection(t, choice)
	a.stop(t)
	b := start(t, o)
	sel := b.selection(t)
	for typ, id := range choice {
		if e := sel[typ]; e.ModelID != id || !e.Saved {
			t.Errorf("after restart, %s selection is %+v, want saved %s", typ, e, id)
		}
	}
	var keys struct {
		Keys []struct {
			Provider   string `json:"provider"`
			Configured bool   `json:"configured"`
			Masked     string `json:"masked"`
		} `json:"keys"`
	}
	b.getJSON(t, "/api/v1/settings/api-keys", &keys)
	if len(keys.Keys) != 1 || keys.Keys[0].Provider != "openrouter" || !keys.Keys[0].Configured ||
		keys.Keys[0].Masked == "" || strings.Contains(key, keys.Keys[0].Masked) && len(keys.Keys[0].Masked) > 12 {
		t.Errorf("after restart, keys = %+v, want one configured masked openrouter key", keys.Keys)
	}
	// At rest while the key is stored.
	if db.dsn == "" {
		scanDataDir(t, key, dir, true)
	} else {
		scanMySQLKeys(t, key, db.dsn)
	}

	// A chat completion with model "text" reaches the fake with the
	// selected model and the stored key.
	r = b.do(t, req{method: "POST", path: "/api/v1/chat/completions",
		body: []byte(`{"model":"text","messages":[{"role":"user","content":"Say hello"}]}`)})
	var comp struct {
		Model   string `json:"model"`
		Choices []struct {
			Message struct {
				Content string `json:"content"`
			} `json:"message"`
		} `json:"choices"`
	}
	r.json(t, &comp)
	if r.status != 200 || len(comp.Choices) == 0 || comp.Choices[0].Message.Content == "" {
		t.Fatalf("chat completion: %d %s", r.status, tail(string(r.body), 500))
	}
	up := lastUpstream(t, fake, openroutertest.RouteChat)
	if up.Model != "openai/gpt-4o-mini" || up.Auth != "Bearer "+key || up.Stream {
		t.Errorf("upstream chat request: model %q stream %v auth ok %v; want openai/gpt-4o-mini with Bearer <key>",
			up.Model, up.Stream, up.Auth == "Bearer "+key)
	}

	// Streaming.
	r = b.do(t, req{method: "POST", path: "/api/v1/chat/completions",
		body: []byte(`{"model":"text","stream":true,"messages":[{"role":"user","content":"Say hello"}]}`)})
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("stream: %d %s %s", r.status, r.header.Get("Content-Type"), tail(string(r.body), 500))
	}
	chunks, last := sseData(r.body)
	if len(chunks) == 0 || last != "[DONE]" {
		t.Fatalf("stream: %d chunks, last data %q; want chunks ending with [DONE]\n%s", len(chunks), last, tail(string(r.body), 800))
	}
	for _, c := range chunks {
		var ch struct {
			Object string `json:"object"`
		}
		if err := json.Unmarshal([]byte(c), &ch); err != nil || ch.Object != "chat.completion.chunk" {
			t.Fatalf("stream chunk is not a chat.completion.chunk: %.300s", c)
		}
	}
	up = lastUpstream(t, fake, openroutertest.RouteChat)
	if up.Model != "openai/gpt-4o-mini" || !up.Stream || up.Auth != "Bearer "+key {
		t.Errorf("upstream stream request: model %q stream %v; want openai/gpt-4o-mini streamed with the key", up.Model, up.Stream)
	}

	// Transcriptions: JSON, then multipart.
	r = b.do(t, req{method: "POST", path: "/api/v1/audio/transcriptions", body: transcriptionJSON("")})
	checkTranscription(t, "JSON", r, fake)
	r = b.do(t, multipartTranscription())
	checkTranscription(t, "multipart", r, fake)

	// The OpenAPI document is scanned too (fetched without a token: it is public).
	r = b.do(t, req{method: "GET", path: "/api/v1/openapi.json", auth: new(string)})
	if r.status != 200 || !bytes.Contains(r.body, []byte(`"paths"`)) {
		t.Errorf("openapi.json: %d", r.status)
	}

	// Delete the key: the connection test says there is none.
	r = b.do(t, req{method: "DELETE", path: "/api/v1/settings/api-keys/openrouter"})
	if r.status != 204 {
		t.Fatalf("delete key: %d %s", r.status, r.body)
	}
	r = b.do(t, req{method: "POST", path: "/api/v1/settings/openrouter/test-connection"})
	r.json(t, &conn)
	if r.status != 200 || conn.Success || conn.Status != "no_key" {
		t.Errorf("test-connection after delete: %d %s, want success false, status no_key", r.status, r.body)
	}
	b.stop(t)

	// The secret scan. It is not vacuous: the key did travel upstream.
	if n := countAuthorized(fake, key); n < 5 {
		t.Fatalf("the fake saw the key in only %d requests: the scan below would prove little", n)
	}
	for _, s := range []*server{a, b} {
		scanExchanges(t, key, s)
		scanLogs(t, key, s)
	}
	if db.dsn == "" {
		scanDataDir(t, key, dir, true)
	}
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// upstreamReq is what the fake recorded of a request.
type upstreamReq struct {
	Model  string `json:"model"`
	Stream bool   `json:"stream"`
	Auth   string `json:"-"`
}

func lastUpstream(t testing.TB, fake *openroutertest.Server, route string) upstreamReq {
	t.Helper()
	rq, ok := fake.LastRequest(route)
	if !ok {
		t.Fatalf("the fake received no %s", route)
	}
	var u upstreamReq
	if err := json.Unmarshal(rq.Body, &u); err != nil {
		t.Fatalf("upstream %s body is not JSON: %v", route, err)
	}
	u.Auth = rq.Header.Get("Authorization")
	return u
}

// countAuthorized counts the fake's requests that carried the key.
func countAuthorized(fake *openroutertest.Server, key string) int {
	n := 0
	for _, rq := range fake.Requests() {
		if rq.Header.Get("Authorization") == "Bearer "+key {
			n++
		}
	}
	return n
}

// sseData returns the data payloads of an SSE body (without the final
// [DONE]) and the last data payload.
func sseData(body []byte) (chunks []string, last string) {
	for _, line := range strings.Split(string(body), "\n") {
		if d, ok := strings.CutPrefix(line, "data: "); ok {
			last = d
			if d != "[DONE]" {
				chunks = append(chunks, d)
			}
		}
	}
	return chunks, last
}

func checkTranscription(t *testing.T, how string, r res, fake *openroutertest.Server) {
	t.Helper()
	var out struct {
		Text string `json:"text"`
	}
	r.json(t, &out)
	if r.status != 200 || out.Text != openroutertest.TranscriptionText {
		t.Fatalf("transcription (%s): %d %s", how, r.status, r.body)
	}
	rq, _ := fake.LastRequest(openroutertest.RouteTranscriptions)
	var up struct {
		Model      string `json:"model"`
		InputAudio struct {
			Data string `json:"data"`
		} `json:"input_audio"`
	}
	_ = json.Unmarshal(rq.Body, &up)
	got, _ := base64.StdEncoding.DecodeString(up.InputAudio.Data)
	if up.Model != "openai/whisper-1" || !bytes.Equal(got, wavBytes) {
		t.Errorf("transcription (%s) upstream: model %q, %d audio bytes; want openai/whisper-1 with the %d bytes sent",
			how, up.Model, len(got), len(wavBytes))
	}
}
