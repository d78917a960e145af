package openroutertest_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aimodels/aimodels/test/openroutertest"
)

func newServer(t *testing.T, opts ...openroutertest.Option) *openroutertest.Server {
	t.Helper()
	s, err := openroutertest.Start(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func do(t *testing.T, s *openroutertest.Server, method, path, key string, body string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL()+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func TestRoutesServeFixtures(t *testing.T) {
	s := newServer(t)
	k := openroutertest.DefaultAPIKey
	tests := []struct {
		method, path, key, body, fixture string
	}{
		{"GET", "/models?output_modalities=all", "", "", openroutertest.FixtureModelsAll},
		{"GET", "/models", "wrong-key-is-ignored", "", openroutertest.FixtureModelsDefault},
		{"GET", "/models/user", k, "", openroutertest.FixtureModelsAll},
		{"GET", "/key", k, "", openroutertest.FixtureKey},
		{"GET", "/credits", k, "", openroutertest.FixtureCredits},
		{"POST", "/chat/completions", k, `{"model":"a/b","stream":true}`, openroutertest.FixtureStreamReasoning},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			resp, body := do(t, s, tt.method, tt.path, tt.key, tt.body)
			if resp.StatusCode != 200 || !bytes.Equal(body, s.Fixture(tt.fixture)) || len(body) == 0 {
				t.Fatalf("status %d, body is not %s", resp.StatusCode, tt.fixture)
			}
		})
	}
	resp, body := do(t, s, "POST", "/chat/completions", k, `{"model":"x/y","messages":[]}`)
	var got, want map[string]any
	if err := json.Unmarshal(body, &got); err != nil || resp.StatusCode != 200 {
		t.Fatalf("%d %v", resp.StatusCode, err)
	}
	_ = json.Unmarshal(s.Fixture(openroutertest.FixtureChatCompletion), &want)
	if got["model"] != "x/y" || got["id"] != want["id"] || got["model"] == want["model"] {
		t.Fatalf("chat answer %v", got)
	}
	if s.RequestCount(openroutertest.RouteChat) != 2 || s.RequestCount(openroutertest.RouteModels) != 2 {
		t.Fatalf("requests %+v", s.Requests())
	}
}

func TestAuth(t *testing.T) {
	key := "sk-or-v1-custom-test-key-123456"
	s := newServer(t, openroutertest.WithAPIKey(key), openroutertest.WithCreditsForbidden())
	for _, route := range []string{"/key", "/credits", "/models/user"} {
		resp, body := do(t, s, "GET", route, "", "")
		if resp.StatusCode != 401 || !bytes.Equal(body, s.Fixture(openroutertest.FixtureErrMissingKey)) {
			t.Errorf("%s without key: %d %s", route, resp.StatusCode, body)
		}
		resp, body = do(t, s, "GET", route, openroutertest.DefaultAPIKey, "")
		if resp.StatusCode != 401 || !bytes.Equal(body, s.Fixture(openroutertest.FixtureErrInvalidKey)) {
			t.Errorf("%s with wrong key: %d %s", route, resp.StatusCode, body)
		}
	}
	if resp, _ := do(t, s, "GET", "/key", key, ""); resp.StatusCode != 200 {
		t.Fatalf("right key: %d", resp.StatusCode)
	}
	if resp, _ := do(t, s, "GET", "/credits", key, ""); resp.StatusCode != 403 {
		t.Fatalf("credits forbidden: %d", resp.StatusCode)
	}
	req, ok := s.LastRequest(openroutertest.RouteKey)
	if !ok || req.Header.Get("Authorization") != "Bearer "+key {
		t.Fatalf("recorded %+v", req)
	}
}

func TestFaultsAndTimes(t *testing.T) {
	s := newServer(t)
	k := openroutertest.DefaultAPIKey
	s.SetFault(openroutertest.RouteKey, openroutertest.Fault{Status: 429, RetryAfter: "3", Times: 2})
	for i := range 2 {
		resp, body := do(t, s, "GET", "/key", k, "")
		if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "3" || !bytes.Equal(body, s.Fixture(openroutertest.FixtureErrUpstreamRateLm)) {
			t.Fatalf("request %d: %d", i, resp.StatusCode)
		}
	}
	if resp, _ := do(t, s, "GET", "/key", k, ""); resp.StatusCode != 200 {
		t.Fatalf("after Times: %d", resp.StatusCode)
	}
	defaults := map[int]string{401: openroutertest.FixtureErrInvalidKey, 402: openroutertest.FixtureErrInsufficient, 404: openroutertest.FixtureErrNoEndpoints}
	for st, fx := range defaults {
		s.SetFault(openroutertest.RouteChat, openroutertest.Fault{Status: st})
		if resp, body := do(t, s, "POST", "/chat/completions", k, `{"model":"a/b"}`); resp.StatusCode != st || !bytes.Equal(body, s.Fixture(fx)) {
			t.Errorf("status %d: got %d %s", st, resp.StatusCode, body)
		}
	}
	s.SetFault(openroutertest.RouteChat, openroutertest.Fault{Status: 503})
	_, body := do(t, s, "POST", "/chat/completions", k, `{"model":"a/b"}`)
	var e struct {
		Error struct {
			Code int `json:"code"`
		} `json:"error"`
	}
	if err := json.Unmarshal(body, &e); err != nil || e.Error.Code != 503 {
		t.Fatalf("generic error %s", body)
	}
	s.ClearFaults()
	if resp, _ := do(t, s, "POST", "/chat/completions", k, `{"model":"a/b"}`); resp.StatusCode != 200 {
		t.Fatalf("after ClearFaults: %d", resp.StatusCode)
	}

	s.SetFault(openroutertest.RouteModels, openroutertest.Fault{Malformed: true, Times: 1})
	_, body = do(t, s, "GET", "/models", "", "")
	if json.Valid(body) {
		t.Fatal("malformed body is valid JSON")
	}
	s.SetFault(openroutertest.RouteModels, openroutertest.Fault{HugeBytes: 3 << 20, Times: 1})
	_, body = do(t, s, "GET", "/models", "", "")
	if len(body) < 3<<20-64<<10 || !json.Valid(body) {
		t.Fatalf("huge body: %d bytes, valid %v", len(body), json.Valid(body))
	}
	s.SetFault(openroutertest.RouteModels, openroutertest.Fault{Latency: 150 * time.Millisecond, Times: 1})
	start := time.Now()
	if resp, _ := do(t, s, "GET", "/models", "", ""); resp.StatusCode != 200 || time.Since(start) < 150*time.Millisecond {
		t.Fatalf("latency: %d after %v", resp.StatusCode, time.Since(start))
	}
}

func TestTruncateAndReset(t *testing.T) {
	s := newServer(t)
	s.SetFault(openroutertest.RouteKey, openroutertest.Fault{Truncate: true})
	req, _ := http.NewRequest("GET", s.URL()+"/key", nil)
	req.Header.Set("Authorization", "Bearer "+openroutertest.DefaultAPIKey)
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("truncated read: %v", err)
	}
	s.SetFault(openroutertest.RouteKey, openroutertest.Fault{ResetConnection: true})
	if _, err := s.Client().Do(req); err == nil {
		t.Fatal("reset connection answered")
	}
}

