package openrouter_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aimodels/aimodels/adapters/openrouter"
	"github.com/aimodels/aimodels/core/domain"
)

// pagingCatalog serves an endless catalog: every page has perPage models
// (each with a description of descBytes) and a links.next to the next page.
func pagingCatalog(t *testing.T, perPage, descBytes int) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var pages atomic.Int32
	desc := strings.Repeat("x", descBytes)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("page"))
		pages.Add(1)
		var b strings.Builder
		b.WriteString(`{"data":[`)
		for i := range perPage {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"id":"p%d/m%d","name":"M","description":%q,"architecture":{"input_modalities":["text"],"output_modalities":["text"]},"pricing":{"prompt":"0","completion":"0"}}`, n, i, desc)
		}
		fmt.Fprintf(&b, `],"links":{"next":"/api/v1/models?output_modalities=all&page=%d"}}`, n+1)
		_, _ = w.Write([]byte(b.String()))
	}))
	t.Cleanup(srv.Close)
	return srv, &pages
}

// A hostile catalog is refused with a typed error once it passes the
// bounds on models or bytes, long before it could pin much memory.
func TestHostileCatalogIsCapped(t *testing.T) {
	for _, c := range []struct {
		name               string
		perPage, descBytes int
		want               string
	}{
		{"many models", 6588, 10, "models"},
		{"many bytes", 200, 40_000, "bytes"},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv, pages := pagingCatalog(t, c.perPage, c.descBytes)
			cl, err := openrouter.New(openrouter.WithBaseURL(srv.URL + "/api/v1"))
			if err != nil {
				t.Fatal(err)
			}
			defer cl.Close()
			_, err = cl.ListModels(context.Background(), "")
			ue := upstream(t, err, domain.ErrBadUpstreamResponse)
			if !strings.Contains(ue.Message, c.want) {
				t.Fatalf("error %q does not name the %s bound", ue.Message, c.want)
			}
			if p := pages.Load(); p >= 50 {
				t.Fatalf("%d pages fetched: the page bound, not the catalog bound, stopped it", p)
			}
		})
	}
}
