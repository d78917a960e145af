package echoapi_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/golang/mock/gomock"
	"github.com/labstack/echo/v4"

	"github.com/aimodels/aimodels/adapters/echoapi"
	"github.com/aimodels/aimodels/adapters/openrouter"
	"github.com/aimodels/aimodels/core/domain"
	"github.com/aimodels/aimodels/ports"
	"github.com/aimodels/aimodels/ports/mocks"
)

const token = "admin-token-for-tests"

// services are one mock per driving port: a test sets expectations on
// the ones its routes call, and any other call fails it.
type services struct {
	models   *mocks.MockModelService
	account  *mocks.MockAccountService
	keys     *mocks.MockKeyService
	prompts  *mocks.MockPromptService
	requests *mocks.MockRequestService
	usage    *mocks.MockUsageService
	try      *mocks.MockTryService
	ready    *mocks.MockReadiness
}

func newServer(t *testing.T) (*echo.Echo, services) {
	t.Helper()
	ctrl := gomock.NewController(t)
	svc := services{
		models: mocks.NewMockModelService(ctrl), account: mocks.NewMockAccountService(ctrl),
		keys: mocks.NewMockKeyService(ctrl), prompts: mocks.NewMockPromptService(ctrl),
		requests: mocks.NewMockRequestService(ctrl), ready: mocks.NewMockReadiness(ctrl),
		usage: mocks.NewMockUsageService(ctrl),
		try:   mocks.NewMockTryService(ctrl),
	}
	e := echo.New()
	e.HTTPErrorHandler = echoapi.ErrorHandler(nil)
	echoapi.RegisterProbes(e, svc.ready)
	g := e.Group("/api/v1", echoapi.BearerAuth(token, "/api/v1/openapi.json"))
	echoapi.Register(g, echoapi.Services{Models: svc.models, Account: svc.account, Keys: svc.keys,
		Prompts: svc.prompts, Requests: svc.requests, Usage: svc.usage, Try: svc.try}, echoapi.Options{})
	return e, svc
}

type call struct {
	method, path, body, ctype string
	header                    map[string]string
	noAuth                    bool
}

func do(e *echo.Echo, c call) *httptest.ResponseRecorder {
	req := httptest.NewRequest(c.method, c.path, strings.NewReader(c.body))
	if c.body != "" {
		ct := c.ctype
		if ct == "" {
			ct = "application/json"
		}
		req.Header.Set("Content-Type", ct)
	}
	if !c.noAuth {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range c.header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	return rec
}

func errCode(t *testing.T, rec *httptest.ResponseRecorder) string {
	t.Helper()
	var b echoapi.ErrorBody
	if err := json.Unmarshal(rec.Body.Bytes(), &b); err != nil || b.Error.Code == "" || b.Error.Message == "" {
		t.Fatalf("not a JSON error body (%v): %s", err, rec.Body)
	}
	return b.Error.Code
}

func catalog() *domain.Catalog {
	mk := func(id, name string, in, out []string, p, c string) domain.Model {
		d, prov := domain.SplitName(id, name)
		return domain.Model{ID: id, Name: d, Provider: prov, InputModalities: in, OutputModalities: out, Types: domain.Classify(in, out),
			ContextLength: 16385, Pricing: domain.Pricing{Prompt: domain.ParsePrice(p), Completion: domain.ParsePrice(c)}}
	}
	return domain.NewCatalog([]domain.Model{
		mk("openai/gpt-3.5-turbo", "OpenAI: GPT-3.5 Turbo", []string{"text"}, []string{"text"}, "0.0000005", "0.0000015"),
		mk("openai/gpt-4o", "OpenAI: GPT-4o", []string{"text", "image"}, []string{"text"}, "0.0000025", "0.00001"),
		mk("openai/whisper-1", "OpenAI: Whisper 1", []string{"audio"}, []string{"transcription"}, "0.006", "0"),
	}, time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC))
}

