package echoapi_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/golang/mock/gomock"
	"github.com/labstack/echo/v4"

	"github.com/aimodels/aimodels/core/domain"
)

// TestReadyzMatchesOpenAPI validates the probes' answers, /readyz's 503
// while the database does not answer included (which test/e2e
// TestResponsesMatchOpenAPI cannot cause), against the served document
// with kin-openapi.
func TestReadyzMatchesOpenAPI(t *testing.T) {
	e, svc := newServer(t)
	rec := do(e, call{method: "GET", path: "/api/v1/openapi.json", noAuth: true})
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(rec.Body.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		t.Fatalf("the served document is not valid OpenAPI: %v", err)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	gomock.InOrder(
		svc.ready.EXPECT().Ready(gomock.Any()).Return(nil),
		svc.ready.EXPECT().Ready(gomock.Any()).Return(&domain.StoreError{Kind: domain.ErrStoreUnavailable}),
	)
	for _, c := range []struct {
		path   string
		status int
	}{{"/healthz", 200}, {"/readyz", 200}, {"/readyz", 503}} {
		rec := do(e, call{method: "GET", path: c.path, noAuth: true})
		if rec.Code != c.status {
			t.Fatalf("GET %s: %d, want %d", c.path, rec.Code, c.status)
		}
		hr := httptest.NewRequest("GET", "http://localhost"+c.path, nil)
		route, params, err := router.FindRoute(hr)
		if err != nil {
			t.Fatalf("GET %s is not in the document: %v", c.path, err)
		}
		if route.Operation.Responses.Status(c.status) == nil {
			t.Errorf("GET %s: status %d is not documented", c.path, c.status)
		}
		opts := &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}
		err = openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
			RequestValidationInput: &openapi3filter.RequestValidationInput{Request: hr, PathParams: params, Route: route, Options: opts},
			Status:                 rec.Code, Header: rec.Header(), Body: io.NopCloser(bytes.NewReader(rec.Body.Bytes())), Options: opts,
		})
		if err != nil {
			t.Errorf("GET %s %d does not match the document: %v\n%s", c.path, rec.Code, err, rec.Body)
		}
	}
}

// TestProbesAnswerHead: a HEAD probe (some load balancers send one) gets
// the probe's status, not the settings UI's 200 from a catch-all route.
func TestProbesAnswerHead(t *testing.T) {
	e, svc := newServer(t)
	e.HEAD("/*", func(c echo.Context) error { return c.NoContent(http.StatusOK) }) // as serve's UI route
	svc.ready.EXPECT().Ready(gomock.Any()).Return(&domain.StoreError{Kind: domain.ErrStoreUnavailable})
	for path, want := range map[string]int{"/healthz": 200, "/readyz": 503} {
		if rec := do(e, call{method: "HEAD", path: path, noAuth: true}); rec.Code != want {
			t.Errorf("HEAD %s: %d, want %d", path, rec.Code, want)
		}
	}
}