func TestControlAPI(t *testing.T) {
	s := newServer(t)
	post := func(path, body string) int {
		resp, err := s.Client().Post(s.RootURL()+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if st := post("/_fake/fault", `{"route":"GET /key","status":401,"times":1}`); st != 200 {
		t.Fatalf("set fault: %d", st)
	}
	if resp, _ := do(t, s, "GET", "/key", openroutertest.DefaultAPIKey, ""); resp.StatusCode != 401 {
		t.Fatalf("fault via control API: %d", resp.StatusCode)
	}
	if st := post("/_fake/fault", `{"status":401}`); st != 400 {
		t.Fatalf("fault without route: %d", st)
	}
	post("/_fake/fault", `{"route":"GET /credits","body":"{\"data\":{\"total_credits\":1,\"total_usage\":0}}","latency":"1ms"}`)
	if _, body := do(t, s, "GET", "/credits", "", ""); !strings.Contains(string(body), `"total_credits":1`) {
		t.Fatalf("body fault: %s", body)
	}
	post("/_fake/midstream", `{"on":true}`)
	if _, body := do(t, s, "POST", "/chat/completions", openroutertest.DefaultAPIKey, `{"model":"a/b","stream":true}`); !bytes.Equal(body, s.Fixture(openroutertest.FixtureStreamMidstream)) {
		t.Fatal("midstream switch")
	}
	resp, err := s.Client().Get(s.RootURL() + "/_fake/requests")
	if err != nil {
		t.Fatal(err)
	}
	var reqs []openroutertest.Request
	err = json.NewDecoder(resp.Body).Decode(&reqs)
	resp.Body.Close()
	if err != nil || len(reqs) != 3 || reqs[0].Route != openroutertest.RouteKey || reqs[2].Route != openroutertest.RouteChat {
		t.Fatalf("requests %v %+v", err, reqs)
	}
	post("/_fake/reset", ``)
	if len(s.Requests()) != 0 {
		t.Fatal("reset kept requests")
	}
	if _, body := do(t, s, "GET", "/credits", openroutertest.DefaultAPIKey, ""); !bytes.Equal(body, s.Fixture(openroutertest.FixtureCredits)) {
		t.Fatal("reset kept the fault")
	}
}

// TestModelFaults: a fault limited to one model hits only that model; a
// chat with a models list passes over it, answering with the next model,
// but not over a 401; a transcription (no routing) gets the fault.
func TestModelFaults(t *testing.T) {
	s := newServer(t)
	key := s.APIKey()
	s.SetFault(openroutertest.RouteChat, openroutertest.Fault{Model: "a/one", Status: 503})
	s.SetFault(openroutertest.RouteTranscriptions, openroutertest.Fault{Model: "a/one", Status: 503})
	model := func(b []byte) string {
		var v struct {
			Model string `json:"model"`
		}
		_ = json.Unmarshal(b, &v)
		return v.Model
	}
	msgs := `"messages":[{"role":"user","content":"hi"}]`
	if resp, b := do(t, s, "POST", "/chat/completions", key, `{"model":"a/one",`+msgs+`}`); resp.StatusCode != 503 {
		t.Fatalf("the faulty model alone: %d %s", resp.StatusCode, b)
	}
	if resp, b := do(t, s, "POST", "/chat/completions", key, `{"model":"b/two",`+msgs+`}`); resp.StatusCode != 200 || model(b) != "b/two" {
		t.Fatalf("another model: %d %s", resp.StatusCode, b)
	}
	if resp, b := do(t, s, "POST", "/chat/completions", key, `{"model":"a/one","models":["a/one","b/two"],`+msgs+`}`); resp.StatusCode != 200 || model(b) != "b/two" {
		t.Fatalf("a models list: %d %s, want b/two serving", resp.StatusCode, b)
	}
	audio := `"input_audio":{"data":"UklGRg==","format":"wav"}`
	if resp, b := do(t, s, "POST", "/audio/transcriptions", key, `{"model":"a/one",`+audio+`}`); resp.StatusCode != 503 {
		t.Fatalf("transcription with the faulty model: %d %s", resp.StatusCode, b)
	}
	if resp, b := do(t, s, "POST", "/audio/transcriptions", key, `{"model":"b/two",`+audio+`}`); resp.StatusCode != 200 {
		t.Fatalf("transcription with another model: %d %s", resp.StatusCode, b)
	}
	s.SetFault(openroutertest.RouteChat, openroutertest.Fault{Model: "a/one", Status: 401})
	if resp, b := do(t, s, "POST", "/chat/completions", key, `{"model":"a/one","models":["a/one","b/two"],`+msgs+`}`); resp.StatusCode != 401 {
		t.Fatalf("a 401 fell over: %d %s", resp.StatusCode, b)
	}
	s.ClearModelFault(openroutertest.RouteChat, "a/one")
	if resp, b := do(t, s, "POST", "/chat/completions", key, `{"model":"a/one",`+msgs+`}`); resp.StatusCode != 200 || model(b) != "a/one" {
		t.Fatalf("after clearing: %d %s", resp.StatusCode, b)
	}
}