// TestDomainErrorStatusMapping drives one route with every domain error
// and checks the one mapping to status and code.
func TestDomainErrorStatusMapping(t *testing.T) {
	cases := []struct {
		err    error
		status int
		code   string
	}{
		{domain.ErrNoAPIKey, 400, "no_api_key"},
		{&openrouter.Error{Kind: domain.ErrInvalidKey, Status: 401, Message: "User not found."}, 401, "invalid_key"},
		{&openrouter.Error{Kind: domain.ErrForbidden, Status: 403}, 403, "forbidden"},
		{&openrouter.Error{Kind: domain.ErrInsufficientCredits, Status: 402}, 402, "insufficient_credits"},
		{&openrouter.Error{Kind: domain.ErrRateLimited, Status: 429, Wait: 1500 * time.Millisecond}, 429, "rate_limited"},
		{&openrouter.Error{Kind: domain.ErrModelNotFound, Status: 404}, 404, "model_not_found"},
		{&domain.ModelError{Kind: domain.ErrModelNotFound, ModelID: "x/y"}, 422, "model_not_found"},
		{&domain.ModelError{Kind: domain.ErrModelTypeMismatch, ModelID: "x/y", Type: domain.TypeImage}, 422, "model_type_mismatch"},
		{&domain.ValidationError{Field: "messages", Reason: "must not be empty"}, 422, "validation_error"},
		{&openrouter.Error{Kind: domain.ErrUpstreamRejected, Status: 400}, 400, "upstream_rejected"},
		{&domain.StoreError{Kind: domain.ErrNotFound}, 404, "not_found"},
		{&domain.StoreError{Kind: domain.ErrConflict}, 409, "conflict"},
		{&openrouter.Error{Kind: domain.ErrTimeout}, 504, "timeout"},
		{&openrouter.Error{Kind: domain.ErrBadUpstreamResponse}, 502, "bad_upstream_response"},
		{&openrouter.Error{Kind: domain.ErrUpstreamUnavailable, Status: 503}, 503, "upstream_unavailable"},
		{&domain.StoreError{Kind: domain.ErrStoreUnavailable}, 503, "store_unavailable"},
		{domain.ErrDecrypt, 500, "key_unreadable"},
		{io.ErrUnexpectedEOF, 500, "internal"},
	}
	for _, c := range cases {
		t.Run(c.code+"/"+http.StatusText(c.status), func(t *testing.T) {
			e, svc := newServer(t)
			svc.account.EXPECT().Balance(gomock.Any(), domain.DefaultScope).Return(domain.Balance{}, c.err)
			rec := do(e, call{method: "GET", path: "/api/v1/settings/openrouter/balance"})
			if rec.Code != c.status || errCode(t, rec) != c.code {
				t.Fatalf("got %d %s", rec.Code, rec.Body)
			}
			if c.code == "rate_limited" && rec.Header().Get("Retry-After") != "2" {
				t.Fatalf("Retry-After = %q", rec.Header().Get("Retry-After"))
			}
			if c.code == "internal" && strings.Contains(rec.Body.String(), "unexpected EOF") {
				t.Fatal("internal detail leaked to the client")
			}
		})
	}
}

func TestAuthOnEveryRoute(t *testing.T) {
	e, _ := newServer(t)
	routes, sent := 0, 0
	for _, r := range e.Routes() {
		if !strings.HasPrefix(r.Path, "/api/") || r.Path == "/api/v1/openapi.json" || strings.HasSuffix(r.Path, "*") {
			continue
		}
		routes++
		path := strings.NewReplacer(":id", "1", ":provider", "openrouter").Replace(r.Path)
		for name, h := range map[string]string{"none": "", "wrong": "Bearer nope", "longer": "Bearer " + token + "x", "no scheme": token, "basic": "Basic " + token} {
			req := httptest.NewRequest(r.Method, path, nil)
			if h != "" {
				req.Header.Set("Authorization", h)
			}
			// Each from its own address, under the limit of failures.
			sent++
			req.RemoteAddr = fmt.Sprintf("10.0.%d.%d:1234", sent/250, sent%250+1)
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, req)
			if rec.Code != 401 || errCode(t, rec) != "unauthorized" {
				t.Errorf("%s %s with %s token: %d %s", r.Method, path, name, rec.Code, rec.Body)
			}
		}
	}
	if routes < 14 {
		t.Fatalf("only %d API routes found; the check would prove little", routes)
	}
}

