package e2e

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	of "github.com/aimodels/aimodels/test/openroutertest"
)

// TestBadInput sends malformed, oversized and hostile bodies to the
// settings routes: each is a 4xx in the JSON error shape, and the stored
// key, selection and prompts are unchanged afterwards.
func TestBadInput(t *testing.T) {
	eachDatabase(t, testBadInput)
}

func testBadInput(t *testing.T, db database) {
	fake := newFake(t)
	s := start(t, opts{upstream: fake.URL(), mysqlDSN: db.dsn})
	defer s.stop(t)
	s.storeKey(t, of.DefaultAPIKey)
	s.saveSelection(t, map[string]string{"text": "openai/gpt-4o-mini"})
	pr := s.do(t, req{method: "POST", path: "/api/v1/settings/prompts", body: []byte(`{"name":"greeting","type":"text","text":"Say hello"}`)})
	if pr.status != 201 {
		t.Fatalf("create prompt: %d %s", pr.status, pr.body)
	}
	var created struct {
		ID int64 `json:"id"`
	}
	pr.json(t, &created)
	promptPath := fmt.Sprintf("/api/v1/settings/prompts/%d", created.ID)

	snapshot := func() string {
		var b bytes.Buffer
		for _, p := range []string{"/api/v1/settings/openrouter/selection", "/api/v1/settings/api-keys", "/api/v1/settings/prompts", promptPath} {
			r := s.do(t, req{method: "GET", path: p})
			if r.status != 200 {
				t.Fatalf("GET %s: %d %s", p, r.status, r.body)
			}
			b.WriteString(p + " " + string(r.body) + "\n")
		}
		return b.String()
	}
	before := snapshot()
	if !strings.Contains(before, `"model_id":"openai/gpt-4o-mini","saved":true`) || !strings.Contains(before, `"configured":true`) ||
		!strings.Contains(before, `"greeting"`) {
		t.Fatalf("the stores do not hold what the test stored:\n%s", before)
	}

	big := `{"text":"` + strings.Repeat("a", 1<<20+10) + `"}`
	cases := []struct {
		name   string
		method string
		path   string
		body   string
		ctype  string
		status int
		code   string
	}{
		{"oversized selection", "PUT", "/api/v1/settings/openrouter/selection", big, "", 413, "payload_too_large"},
		{"oversized key", "PUT", "/api/v1/settings/api-keys/openrouter", `{"key":"` + strings.Repeat("k", 2<<20) + `"}`, "", 413, "payload_too_large"},
		{"oversized prompt", "POST", "/api/v1/settings/prompts", `{"name":"x","type":"text","text":"` + strings.Repeat("t", 1<<20+1) + `"}`, "", 413, "payload_too_large"},
		{"text/plain selection", "PUT", "/api/v1/settings/openrouter/selection", `{"text":"openai/gpt-4o"}`, "text/plain", 415, "unsupported_media_type"},
		{"form key", "PUT", "/api/v1/settings/api-keys/openrouter", `key=sk-or-v1-x`, "application/x-www-form-urlencoded", 415, "unsupported_media_type"},
		{"unknown field in key", "PUT", "/api/v1/settings/api-keys/openrouter", `{"key":"sk-or-v1-abc","extra":1}`, "", 400, "bad_request"},
		{"unknown field in prompt", "POST", "/api/v1/settings/prompts", `{"name":"n","type":"text","text":"t","admin":true}`, "", 400, "bad_request"},
		{"unknown type", "PUT", "/api/v1/settings/openrouter/selection", `{"video":"x"}`, "", 422, "validation_error"},
		{"path traversal model", "PUT", "/api/v1/settings/openrouter/selection", `{"text":"../../etc/passwd"}`, "", 422, "model_not_found"},
		{"SQL model", "PUT", "/api/v1/settings/openrouter/selection", `{"text":"x'; DROP TABLE api_keys;--"}`, "", 422, "model_not_found"},
		{"SQL model for image", "PUT", "/api/v1/settings/openrouter/selection", `{"image":"openai/gpt-4o\" OR 1=1 --"}`, "", 422, "model_not_found"},
		{"valid text with a bad image", "PUT", "/api/v1/settings/openrouter/selection", `{"text":"openai/gpt-3.5-turbo","image":"../../etc/passwd"}`, "", 422, "model_not_found"},
		{"model of the wrong type", "PUT", "/api/v1/settings/openrouter/selection", `{"audio":"openai/gpt-3.5-turbo"}`, "", 422, "model_type_mismatch"},
		{"number as model", "PUT", "/api/v1/settings/openrouter/selection", `{"text":42}`, "", 422, "validation_error"},
		{"10,000-character prompt name", "POST", "/api/v1/settings/prompts", `{"name":"` + strings.Repeat("n", 10000) + `","type":"text","text":"t"}`, "", 422, "validation_error"},
		{"10,000-character name on update", "PUT", promptPath, `{"name":"` + strings.Repeat("n", 10000) + `","type":"text","text":"t"}`, "", 422, "validation_error"},
		{"SQL prompt id", "GET", "/api/v1/settings/prompts/1%20OR%201=1", "", "", 422, "validation_error"},
		{"invalid UTF-8 key", "PUT", "/api/v1/settings/api-keys/openrouter", "{\"key\":\"sk-or-v1-\xff\xfe\"}", "", 400, "bad_request"},
		{"invalid UTF-8 selection", "PUT", "/api/v1/settings/openrouter/selection", "{\"text\":\"openai/\xc3\x28\"}", "", 400, "bad_request"},
		{"malformed JSON key", "PUT", "/api/v1/settings/api-keys/openrouter", `{"key":`, "", 400, "bad_request"},
		{"malformed JSON selection", "PUT", "/api/v1/settings/openrouter/selection", `{"text" "openai/gpt-4o"}`, "", 400, "bad_request"},
		{"malformed JSON prompt", "POST", "/api/v1/settings/prompts", `[{"name":`, "", 400, "bad_request"},
		{"JSON array as selection", "PUT", "/api/v1/settings/openrouter/selection", `["openai/gpt-4o"]`, "", 400, "bad_request"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			q := req{method: tc.method, path: tc.path, ctype: tc.ctype}
			if tc.body != "" {
				q.body = []byte(tc.body)
			}
			r := s.do(t, q)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, tail(string(r.body), 300))
			}
			if code := r.errCode(t); code != tc.code {
				t.Errorf("error code %q, want %q: %s", code, tc.code, tail(string(r.body), 300))
			}
		})
	}
	if after := snapshot(); after != before {
		t.Errorf("the stores changed:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	if db.dsn != "" {
		checkMySQLTables(t, db.dsn)
	}
}
