package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	of "github.com/aimodels/aimodels/test/openroutertest"
)

// exState carries what one exercise makes for a later one.
type exState struct {
	promptID int64
}

// exercise is one request of TestResponsesMatchOpenAPI: op is the
// documented operation it must reach ("METHOD /path/{param}", as in the
// document), status the status it must answer. Success exercises (2xx)
// also validate their request against the document.
type exercise struct {
	op     string
	name   string
	req    func(st *exState) req
	status int
	before func(t *testing.T, fake *of.Server) // faults to install first
	after  func(t *testing.T, st *exState, r res)
}

func static(q req) func(*exState) req { return func(*exState) req { return q } }

func promptPath(suffix string) func(*exState) string {
	return func(st *exState) string {
		return "/api/v1/settings/prompts/" + strconv.FormatInt(st.promptID, 10) + suffix
	}
}

var noAuth = new(string)

// openapiExercises run in this order against one server with the fake
// OpenRouter: a key is stored first, a text and an audio model are
// selected, a prompt is created, and the key is deleted last.
//
// A route added to adapters/echoapi/routes.go is in the document, so the
// test fails until this table has a 2xx exercise and an error exercise of
// it (or, for an operation that has no error response, an entry in
// opsWithoutErrors saying why).
var openapiExercises = []exercise{
	{op: "GET /healthz", name: "up", req: static(req{method: "GET", path: "/healthz", auth: noAuth}), status: 200},
	{op: "GET /readyz", name: "ready", req: static(req{method: "GET", path: "/readyz", auth: noAuth}), status: 200},
	{op: "HEAD /healthz", name: "up", req: static(req{method: "HEAD", path: "/healthz", auth: noAuth}), status: 200},
	{op: "HEAD /readyz", name: "ready", req: static(req{method: "HEAD", path: "/readyz", auth: noAuth}), status: 200},
	{op: "GET /api/v1/openapi.json", name: "public", req: static(req{method: "GET", path: "/api/v1/openapi.json", auth: noAuth}), status: 200},
	{op: "HEAD /api/v1/openapi.json", name: "public", req: static(req{method: "HEAD", path: "/api/v1/openapi.json", auth: noAuth}), status: 200},

	// Keys.
	{op: "PUT /api/v1/settings/api-keys/{provider}", name: "store", req: static(req{method: "PUT", path: "/api/v1/settings/api-keys/openrouter", body: mustJSON(map[string]string{"key": of.DefaultAPIKey})}), status: 200},
	{op: "PUT /api/v1/settings/api-keys/{provider}", name: "empty key", req: static(req{method: "PUT", path: "/api/v1/settings/api-keys/openrouter", body: []byte(`{"key":""}`)}), status: 422},
	{op: "PUT /api/v1/settings/api-keys/{provider}", name: "not JSON", req: static(req{method: "PUT", path: "/api/v1/settings/api-keys/openrouter", body: []byte(`{"key":`)}), status: 400},
	{op: "GET /api/v1/settings/api-keys", name: "masked", req: static(req{method: "GET", path: "/api/v1/settings/api-keys"}), status: 200},
	{op: "GET /api/v1/settings/api-keys", name: "wrong token", req: static(req{method: "GET", path: "/api/v1/settings/api-keys", auth: bearer("wrong")}), status: 401},

	// Catalog and selection.
	{op: "GET /api/v1/settings/openrouter/models", name: "grouped", req: static(req{method: "GET", path: "/api/v1/settings/openrouter/models"}), status: 200},
	{op: "GET /api/v1/settings/openrouter/models", name: "wrong token", req: static(req{method: "GET", path: "/api/v1/settings/openrouter/models", auth: bearer("wrong")}), status: 401},
	{op: "PUT /api/v1/settings/openrouter/selection", name: "save", req: static(req{method: "PUT", path: "/api/v1/settings/openrouter/selection", body: []byte(`{"text":"openai/gpt-4o-mini","audio":"openai/whisper-1"}`)}), status: 200},
	{op: "PUT /api/v1/settings/openrouter/selection", name: "with fallbacks", req: static(req{method: "PUT", path: "/api/v1/settings/openrouter/selection", body: []byte(`{"text":{"model":"openai/gpt-4o-mini","fallbacks":["openai/gpt-4o"]}}`)}), status: 200},
	{op: "PUT /api/v1/settings/openrouter/selection", name: "bad fallback", req: static(req{method: "PUT", path: "/api/v1/settings/openrouter/selection", body: []byte(`{"text":{"model":"openai/gpt-4o-mini","fallbacks":["nobody/no-such-model"]}}`)}), status: 422},
	{op: "PUT /api/v1/settings/openrouter/selection", name: "unknown model", req: static(req{method: "PUT", path: "/api/v1/settings/openrouter/selection", body: []byte(`{"text":"nobody/no-such-model"}`)}), status: 422},
	{op: "PUT /api/v1/settings/openrouter/selection", name: "fallbacks", req: static(req{method: "PUT", path: "/api/v1/settings/openrouter/selection", body: []byte(`{"text":{"model":"openai/gpt-4o-mini","fallbacks":["openai/gpt-3.5-turbo"]}}`)}), status: 200},
	{op: "PUT /api/v1/settings/openrouter/selection", name: "too many fallbacks", req: static(req{method: "PUT", path: "/api/v1/settings/openrouter/selection",
		body: []byte(`{"text":{"model":"openai/gpt-4o-mini","fallbacks":["openai/gpt-3.5-turbo","openai/gpt-4o","openai/gpt-4.1-mini","openai/gpt-4.1-nano"]}}`)}), status: 422},
	{op: "GET /api/v1/settings/openrouter/selection", name: "saved", req: static(req{method: "GET", path: "/api/v1/settings/openrouter/selection"}), status: 200},
	{op: "GET /api/v1/settings/openrouter/selection", name: "wrong token", req: static(req{method: "GET", path: "/api/v1/settings/openrouter/selection", auth: bearer("wrong")}), status: 401},
	{op: "GET /api/v1/models", name: "list", req: static(req{method: "GET", path: "/api/v1/models"}), status: 200},
	{op: "GET /api/v1/models", name: "a page", req: static(req{method: "GET", path: "/api/v1/models?offset=2&limit=3"}), status: 200},
	{op: "GET /api/v1/models", name: "bad limit", req: static(req{method: "GET", path: "/api/v1/models?limit=0"}), status: 422},
	{op: "GET /api/v1/models/{id}", name: "alias", req: static(req{method: "GET", path: "/api/v1/models/text"}), status: 200},
	{op: "GET /api/v1/models/{id}", name: "no such alias", req: static(req{method: "GET", path: "/api/v1/models/video"}), status: 404},
	{op: "GET /api/v1/models/{author}/{slug}", name: "catalog model", req: static(req{method: "GET", path: "/api/v1/models/openai/gpt-4o-mini"}), status: 200},
	{op: "GET /api/v1/models/{author}/{slug}", name: "not in the catalog", req: static(req{method: "GET", path: "/api/v1/models/nobody/no-such-model"}), status: 404},

	// Trying a model before choosing it (issue 17).
	{op: "POST /api/v1/settings/openrouter/try", name: "text", req: static(req{method: "POST", path: "/api/v1/settings/openrouter/try", body: []byte(`{"type":"text"}`)}), status: 200},
	{op: "POST /api/v1/settings/openrouter/try", name: "image to a model", req: static(req{method: "POST", path: "/api/v1/settings/openrouter/try", body: []byte(`{"type":"image","model":"openai/gpt-4o-mini"}`)}), status: 200},
	{op: "POST /api/v1/settings/openrouter/try", name: "audio", req: static(req{method: "POST", path: "/api/v1/settings/openrouter/try", body: []byte(`{"type":"audio"}`)}), status: 200},
	{op: "POST /api/v1/settings/openrouter/try", name: "wrong type", req: static(req{method: "POST", path: "/api/v1/settings/openrouter/try", body: []byte(`{"type":"video"}`)}), status: 422},
	{op: "POST /api/v1/settings/openrouter/try", name: "rate limited", req: static(req{method: "POST", path: "/api/v1/settings/openrouter/try", body: []byte(`{"type":"text"}`)}), status: 429,
		before: func(t *testing.T, fake *of.Server) {
			fake.SetFault(of.RouteChat, of.Fault{Status: 429, RetryAfter: "1", Times: 5})
		}},

	// Account.
	// The balance is cached once read: the refusal comes first.
	{op: "GET /api/v1/settings/openrouter/balance", name: "key refused upstream", req: static(req{method: "GET", path: "/api/v1/settings/openrouter/balance"}), status: 402,
		before: func(t *testing.T, fake *of.Server) {
			fake.SetFault(of.RouteKey, of.Fault{Status: 402})
			fake.SetFault(of.RouteCredits, of.Fault{Status: 402})
		}},
	{op: "GET /api/v1/settings/openrouter/balance", name: "balance", req: static(req{method: "GET", path: "/api/v1/settings/openrouter/balance"}), status: 200},
	{op: "POST /api/v1/settings/openrouter/test-connection", name: "connected", req: static(req{method: "POST", path: "/api/v1/settings/openrouter/test-connection"}), status: 200},
	{op: "POST /api/v1/settings/openrouter/test-connection", name: "wrong token", req: static(req{method: "POST", path: "/api/v1/settings/openrouter/test-connection", auth: bearer("wrong")}), status: 401},

	// Prompts.
	{op: "POST /api/v1/settings/prompts", name: "create", req: static(req{method: "POST", path: "/api/v1/settings/prompts", body: []byte(`{"name":"reply-to-customer","type":"text","text":"Reply to {{customer}} in a {{tone}} tone."}`)}), status: 201,
		after: func(t *testing.T, st *exState, r res) {
			var p struct {
				ID int64 `json:"id"`
			}
			r.json(t, &p)
			st.promptID = p.ID
		}},
	{op: "POST /api/v1/settings/prompts", name: "the same name", req: static(req{method: "POST", path: "/api/v1/settings/prompts", body: []byte(`{"name":"reply-to-customer","type":"text","text":"again"}`)}), status: 409},
	{op: "POST /api/v1/settings/prompts", name: "no name", req: static(req{method: "POST", path: "/api/v1/settings/prompts", body: []byte(`{"name":"","type":"text","text":"x"}`)}), status: 422},
	{op: "GET /api/v1/settings/prompts", name: "list", req: static(req{method: "GET", path: "/api/v1/settings/prompts?type=text&limit=10"}), status: 200},
	{op: "GET /api/v1/settings/prompts", name: "bad type", req: static(req{method: "GET", path: "/api/v1/settings/prompts?type=video"}), status: 422},
	{op: "GET /api/v1/settings/prompts/{id}", name: "get", req: func(st *exState) req { return req{method: "GET", path: promptPath("")(st)} }, status: 200},
	{op: "GET /api/v1/settings/prompts/{id}", name: "unknown", req: static(req{method: "GET", path: "/api/v1/settings/prompts/987654321"}), status: 404},
	{op: "PUT /api/v1/settings/prompts/{id}", name: "replace", req: func(st *exState) req {
		return req{method: "PUT", path: promptPath("")(st), body: []byte(`{"name":"reply-to-customer","type":"text","text":"Reply to {{customer}}, {{tone}}."}`)}
	}, status: 200},
	{op: "PUT /api/v1/settings/prompts/{id}", name: "unknown", req: static(req{method: "PUT", path: "/api/v1/settings/prompts/987654321", body: []byte(`{"name":"x","type":"text","text":"x"}`)}), status: 404},
	{op: "GET /api/v1/settings/prompts/{id}/versions", name: "history", req: func(st *exState) req { return req{method: "GET", path: promptPath("/versions?limit=1")(st)} }, status: 200},
	{op: "GET /api/v1/settings/prompts/{id}/versions", name: "unknown prompt", req: static(req{method: "GET", path: "/api/v1/settings/prompts/987654321/versions"}), status: 404},
	{op: "POST /api/v1/settings/prompts/{id}/versions/{version}/restore", name: "restore 1", req: func(st *exState) req { return req{method: "POST", path: promptPath("/versions/1/restore")(st)} }, status: 200},
	{op: "POST /api/v1/settings/prompts/{id}/versions/{version}/restore", name: "unknown version", req: func(st *exState) req { return req{method: "POST", path: promptPath("/versions/99/restore")(st)} }, status: 404},

	// Requests.
	{op: "POST /api/v1/chat/completions", name: "named prompt", req: static(req{method: "POST", path: "/api/v1/chat/completions",
		body: []byte(`{"model":"text","prompt":"reply-to-customer","variables":{"customer":"Анна","tone":"warm"},"messages":[{"role":"user","content":"Where is my order?"}]}`)}), status: 200},
	{op: "POST /api/v1/chat/completions", name: "stream", req: static(req{method: "POST", path: "/api/v1/chat/completions",
		body: []byte(`{"model":"text","stream":true,"messages":[{"role":"user","content":"Say hello"}]}`)}), status: 200},
	{op: "POST /api/v1/chat/completions", name: "a pinned version", req: static(req{method: "POST", path: "/api/v1/chat/completions",
		body: []byte(`{"model":"text","prompt":"reply-to-customer@2","variables":{"customer":"Анна","tone":"warm"},"messages":[{"role":"user","content":"Where is my order?"}]}`)}), status: 200},
	{op: "POST /api/v1/chat/completions", name: "an unknown version", req: static(req{method: "POST", path: "/api/v1/chat/completions",
		body: []byte(`{"model":"text","prompt":"reply-to-customer@99","messages":[{"role":"user","content":"hi"}]}`)}), status: 404},
	{op: "POST /api/v1/chat/completions", name: "a missing variable", req: static(req{method: "POST", path: "/api/v1/chat/completions",
		body: []byte(`{"model":"text","prompt":"reply-to-customer","variables":{"customer":"Анна"},"messages":[{"role":"user","content":"hi"}]}`)}), status: 422},
	{op: "POST /api/v1/chat/completions", name: "an unknown prompt", req: static(req{method: "POST", path: "/api/v1/chat/completions",
		body: []byte(`{"model":"text","prompt":"no-such-prompt","messages":[{"role":"user","content":"hi"}]}`)}), status: 404},
	{op: "POST /api/v1/chat/completions", name: "no credits upstream", req: static(req{method: "POST", path: "/api/v1/chat/completions",
		body: []byte(`{"model":"text","messages":[{"role":"user","content":"hi"}]}`)}), status: 402,
		before: func(t *testing.T, fake *of.Server) { fake.SetFault(of.RouteChat, of.Fault{Status: 402}) }},
	{op: "POST /api/v1/audio/transcriptions", name: "JSON", req: static(req{method: "POST", path: "/api/v1/audio/transcriptions", body: transcriptionJSON("")}), status: 200},
	{op: "POST /api/v1/audio/transcriptions", name: "text", req: static(req{method: "POST", path: "/api/v1/audio/transcriptions", body: transcriptionJSON("text")}), status: 200},
	{op: "POST /api/v1/audio/transcriptions", name: "multipart", req: static(multipartTranscription()), status: 200},
	{op: "POST /api/v1/audio/transcriptions", name: "no audio", req: static(req{method: "POST", path: "/api/v1/audio/transcriptions", body: []byte(`{"model":"whisper-1"}`)}), status: 422},

	// The usage ledger (issue 14): its rows of the requests above may not be written yet; the shapes are the same.
	{op: "GET /api/v1/usage", name: "grouped", req: static(req{method: "GET", path: "/api/v1/usage?group_by=day,type,model"}), status: 200},
	{op: "GET /api/v1/usage", name: "bad group_by", req: static(req{method: "GET", path: "/api/v1/usage?group_by=week"}), status: 422},
	{op: "GET /api/v1/usage/requests", name: "a page", req: static(req{method: "GET", path: "/api/v1/usage/requests?limit=5"}), status: 200},
	{op: "GET /api/v1/usage/requests", name: "bad cursor", req: static(req{method: "GET", path: "/api/v1/usage/requests?cursor=nonsense"}), status: 422},
	{op: "GET /api/v1/usage/export.csv", name: "csv", req: static(req{method: "GET", path: "/api/v1/usage/export.csv"}), status: 200},
	{op: "GET /api/v1/usage/export.csv", name: "bad from", req: static(req{method: "GET", path: "/api/v1/usage/export.csv?from=yesterday"}), status: 422},
	{op: "GET /api/v1/usage/balance", name: "snapshots", req: static(req{method: "GET", path: "/api/v1/usage/balance"}), status: 200},
	{op: "GET /api/v1/usage/balance", name: "bad to", req: static(req{method: "GET", path: "/api/v1/usage/balance?to=soon"}), status: 422},
	{op: "GET /api/v1/usage", name: "bad from", req: static(req{method: "GET", path: "/api/v1/usage?from=yesterday"}), status: 422},
	{op: "GET /api/v1/usage/export.csv", name: "from after to", req: static(req{method: "GET", path: "/api/v1/usage/export.csv?from=2026-02-01&to=2026-01-01"}), status: 422},

	// Deletions last.
	{op: "DELETE /api/v1/settings/prompts/{id}", name: "delete", req: func(st *exState) req { return req{method: "DELETE", path: promptPath("")(st)} }, status: 204},
	{op: "DELETE /api/v1/settings/prompts/{id}", name: "already deleted", req: func(st *exState) req { return req{method: "DELETE", path: promptPath("")(st)} }, status: 404},
	{op: "DELETE /api/v1/settings/api-keys/{provider}", name: "delete", req: static(req{method: "DELETE", path: "/api/v1/settings/api-keys/openrouter"}), status: 204},
	{op: "DELETE /api/v1/settings/api-keys/{provider}", name: "unknown provider", req: static(req{method: "DELETE", path: "/api/v1/settings/api-keys/nobody"}), status: 422},
	{op: "GET /api/v1/settings/openrouter/balance", name: "no key", req: static(req{method: "GET", path: "/api/v1/settings/openrouter/balance"}), status: 400},
}