func TestModelsSeedShapeETagGzip(t *testing.T) {
	e, svc := newServer(t)
	cat := catalog()
	svc.models.EXPECT().Catalog(gomock.Any(), false).Return(ports.CatalogView{Catalog: cat, Version: 1}, nil).Times(3)
	svc.models.EXPECT().Catalog(gomock.Any(), true).Return(ports.CatalogView{Catalog: cat, Version: 1, Stale: true}, nil)
	rec := do(e, call{method: "GET", path: "/api/v1/settings/openrouter/models"})
	if rec.Code != 200 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	// The seed's groups, beside which recommended and changes were added.
	var got struct {
		Text        []map[string]any `json:"text"`
		Image       []map[string]any `json:"image"`
		Audio       []map[string]any `json:"audio"`
		Recommended map[string]any   `json:"recommended"`
		Changes     any              `json:"changes"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	var keys map[string]json.RawMessage
	_ = json.Unmarshal(rec.Body.Bytes(), &keys)
	if len(keys) != 5 || len(got.Text) != 2 || len(got.Image) != 1 || len(got.Audio) != 1 {
		t.Fatalf("groups: %s", rec.Body)
	}
	m := got.Text[0]
	for _, k := range []string{"id", "name", "description", "context_length", "pricing", "provider", "capabilities"} {
		if _, ok := m[k]; !ok {
			t.Errorf("model lacks %q", k)
		}
	}
	p := m["pricing"].(map[string]any)
	if m["name"] != "GPT-3.5 Turbo" || m["provider"] != "OpenAI" || p["prompt_cost"] != "$0.50/1M tokens" || p["completion_cost"] != "$1.50/1M tokens" {
		t.Fatalf("seed example: %v", m)
	}
	if a := got.Audio[0]["pricing"].(map[string]any); a["prompt_cost"] != "$0.006/min" {
		t.Fatalf("audio price: %v", a)
	}
	etag := rec.Header().Get("ETag")
	if etag == "" || rec.Header().Get("X-Catalog-Stale") != "false" {
		t.Fatalf("headers %v", rec.Header())
	}
	rec = do(e, call{method: "GET", path: "/api/v1/settings/openrouter/models", header: map[string]string{"If-None-Match": etag}})
	if rec.Code != 304 || rec.Body.Len() != 0 {
		t.Fatalf("If-None-Match: %d", rec.Code)
	}
	rec = do(e, call{method: "GET", path: "/api/v1/settings/openrouter/models", header: map[string]string{"Accept-Encoding": "gzip"}})
	zr, err := gzip.NewReader(rec.Body)
	if err != nil || rec.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("gzip: %v %v", err, rec.Header())
	}
	plain, _ := io.ReadAll(zr)
	if !json.Valid(plain) || !bytes.Contains(plain, []byte("openai/whisper-1")) {
		t.Fatal("gzip body is not the catalog")
	}
	rec = do(e, call{method: "GET", path: "/api/v1/settings/openrouter/models?refresh=true"})
	if rec.Code != 200 || rec.Header().Get("X-Catalog-Stale") != "true" {
		t.Fatalf("refresh: %d stale=%q", rec.Code, rec.Header().Get("X-Catalog-Stale"))
	}
}

func TestSeedBalanceAndConnectionShapes(t *testing.T) {
	e, svc := newServer(t)
	svc.account.EXPECT().Balance(gomock.Any(), gomock.Any()).Return(domain.ComputeBalance(domain.KeyInfo{Usage: domain.MustDecimal("1"), RateLimit: &domain.RateLimit{Requests: -1, Interval: "10s"}},
		&domain.Credits{TotalCredits: domain.MustDecimal("30"), TotalUsage: domain.MustDecimal("4.5")}), nil)
	rec := do(e, call{method: "GET", path: "/api/v1/settings/openrouter/balance"})
	var b map[string]any
	_ = json.Unmarshal(rec.Body.Bytes(), &b)
	if b["balance"] != 25.5 || b["usage"] != 4.5 || b["formatted_balance"] != "$25.50" || b["formatted_usage"] != "$4.50" || b["rate_limit"] == nil {
		t.Fatalf("balance: %s", rec.Body)
	}
	svc.account.EXPECT().TestConnection(gomock.Any(), gomock.Any()).Return(domain.ConnectionResult{Success: true, Status: domain.ConnSuccess, Message: "Connection successful"})
	rec = do(e, call{method: "POST", path: "/api/v1/settings/openrouter/test-connection"})
	if strings.TrimSpace(rec.Body.String()) != `{"success":true,"message":"Connection successful","status":"success"}` {
		t.Fatalf("test-connection: %s", rec.Body)
	}
	svc.account.EXPECT().TestConnection(gomock.Any(), gomock.Any()).Return(domain.ConnectionResult{Status: domain.ConnNoKey, Message: "No OpenRouter API key is configured"})
	rec = do(e, call{method: "POST", path: "/api/v1/settings/openrouter/test-connection"})
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"success":false`) || !strings.Contains(rec.Body.String(), `"status":"no_key"`) {
		t.Fatalf("no key: %s", rec.Body)
	}
}

func TestBadInput(t *testing.T) {
	cases := []struct {
		name   string
		c      call
		status int
		code   string
	}{
		{"malformed JSON", call{method: "PUT", path: "/api/v1/settings/api-keys/openrouter", body: `{"key":`}, 400, "bad_request"},
		{"wrong content type", call{method: "PUT", path: "/api/v1/settings/api-keys/openrouter", body: `{"key":"x"}`, ctype: "text/plain"}, 415, "unsupported_media_type"},
		{"unknown field", call{method: "PUT", path: "/api/v1/settings/api-keys/openrouter", body: `{"key":"x","admin":true}`}, 400, "bad_request"},
		{"wrong field type", call{method: "POST", path: "/api/v1/settings/prompts", body: `{"name":5}`}, 400, "bad_request"},
		{"invalid UTF-8", call{method: "POST", path: "/api/v1/settings/prompts", body: "{\"name\":\"\xff\xfe\",\"type\":\"text\",\"text\":\"x\"}"}, 400, "bad_request"},
		{"unknown type", call{method: "PUT", path: "/api/v1/settings/openrouter/selection", body: `{"video":"openai/sora"}`}, 422, "validation_error"},
		{"non-string model id", call{method: "PUT", path: "/api/v1/settings/openrouter/selection", body: `{"text":5}`}, 422, "validation_error"},
		{"body over 1 MB", call{method: "PUT", path: "/api/v1/settings/api-keys/openrouter", body: `{"key":"` + strings.Repeat("a", 1<<20+10) + `"}`}, 413, "payload_too_large"},
		{"bad prompt id", call{method: "GET", path: "/api/v1/settings/prompts/abc"}, 422, "validation_error"},
		{"chat not JSON object", call{method: "POST", path: "/api/v1/chat/completions", body: `[1,2]`}, 422, "validation_error"},
		{"chat malformed", call{method: "POST", path: "/api/v1/chat/completions", body: `{"model":"text",`}, 400, "bad_request"},
		{"transcription bad base64", call{method: "POST", path: "/api/v1/audio/transcriptions", body: `{"input_audio":{"data":"***","format":"wav"}}`}, 422, "validation_error"},
		{"unknown API route", call{method: "GET", path: "/api/v1/nope"}, 404, "not_found"},
		{"wrong method is a JSON error too", call{method: "PATCH", path: "/api/v1/settings/openrouter/selection"}, 404, "not_found"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, _ := newServer(t) // no expectations: the service must not be called
			rec := do(e, c.c)
			if rec.Code != c.status || errCode(t, rec) != c.code {
				t.Fatalf("got %d %s", rec.Code, rec.Body)
			}
		})
	}
}

