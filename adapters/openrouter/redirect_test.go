package openrouter_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aimodels/aimodels/core/domain"
	"github.com/aimodels/aimodels/test/openroutertest"
)

// An upstream that redirects (here to another service on the same host)
// gets no second request: the key and the body are never re-sent, and
// the redirect is a typed error that names where it pointed.
func TestRedirectIsRefusedAndTheKeyNotResent(t *testing.T) {
	var reached, withKey atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached.Add(1)
		if r.Header.Get("Authorization") != "" {
			withKey.Add(1)
		}
		_, _ = w.Write([]byte(`{"data":{"label":"x"}}`))
	}))
	defer other.Close()
	host := strings.TrimPrefix(other.URL, "http://")
	for _, status := range []int{301, 302, 307, 308} {
		s := newFake(t)
		c := newClient(t, s)
		for _, route := range []string{openroutertest.RouteKey, openroutertest.RouteChat} {
			s.SetFault(route, openroutertest.Fault{Status: status, RedirectTo: other.URL + "/steal"})
		}
		_, err := c.KeyInfo(context.Background(), testKey)
		ue := upstream(t, err, domain.ErrBadUpstreamResponse)
		if ue.Status != status || !strings.Contains(ue.Error(), host) {
			t.Errorf("%d: error %q does not say the redirect to %s", status, ue.Error(), host)
		}
		_, err = c.ChatCompletion(context.Background(), testKey, &domain.ChatRequest{Model: "openai/gpt-4o",
			Messages: []domain.Message{{Role: "user", Content: domain.TextContent("hi")}}})
		upstream(t, err, domain.ErrBadUpstreamResponse)
		if got := s.RequestCount(openroutertest.RouteKey); got != 1 {
			t.Errorf("%d: %d requests to /key, want 1 (a redirect is not retried)", status, got)
		}
	}
	if reached.Load() != 0 || withKey.Load() != 0 {
		t.Fatalf("the other service got %d requests, %d with the key", reached.Load(), withKey.Load())
	}
}
