package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/golang/mock/gomock"
	"github.com/labstack/echo/v4"

	"github.com/aimodels/aimodels/adapters/echoapi"
	"github.com/aimodels/aimodels/ports/mocks"
)

// publicAPIRoutes are the /api routes the binary serves without a token
// (cmd/aimodels/serve.go passes them to echoapi.BearerAuth).
var publicAPIRoutes = map[string]bool{"GET /api/v1/openapi.json": true, "HEAD /api/v1/openapi.json": true}

// registeredRoutes mounts echoapi.Register on a fresh Echo under /api/v1
// with a mock service that expects nothing, and returns its routes as
// "METHOD /api/v1/path" (Echo's :param syntax), sorted.
func registeredRoutes(t *testing.T) []string {
	t.Helper()
	e := echo.New()
	echoapi.Register(e.Group("/api/v1"), echoapi.All(mocks.NewMockService(gomock.NewController(t))), echoapi.Options{Prefix: "/api/v1"})
	var out []string
	for _, r := range e.Routes() {
		if !strings.HasPrefix(r.Path, "/api/v1/") || r.Method == echo.RouteNotFound {
			continue
		}
		out = append(out, r.Method+" "+r.Path)
	}
	sort.Strings(out)
	if len(out) < 10 {
		t.Fatalf("only %d routes registered: %v", len(out), out)
	}
	return out
}

var echoParam = regexp.MustCompile(`:([a-zA-Z_]+)`)

// openAPIRoutes returns the running server's OpenAPI operations as
// "METHOD /path" with Echo's :param syntax.
func openAPIRoutes(t *testing.T, s *server) []string {
	t.Helper()
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	r := s.do(t, req{method: "GET", path: "/api/v1/openapi.json"})
	if r.status != 200 {
		t.Fatalf("openapi.json: %d", r.status)
	}
	r.json(t, &doc)
	brace := regexp.MustCompile(`\{([a-zA-Z_]+)\}`)
	var out []string
	for p, ops := range doc.Paths {
		for m := range ops {
			switch m {
			case "get", "put", "post", "delete", "patch", "head", "options":
				out = append(out, strings.ToUpper(m)+" "+brace.ReplaceAllString(p, ":$1"))
			}
		}
	}
	sort.Strings(out)
	return out
}

// concrete fills a route's parameters.
func concrete(path string, promptID int64) string {
	return echoParam.ReplaceAllStringFunc(path, func(p string) string {
		switch p {
		case ":provider":
			return "openrouter"
		case ":id":
			return fmt.Sprint(promptID)
		}
		return "x"
	})
}

// TestAuth sends every registered /api route with five kinds of bad
// credentials (401 in the JSON error shape each), then with the token (not
// 401), and checks the OpenAPI document and the router list the same
// operations. Its hundred-odd wrong tokens come from one address, so the
// limit of failed authentications (TestTokenGuessing) is raised.
func TestAuth(t *testing.T) {
	t.Parallel()
	fake := newFake(t)
	s := start(t, opts{upstream: fake.URL(), env: []string{"AIMODELS_AUTH_FAILURE_BURST=1000"}})
	defer s.stop(t)
	routes := registeredRoutes(t)

	// The OpenAPI document and the router agree.
	doc := openAPIRoutes(t, s)
	inDoc := map[string]bool{}
	for _, r := range doc {
		inDoc[r] = true
	}
	registered := map[string]bool{}
	for _, r := range routes {
		registered[r] = true
		if !inDoc[r] {
			t.Errorf("route %s is registered but not in openapi.json", r)
		}
	}
	for _, r := range doc {
		if strings.HasSuffix(r, " /healthz") || strings.HasSuffix(r, " /readyz") {
			continue
		}
		if !registered[r] {
			t.Errorf("openapi.json documents %s, which is not a registered route", r)
		}
	}

	// A prompt, so :id routes name something that exists.
	pr := s.do(t, req{method: "POST", path: "/api/v1/settings/prompts", body: []byte(`{"name":"auth probe","type":"text","text":"hello"}`)})
	var prompt struct {
		ID int64 `json:"id"`
	}
	pr.json(t, &prompt)
	if pr.status != 201 || prompt.ID <= 0 {
		t.Fatalf("create prompt: %d %s", pr.status, pr.body)
	}

	bad := map[string]string{
		"no Authorization":      "",
		"Bearer wrong":          "Bearer wrong",
		"token one byte longer": "Bearer " + adminToken + "x",
		"token one byte short":  "Bearer " + adminToken[:len(adminToken)-1],
		"Basic <token>":         "Basic " + adminToken,
		"raw token":             adminToken,
		"Bearer (empty)":        "Bearer ",
	}
	// DELETEs last, so the prompt exists for every other route.
	sort.SliceStable(routes, func(i, j int) bool {
		return !strings.HasPrefix(routes[i], "DELETE ") && strings.HasPrefix(routes[j], "DELETE ")
	})
	for _, rt := range routes {
		method, path, _ := strings.Cut(rt, " ")
		path = concrete(path, prompt.ID)
		body := []byte(`{}`)
		if method == "GET" || method == "DELETE" {
			body = nil
		}
		if publicAPIRoutes[rt] {
			r := s.do(t, req{method: method, path: path, auth: new(string)})
			if r.status != 200 {
				t.Errorf("%s is public but answered %d without a token", rt, r.status)
			}
			continue
		}
		for name, h := range bad {
			h := h
			r := s.do(t, req{method: method, path: path, body: body, auth: &h})
			if r.status != http.StatusUnauthorized {
				t.Errorf("%s with %s: %d, want 401", rt, name, r.status)
				continue
			}
			if code := r.errCode(t); code != "unauthorized" {
				t.Errorf("%s with %s: error code %q, want unauthorized", rt, name, code)
			}
			if r.header.Get("WWW-Authenticate") == "" {
				t.Errorf("%s with %s: no WWW-Authenticate header", rt, name)
			}
		}
		r := s.do(t, req{method: method, path: path, body: body})
		if r.status == http.StatusUnauthorized || r.status == http.StatusMethodNotAllowed {
			t.Errorf("%s with the token: %d %s", rt, r.status, tail(string(r.body), 300))
		}
		// A handler may answer 404 for a missing record (deleting a key
		// that is not there), but not Echo's route-level "Not Found".
		if r.status == http.StatusNotFound && strings.Contains(string(r.body), `"message":"Not Found"`) {
			t.Errorf("%s with the token: route not found: %s", rt, r.body)
		}
	}
	if n := len(fake.Requests()); n > 0 {
		t.Logf("%d upstream requests (from authenticated probes only)", n)
	}
	s.stop(t)
	scanLogs(t, adminToken, s)
}