func TestSelectionRoundTrip(t *testing.T) {
	e, svc := newServer(t)
	cat := catalog()
	m, _ := cat.Lookup("openai/gpt-4o")
	saved := domain.Selection{
		domain.TypeText:  {Type: domain.TypeText, ModelID: "openai/gpt-4o", Model: m, Saved: true, Available: true, Checked: true, SavedAt: time.Unix(1, 0)},
		domain.TypeImage: {Type: domain.TypeImage, ModelID: "openai/gpt-4o", Model: m, Recommended: true, Available: true, Checked: true},
		domain.TypeAudio: {Type: domain.TypeAudio},
	}
	svc.models.EXPECT().SaveChoices(gomock.Any(), domain.DefaultScope, map[domain.ModelType]domain.SelectionChoice{domain.TypeText: {Model: "openai/gpt-4o", KeepFallbacks: true}}).Return(saved, nil)
	rec := do(e, call{method: "PUT", path: "/api/v1/settings/openrouter/selection", body: `{"text":"openai/gpt-4o"}`})
	var got map[string]echoapi.SelectionEntryDTO
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || rec.Code != 200 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	if !got["text"].Saved || got["text"].SavedAt == nil || got["image"].Saved || !got["image"].Recommended || got["audio"].Model != nil || got["audio"].ModelID != "" {
		t.Fatalf("%+v", got)
	}
	if got["text"].Availability != "available" || got["audio"].Availability != "" {
		t.Fatalf("availability: %+v", got)
	}
	// A saved model checked and missing, and one that could not be checked.
	svc.models.EXPECT().Selection(gomock.Any(), domain.DefaultScope).Return(domain.Selection{
		domain.TypeText:  {Type: domain.TypeText, ModelID: "gone/model", Saved: true, Checked: true},
		domain.TypeImage: {Type: domain.TypeImage, ModelID: "openai/gpt-4o", Saved: true, Available: true},
		domain.TypeAudio: {Type: domain.TypeAudio},
	}, nil)
	rec = do(e, call{method: "GET", path: "/api/v1/settings/openrouter/selection"})
	got = nil
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || rec.Code != 200 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	if got["text"].Available || got["text"].Availability != "unavailable" || !got["image"].Available || got["image"].Availability != "unknown" {
		t.Fatalf("availability: %s", rec.Body)
	}
	svc.models.EXPECT().SaveChoices(gomock.Any(), gomock.Any(), gomock.Any()).Return(nil, &domain.ModelError{Kind: domain.ErrModelNotFound, ModelID: "../../etc/passwd", Type: domain.TypeText})
	rec = do(e, call{method: "PUT", path: "/api/v1/settings/openrouter/selection", body: `{"text":"../../etc/passwd"}`})
	if rec.Code != 422 || errCode(t, rec) != "model_not_found" {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
}

func TestKeysNeverReturnPlaintext(t *testing.T) {
	e, svc := newServer(t)
	const key = "sk-or-v1-0123456789abcdef0123456789abcdef"
	svc.keys.EXPECT().SetKey(gomock.Any(), domain.DefaultScope, "openrouter", key).Return(domain.KeyStatus{Provider: "openrouter", Configured: true, Masked: domain.MaskKey(key)}, nil)
	rec := do(e, call{method: "PUT", path: "/api/v1/settings/api-keys/openrouter", body: `{"key":"` + key + `"}`})
	if rec.Code != 200 || strings.Contains(rec.Body.String(), "0123456789") || !strings.Contains(rec.Body.String(), "sk-or-v1-…cdef") {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	svc.keys.EXPECT().DeleteKey(gomock.Any(), domain.DefaultScope, "openrouter").Return(nil)
	if rec := do(e, call{method: "DELETE", path: "/api/v1/settings/api-keys/openrouter"}); rec.Code != 204 {
		t.Fatalf("delete: %d", rec.Code)
	}
	svc.keys.EXPECT().KeyStatuses(gomock.Any(), domain.DefaultScope).Return([]domain.KeyStatus{{Provider: "openrouter"}}, nil)
	rec = do(e, call{method: "GET", path: "/api/v1/settings/api-keys"})
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"keys":[{"provider":"openrouter","configured":false}]`) {
		t.Fatalf("%s", rec.Body)
	}
}

func TestPromptsCRUD(t *testing.T) {
	e, svc := newServer(t)
	p := &domain.Prompt{ID: 7, Name: "describe", Type: domain.TypeImage, Text: "Describe the image"}
	svc.prompts.EXPECT().CreatePrompt(gomock.Any(), domain.DefaultScope, domain.Prompt{Name: "describe", Type: domain.TypeImage, Text: "Describe the image"}).Return(p, nil)
	rec := do(e, call{method: "POST", path: "/api/v1/settings/prompts", body: `{"name":"describe","type":"image","text":"Describe the image"}`})
	if rec.Code != 201 || !strings.Contains(rec.Body.String(), `"id":7`) {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	svc.prompts.EXPECT().ListPrompts(gomock.Any(), domain.DefaultScope, domain.TypeImage, "", 0).Return(domain.PromptPage{Prompts: []domain.Prompt{*p}}, nil)
	if rec := do(e, call{method: "GET", path: "/api/v1/settings/prompts?type=image"}); rec.Code != 200 || !strings.Contains(rec.Body.String(), `"prompts":[{"id":7`) || strings.Contains(rec.Body.String(), "next_cursor") {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	svc.prompts.EXPECT().ListPrompts(gomock.Any(), domain.DefaultScope, domain.ModelType(""), "abc", 2).Return(domain.PromptPage{Prompts: []domain.Prompt{*p}, Next: "def"}, nil)
	if rec := do(e, call{method: "GET", path: "/api/v1/settings/prompts?limit=2&cursor=abc"}); rec.Code != 200 || !strings.Contains(rec.Body.String(), `"next_cursor":"def"`) {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	if rec := do(e, call{method: "GET", path: "/api/v1/settings/prompts?limit=many"}); rec.Code != 422 {
		t.Fatalf("limit=many: %d %s", rec.Code, rec.Body)
	}
	// A PUT without "default" keeps the prompt's flag: it is read first.
	svc.prompts.EXPECT().GetPrompt(gomock.Any(), domain.DefaultScope, int64(7)).Return(&domain.Prompt{ID: 7, Default: true}, nil)
	svc.prompts.EXPECT().UpdatePrompt(gomock.Any(), domain.DefaultScope, domain.Prompt{ID: 7, Name: "dup", Type: domain.TypeText, Text: "x", Default: true}).Return(nil, &domain.StoreError{Kind: domain.ErrConflict})
	if rec := do(e, call{method: "PUT", path: "/api/v1/settings/prompts/7", body: `{"name":"dup","type":"text","text":"x"}`}); rec.Code != 409 {
		t.Fatalf("conflict: %d", rec.Code)
	}
	svc.prompts.EXPECT().GetPrompt(gomock.Any(), domain.DefaultScope, int64(8)).Return(nil, &domain.StoreError{Kind: domain.ErrNotFound})
	if rec := do(e, call{method: "GET", path: "/api/v1/settings/prompts/8"}); rec.Code != 404 {
		t.Fatalf("missing: %d", rec.Code)
	}
	svc.prompts.EXPECT().DeletePrompt(gomock.Any(), domain.DefaultScope, int64(7)).Return(nil)
	if rec := do(e, call{method: "DELETE", path: "/api/v1/settings/prompts/7"}); rec.Code != 204 {
		t.Fatalf("delete: %d", rec.Code)
	}
}

type fakeStream struct {
	chunks []string
	err    error
	closed bool
}

func (s *fakeStream) Recv() (domain.StreamChunk, error) {
	if len(s.chunks) == 0 {
		if s.err != nil {
			return domain.StreamChunk{}, s.err
		}
		return domain.StreamChunk{}, io.EOF
	}
	c := s.chunks[0]
	s.chunks = s.chunks[1:]
	return domain.StreamChunk{Data: json.RawMessage(c)}, nil
}
func (s *fakeStream) Close() error { s.closed = true; return nil }

func TestChatCompletions(t *testing.T) {
	e, svc := newServer(t)
	raw := `{"id":"gen-1","object":"chat.completion","choices":[{"message":{"content":"hi"}}]}`
	svc.requests.EXPECT().Complete(gomock.Any(), domain.DefaultScope, gomock.Any()).DoAndReturn(
		func(_ any, _ string, r *domain.ChatRequest) (*domain.ChatResponse, error) {
			if r.Model != "text" || string(r.Extra["temperature"]) != "0.3" {
				t.Errorf("request %+v", r)
			}
			return &domain.ChatResponse{Raw: json.RawMessage(raw)}, nil
		})
	rec := do(e, call{method: "POST", path: "/api/v1/chat/completions", body: `{"model":"text","temperature":0.3,"messages":[{"role":"user","content":"hi"}]}`})
	if rec.Code != 200 || rec.Body.String() != raw {
		t.Fatalf("passthrough: %d %s", rec.Code, rec.Body)
	}

	st := &fakeStream{chunks: []string{`{"choices":[{"delta":{"content":"a"}}]}`, `{"choices":[{"delta":{"content":"b"}}]}`}}
	svc.requests.EXPECT().Stream(gomock.Any(), domain.DefaultScope, gomock.Any()).Return(st, nil)
	rec = do(e, call{method: "POST", path: "/api/v1/chat/completions", body: `{"model":"text","stream":true,"messages":[{"role":"user","content":"hi"}]}`})
	want := "data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\ndata: {\"choices\":[{\"delta\":{\"content\":\"b\"}}]}\n\ndata: [DONE]\n\n"
	if rec.Body.String() != want || rec.Header().Get("Content-Type") != "text/event-stream" || !st.closed {
		t.Fatalf("stream: %q %v closed=%v", rec.Body, rec.Header(), st.closed)
	}

	st = &fakeStream{chunks: []string{`{"x":1}`}, err: &openrouter.Error{Kind: domain.ErrUpstreamRejected, Code: 400, Message: "Token limit reached"}}
	svc.requests.EXPECT().Stream(gomock.Any(), gomock.Any(), gomock.Any()).Return(st, nil)
	rec = do(e, call{method: "POST", path: "/api/v1/chat/completions", body: `{"model":"text","stream":true,"messages":[{"role":"user","content":"hi"}]}`})
	if !strings.Contains(rec.Body.String(), `data: {"error":{"code":"upstream_rejected"`) || !strings.HasSuffix(rec.Body.String(), "data: [DONE]\n\n") {
		t.Fatalf("mid-stream error: %q", rec.Body)
	}

	svc.requests.EXPECT().Complete(gomock.Any(), gomock.Any(), gomock.Any()).Return(&domain.ChatResponse{ID: "t1", Model: "openai/whisper-1", Choices: []domain.Choice{{Content: "spoken", FinishReason: "stop"}}}, nil)
	rec = do(e, call{method: "POST", path: "/api/v1/chat/completions", body: `{"model":"audio","messages":[{"role":"user","content":"x"}]}`})
	if !strings.Contains(rec.Body.String(), `"content":"spoken"`) || !strings.Contains(rec.Body.String(), `"object":"chat.completion"`) {
		t.Fatalf("synthesised: %s", rec.Body)
	}
	if got := rec.Header().Get("X-Aimodels-Model"); got != "openai/whisper-1" {
		t.Fatalf("X-Aimodels-Model = %q, want the model that served the alias", got)
	}
}

func TestTranscriptionJSONAndMultipart(t *testing.T) {
	e, svc := newServer(t)
	svc.requests.EXPECT().Transcribe(gomock.Any(), domain.DefaultScope, gomock.Any()).DoAndReturn(
		func(_ any, _ string, r *domain.TranscriptionRequest) (*domain.Transcription, error) {
			if string(r.Audio) != "RIFFdata" || r.Format != "wav" || r.Model != "audio" {
				t.Errorf("json request %+v", r)
			}
			return &domain.Transcription{Text: "hello", Model: "openai/whisper-1"}, nil
		})
	rec := do(e, call{method: "POST", path: "/api/v1/audio/transcriptions", body: `{"model":"whisper-1","input_audio":{"data":"UklGRmRhdGE=","format":"wav"}}`})
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"text":"hello"`) {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", "voice.mp3")
	_, _ = fw.Write([]byte("ID3audio"))
	_ = mw.WriteField("model", "openai/gpt-4o-transcribe")
	_ = mw.WriteField("response_format", "text")
	_ = mw.Close()
	svc.requests.EXPECT().Transcribe(gomock.Any(), domain.DefaultScope, gomock.Any()).DoAndReturn(
		func(_ any, _ string, r *domain.TranscriptionRequest) (*domain.Transcription, error) {
			if string(r.Audio) != "ID3audio" || r.Format != "mp3" || r.Model != "openai/gpt-4o-transcribe" {
				t.Errorf("multipart request %+v", r)
			}
			return &domain.Transcription{Text: "plain words"}, nil
		})
	rec = do(e, call{method: "POST", path: "/api/v1/audio/transcriptions", body: buf.String(), ctype: mw.FormDataContentType()})
	if rec.Code != 200 || rec.Body.String() != "plain words" {
		t.Fatalf("%d %q", rec.Code, rec.Body)
	}
}

func TestOpenAPIMatchesRoutes(t *testing.T) {
	e, _ := newServer(t)
	rec := do(e, call{method: "GET", path: "/api/v1/openapi.json", noAuth: true})
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil || rec.Code != 200 || !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("%d %v", rec.Code, err)
	}
	registered := map[string]bool{}
	for _, r := range e.Routes() {
		if strings.HasSuffix(r.Path, "*") || r.Method == echo.RouteNotFound {
			continue
		}
		p := regexp.MustCompile(`:([a-zA-Z_]+)`).ReplaceAllString(r.Path, "{$1}")
		key := strings.ToLower(r.Method) + " " + p
		registered[key] = true
		if doc.Paths[p][strings.ToLower(r.Method)] == nil {
			t.Errorf("route %s missing from openapi.json", key)
		}
	}
	for p, ops := range doc.Paths {
		for m := range ops {
			if !registered[m+" "+p] {
				t.Errorf("openapi.json documents %s %s, which is not a route", m, p)
			}
		}
	}
}

// TestOpenAPIHead: HEAD /openapi.json answers like GET (public, 200, the
// same headers, Content-Length included) without a body.
func TestOpenAPIHead(t *testing.T) {
	e, _ := newServer(t)
	get := do(e, call{method: "GET", path: "/api/v1/openapi.json", noAuth: true})
	head := do(e, call{method: "HEAD", path: "/api/v1/openapi.json", noAuth: true})
	if get.Code != 200 || head.Code != 200 {
		t.Fatalf("GET %d, HEAD %d; want 200 both", get.Code, head.Code)
	}
	if head.Body.Len() != 0 {
		t.Errorf("HEAD answered a body of %d bytes", head.Body.Len())
	}
	if cl := get.Header().Get("Content-Length"); cl != strconv.Itoa(get.Body.Len()) {
		t.Errorf("GET Content-Length %q for %d bytes", cl, get.Body.Len())
	}
	for _, h := range []string{"Content-Type", "Content-Length"} {
		if get.Header().Get(h) != head.Header().Get(h) {
			t.Errorf("%s: GET %q, HEAD %q", h, get.Header().Get(h), head.Header().Get(h))
		}
	}
}

func TestProbesAndSPA(t *testing.T) {
	e, svc := newServer(t)
	svc.ready.EXPECT().Ready(gomock.Any()).Return(&domain.StoreError{Kind: domain.ErrStoreUnavailable})
	if rec := do(e, call{method: "GET", path: "/readyz", noAuth: true}); rec.Code != 503 {
		t.Fatalf("readyz down: %d", rec.Code)
	}
	if rec := do(e, call{method: "GET", path: "/healthz", noAuth: true}); rec.Code != 200 {
		t.Fatalf("healthz: %d", rec.Code)
	}
	fsys := fstest.MapFS{"index.html": {Data: []byte("<html>app</html>")}, "assets/app-123.js": {Data: []byte("js")}}
	e.GET("/*", echoapi.SPA(fsys))
	for path, want := range map[string]string{"/": "<html>app</html>", "/settings/models": "<html>app</html>", "/assets/app-123.js": "js"} {
		rec := do(e, call{method: "GET", path: path, noAuth: true})
		if rec.Code != 200 || rec.Body.String() != want {
			t.Errorf("%s: %d %q", path, rec.Code, rec.Body)
		}
	}
	if rec := do(e, call{method: "GET", path: "/assets/app-123.js", noAuth: true}); !strings.Contains(rec.Header().Get("Cache-Control"), "immutable") {
		t.Errorf("asset cache: %q", rec.Header().Get("Cache-Control"))
	}
	if rec := do(e, call{method: "GET", path: "/settings/models", noAuth: true}); rec.Header().Get("Cache-Control") != "no-cache" {
		t.Errorf("index cache: %q", rec.Header().Get("Cache-Control"))
	}
	if rec := do(e, call{method: "GET", path: "/assets/missing.js", noAuth: true}); rec.Code != 404 {
		t.Errorf("missing asset: %d", rec.Code)
	}
}

func TestMultiLineEventIsOneDataLine(t *testing.T) {
	e, svc := newServer(t)
	st := &fakeStream{chunks: []string{"{\n  \"choices\": [\n    {\"delta\": {\"content\": \"a\"}}\n  ]\n}"}}
	svc.requests.EXPECT().Stream(gomock.Any(), gomock.Any(), gomock.Any()).Return(st, nil)
	rec := do(e, call{method: "POST", path: "/api/v1/chat/completions", body: `{"model":"text","stream":true,"messages":[{"role":"user","content":"hi"}]}`})
	want := "data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\ndata: [DONE]\n\n"
	if rec.Body.String() != want {
		t.Fatalf("got %q", rec.Body)
	}
}

func TestStoreDetailStaysInTheLog(t *testing.T) {
	e, svc := newServer(t)
	svc.keys.EXPECT().KeyStatuses(gomock.Any(), gomock.Any()).Return(nil,
		&domain.StoreError{Kind: domain.ErrStoreUnavailable, Op: "list keys", Err: io.ErrUnexpectedEOF})
	rec := do(e, call{method: "GET", path: "/api/v1/settings/api-keys"})
	if rec.Code != 503 || errCode(t, rec) != "store_unavailable" || strings.Contains(rec.Body.String(), "unexpected EOF") || strings.Contains(rec.Body.String(), "list keys") {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
}

// GET /models is the OpenAI list shape with the aliases first, each naming
// the model it resolves to; one model by alias or by id; paging.
func TestOpenAIModelList(t *testing.T) {
	e, svc := newServer(t)
	cat := catalog()
	view := ports.CatalogView{Catalog: cat, Version: 1}
	gpt4o, _ := cat.Lookup("openai/gpt-4o")
	whisper, _ := cat.Lookup("openai/whisper-1")
	sel := domain.Selection{
		domain.TypeText:  {Type: domain.TypeText, ModelID: gpt4o.ID, Model: gpt4o},
		domain.TypeImage: {Type: domain.TypeImage, ModelID: gpt4o.ID, Model: gpt4o},
		domain.TypeAudio: {Type: domain.TypeAudio, ModelID: whisper.ID, Model: whisper},
	}
	svc.models.EXPECT().Catalog(gomock.Any(), false).Return(view, nil).AnyTimes()
	svc.models.EXPECT().Selection(gomock.Any(), domain.DefaultScope).Return(sel, nil).AnyTimes()
	var list echoapi.OpenAIModelListDTO
	rec := do(e, call{method: "GET", path: "/api/v1/models"})
	if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &list) != nil || list.Object != "list" {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	var ids []string
	for _, m := range list.Data {
		ids = append(ids, m.ID)
		if m.Object != "model" || m.OwnedBy == "" {
			t.Errorf("model %+v lacks the OpenAI fields", m)
		}
	}
	if got := strings.Join(ids, ","); got != "text,image,audio,openai/gpt-3.5-turbo,openai/gpt-4o,openai/whisper-1" {
		t.Fatalf("ids %s", got)
	}
	if list.Data[0].AliasFor != "openai/gpt-4o" || list.Data[2].AliasFor != "openai/whisper-1" || list.Data[4].AliasFor != "" {
		t.Fatalf("aliases %+v", list.Data[:3])
	}
	if p := list.Data[4].Pricing; p["prompt"] != "0.0000025" || p["completion"] != "0.00001" || list.Data[4].ContextLength != 16385 {
		t.Fatalf("gpt-4o fields %+v", list.Data[4])
	}
	rec = do(e, call{method: "GET", path: "/api/v1/models?offset=2&limit=2"})
	if json.Unmarshal(rec.Body.Bytes(), &list) != nil || len(list.Data) != 2 || list.Data[0].ID != "audio" || list.Data[1].ID != "openai/gpt-3.5-turbo" {
		t.Fatalf("page: %s", rec.Body)
	}
	var one echoapi.OpenAIModelDTO
	rec = do(e, call{method: "GET", path: "/api/v1/models/openai/gpt-4o"})
	if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &one) != nil || one.ID != "openai/gpt-4o" || one.Name != "GPT-4o" {
		t.Fatalf("one: %d %s", rec.Code, rec.Body)
	}
	rec = do(e, call{method: "GET", path: "/api/v1/models/audio"})
	if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &one) != nil || one.AliasFor != "openai/whisper-1" {
		t.Fatalf("alias: %d %s", rec.Code, rec.Body)
	}
	if rec := do(e, call{method: "GET", path: "/api/v1/models/nobody/nothing"}); rec.Code != 404 || errCode(t, rec) != "not_found" {
		t.Fatalf("unknown: %d %s", rec.Code, rec.Body)
	}
	if rec := do(e, call{method: "GET", path: "/api/v1/models?limit=0"}); rec.Code != 422 {
		t.Fatalf("limit=0: %d", rec.Code)
	}
}

// GET /models passes OpenRouter's own model object through (every member
// it sent, which @openrouter/sdk requires), with OpenAI's object and
// owned_by added; an alias gets its own id and alias_for; the list says
// total_count and links.next.
func TestOpenAIModelListPassesOpenRouterObjects(t *testing.T) {
	e, svc := newServer(t)
	raw := `{"id":"openai/gpt-4o","canonical_slug":"openai/gpt-4o-2024-05-13","name":"OpenAI: GPT-4o","created":1715558400,` +
		`"top_provider":{"context_length":128000,"max_completion_tokens":16384,"is_moderated":true},"per_request_limits":null,` +
		`"links":{"details":"/api/v1/models/openai/gpt-4o-2024-05-13/endpoints"},"pricing":{"prompt":"0.0000025","completion":"0.00001","discount":0}}`
	m := domain.Model{ID: "openai/gpt-4o", Name: "GPT-4o", Provider: "OpenAI", InputModalities: []string{"text"}, OutputModalities: []string{"text"},
		Types: []domain.ModelType{domain.TypeText}, Raw: []byte(raw)}
	other := domain.Model{ID: "openai/gpt-3.5-turbo", Name: "GPT-3.5 Turbo", Provider: "OpenAI", Types: []domain.ModelType{domain.TypeText}}
	cat := domain.NewCatalog([]domain.Model{m, other}, time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC))
	gpt4o, _ := cat.Lookup("openai/gpt-4o")
	svc.models.EXPECT().Catalog(gomock.Any(), false).Return(ports.CatalogView{Catalog: cat, Version: 1}, nil).AnyTimes()
	svc.models.EXPECT().Selection(gomock.Any(), domain.DefaultScope).Return(domain.Selection{
		domain.TypeText: {Type: domain.TypeText, ModelID: gpt4o.ID, Model: gpt4o}}, nil).AnyTimes()

	var list struct {
		Data       []map[string]any `json:"data"`
		TotalCount int              `json:"total_count"`
		Links      struct {
			Next *string `json:"next"`
		} `json:"links"`
	}
	rec := do(e, call{method: "GET", path: "/api/v1/models?limit=2"})
	if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &list) != nil {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	if list.TotalCount != 3 || len(list.Data) != 2 || list.Links.Next == nil || *list.Links.Next != "/api/v1/models?offset=2&limit=2" {
		t.Fatalf("total %d, %d entries, next %v; want 3, 2, the next page", list.TotalCount, len(list.Data), list.Links.Next)
	}
	alias, model := list.Data[0], list.Data[1]
	if alias["id"] != "text" || alias["alias_for"] != "openai/gpt-4o" || alias["owned_by"] != "aimodels" || alias["canonical_slug"] != "openai/gpt-4o-2024-05-13" {
		t.Errorf("alias %v", alias)
	}
	tp, _ := model["top_provider"].(map[string]any)
	if model["id"] != "openai/gpt-4o" || model["object"] != "model" || model["owned_by"] != "OpenAI" || model["name"] != "OpenAI: GPT-4o" ||
		tp["is_moderated"] != true || model["alias_for"] != nil {
		t.Errorf("model %v", model)
	}
	if v, ok := model["per_request_limits"]; !ok || v != nil {
		t.Errorf("per_request_limits %v (present %v), want OpenRouter's null", v, ok)
	}
	rec = do(e, call{method: "GET", path: "/api/v1/models?offset=2&limit=2"})
	if json.Unmarshal(rec.Body.Bytes(), &list) != nil || len(list.Data) != 1 || list.Data[0]["id"] != "openai/gpt-3.5-turbo" || list.Links.Next != nil {
		t.Fatalf("last page: %s", rec.Body)
	}
	var one map[string]any
	rec = do(e, call{method: "GET", path: "/api/v1/models/openai/gpt-4o"})
	if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &one) != nil || one["canonical_slug"] != "openai/gpt-4o-2024-05-13" || one["object"] != "model" {
		t.Fatalf("one: %d %s", rec.Code, rec.Body)
	}
}