// opsWithoutErrors are the documented operations that have no error
// response to exercise here, and why.
var opsWithoutErrors = map[string]string{
	"GET /healthz":              "public and takes no input: it answers 200 while the process serves",
	"GET /api/v1/openapi.json":  "public and takes no input",
	"HEAD /api/v1/openapi.json": "public and takes no input",
	"HEAD /healthz":             "public and takes no input: it answers 200 while the process serves",
	"HEAD /readyz":              "its 503 needs the database down: adapters/echoapi TestProbesAnswerHead checks it",
	"GET /readyz":               "its 503 needs the database down: adapters/echoapi TestReadyzMatchesOpenAPI validates it against the document",
}

func transcriptionJSON(format string) []byte {
	in := map[string]any{"model": "whisper-1", "input_audio": map[string]string{"data": base64.StdEncoding.EncodeToString(wavBytes), "format": "wav"}}
	if format != "" {
		in["response_format"] = format
	}
	return mustJSON(in)
}

func multipartTranscription() req {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	_ = w.WriteField("model", "whisper-1")
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="file"; filename="hello.wav"`)
	h.Set("Content-Type", "audio/wav")
	part, _ := w.CreatePart(h)
	_, _ = part.Write(wavBytes)
	_ = w.Close()
	return req{method: "POST", path: "/api/v1/audio/transcriptions", body: b.Bytes(), ctype: w.FormDataContentType()}
}

// sseDecoder lets kin-openapi validate text/event-stream bodies: every
// data line must be a JSON object or the closing [DONE], and the body is
// handed to the schema (a string) as text.
func sseDecoder(body io.Reader, _ http.Header, _ *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
	b, err := io.ReadAll(body)
	if err != nil {
		return nil, err
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 64<<10), 8<<20)
	events, done := 0, false
	for sc.Scan() {
		d, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		if d == "[DONE]" {
			done = true
			continue
		}
		var v map[string]any
		if err := json.Unmarshal([]byte(d), &v); err != nil {
			return nil, fmt.Errorf("event %d is not a JSON object: %v: %.200s", events, err, d)
		}
		events++
	}
	if events == 0 || !done {
		return nil, fmt.Errorf("%d JSON events, [DONE] %v: want events ended by data: [DONE]", events, done)
	}
	return string(b), nil
}

// servedDoc loads the server's own document with kin-openapi and checks
// it is a valid OpenAPI 3 document.
func servedDoc(t *testing.T, s *server) (*openapi3.T, routers.Router) {
	t.Helper()
	r := s.do(t, req{method: "GET", path: "/api/v1/openapi.json", auth: noAuth})
	if r.status != 200 {
		t.Fatalf("GET /api/v1/openapi.json: %d", r.status)
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(r.body)
	if err != nil {
		t.Fatalf("kin-openapi cannot load the served document: %v", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		t.Fatalf("the served document is not valid OpenAPI: %v", err)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatalf("kin-openapi router: %v", err)
	}
	return doc, router
}

// documentedOps lists "METHOD /path" of every operation of doc.
func documentedOps(doc *openapi3.T) []string {
	var ops []string
	for p, item := range doc.Paths.Map() {
		for m := range item.Operations() {
			ops = append(ops, strings.ToUpper(m)+" "+p)
		}
	}
	sort.Strings(ops)
	return ops
}

// validate checks one exchange against the document: the request reaches
// the operation op, its status is documented, and the response (content
// type and body) matches the schema of that status. A 2xx exchange also
// has its request validated: a request the server accepts must be one the
// document allows.
func validate(t *testing.T, router routers.Router, s *server, op string, q req, r res) {
	t.Helper()
	hr := s.request(t, q)
	route, params, err := router.FindRoute(hr)
	if err != nil {
		t.Errorf("%s %s: the document has no operation for it: %v", q.method, q.path, err)
		return
	}
	if got := route.Method + " " + route.Path; got != op {
		t.Errorf("%s %s: the document routes it to %s, the exercise says %s", q.method, q.path, got, op)
		return
	}
	opts := &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true, AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}
	in := &openapi3filter.RequestValidationInput{Request: hr, PathParams: params, Route: route, Options: opts}
	ctx := context.Background()
	if r.status >= 200 && r.status < 300 {
		if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
			t.Errorf("%s %s answered %d but the document refuses the request: %v", q.method, q.path, r.status, err)
		}
	}
	if route.Operation.Responses.Status(r.status) == nil && (r.status < 400 || route.Operation.Responses.Default() == nil) {
		t.Errorf("%s %s: status %d is not documented for %s", q.method, q.path, r.status, op)
	}
	if q.method == http.MethodHead {
		// kin-openapi does not validate HEAD responses: no body, at least.
		if len(r.body) != 0 {
			t.Errorf("HEAD %s answered a body of %d bytes", q.path, len(r.body))
		}
		return
	}
	err = openapi3filter.ValidateResponse(ctx, &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: r.status, Header: r.header, Body: io.NopCloser(bytes.NewReader(r.body)), Options: opts,
	})
	if err != nil {
		t.Errorf("%s %s: the %d response (%s) does not match the document: %v\nbody: %s",
			q.method, q.path, r.status, r.header.Get("Content-Type"), err, tail(string(r.body), 600))
	}
}

// TestResponsesMatchOpenAPI sends every route of the route table (each
// operation of the served OpenAPI document) a successful request and at
// least one that fails, against the binary with the fake OpenRouter, and
// validates each real response, status, content type and body, against
// the served document with kin-openapi; then every authenticated operation
// once more with a wrong token (401). It fails for a documented operation
// that no exercise reached, so a route added later must be added to
// openapiExercises.
func TestResponsesMatchOpenAPI(t *testing.T) {
	t.Parallel()
	openapi3filter.RegisterBodyDecoder("text/event-stream", sseDecoder)
	fake := newFake(t)
	s := start(t, opts{upstream: fake.URL(), env: []string{"AIMODELS_AUTH_FAILURE_BURST=1000"}})
	defer s.stop(t)
	doc, router := servedDoc(t, s)

	ok, failed := map[string]int{}, map[string]int{}
	st := &exState{}
	for _, ex := range openapiExercises {
		if ex.before != nil {
			ex.before(t, fake)
		}
		q := ex.req(st)
		r := s.do(t, q)
		fake.ClearFaults()
		if r.status != ex.status {
			t.Errorf("%s (%s): %s %s answered %d, want %d: %s", ex.op, ex.name, q.method, q.path, r.status, ex.status, tail(string(r.body), 400))
			continue
		}
		validate(t, router, s, ex.op, q, r)
		if r.status < 300 {
			ok[ex.op]++
		} else {
			failed[ex.op]++
		}
		if ex.after != nil {
			ex.after(t, st, r)
		}
	}

	// Every authenticated operation refuses a wrong token with a 401
	// the document describes.
	for _, op := range documentedOps(doc) {
		method, p, _ := strings.Cut(op, " ")
		o := doc.Paths.Find(p).GetOperation(method)
		if o.Security != nil && len(*o.Security) == 0 {
			continue
		}
		path := p
		for _, prm := range o.Parameters {
			if prm.Value.In == "path" {
				path = strings.ReplaceAll(path, "{"+prm.Value.Name+"}", "x")
			}
		}
		q := req{method: method, path: path, auth: bearer("wrong")}
		r := s.do(t, q)
		if r.status != 401 {
			t.Errorf("%s with a wrong token: %d, want 401", op, r.status)
			continue
		}
		validate(t, router, s, op, q, r)
	}

	for _, op := range documentedOps(doc) {
		if ok[op] == 0 {
			t.Errorf("%s is in the OpenAPI document but no exercise got a 2xx from it: add to openapiExercises "+
				"(test/e2e/openapi_validate_test.go) {op: %q, name: \"…\", req: static(req{method: …, path: …, body: …}), status: 2xx} "+
				"at the place in the table where what it needs exists (a key, a selection, a prompt: see the comment of openapiExercises)", op, op)
		}
		if failed[op] == 0 {
			if why, skip := opsWithoutErrors[op]; skip {
				t.Logf("%s: no error exercised: %s", op, why)
				continue
			}
			t.Errorf("%s is in the OpenAPI document but no exercise got an error from it: add to openapiExercises "+
				"(test/e2e/openapi_validate_test.go) a request it refuses (bad input 422, unknown id 404, a fault of the fake with before:), "+
				"such as {op: %q, name: \"…\", req: static(req{…}), status: 4xx}", op, op)
		}
	}
	for op := range ok {
		if doc.Paths.Find(strings.SplitN(op, " ", 2)[1]) == nil {
			t.Errorf("openapiExercises names %s, which the document does not have", op)
		}
	}
	t.Logf("validated %d exercises of %d operations against the served document", len(openapiExercises), len(documentedOps(doc)))
}
