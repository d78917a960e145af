package e2e

import (
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"regexp"
	"strings"
	"testing"

	"github.com/aimodels/aimodels/frontend"
)

// TestStaticFilesPrecompressed: the binary serves the settings UI's files
// in the precompressed form the browser accepts (brotli, else gzip), with
// Content-Encoding, Vary, the file's Content-Type and an ETag that
// answers 304; the bytes on the wire are logged.
func TestStaticFilesPrecompressed(t *testing.T) {
	fake := newFake(t)
	s := start(t, opts{upstream: fake.URL()})
	page := s.do(t, req{method: "GET", path: "/settings/models", header: map[string]string{"Accept-Encoding": "identity"}})
	if page.status != 200 || !bytes.Contains(page.body, []byte(`<div id="root">`)) {
		t.Fatalf("index: %d %.200s", page.status, page.body)
	}
	assets := regexp.MustCompile(`/assets/[^"]+\.(?:js|css)`).FindAllString(string(page.body), -1)
	if len(assets) < 2 {
		t.Fatalf("index names %v", assets)
	}
	dist := frontend.DistFS()
	var plainTotal, gzTotal, brTotal int
	for _, a := range assets {
		want, err := fs.ReadFile(dist, strings.TrimPrefix(a, "/"))
		if err != nil {
			t.Fatal(err)
		}
		plain := s.do(t, req{method: "GET", path: a, header: map[string]string{"Accept-Encoding": "identity"}})
		br := s.do(t, req{method: "GET", path: a, header: map[string]string{"Accept-Encoding": "gzip, deflate, br, zstd"}})
		gz := s.do(t, req{method: "GET", path: a, header: map[string]string{"Accept-Encoding": "gzip, deflate"}})
		if plain.status != 200 || !bytes.Equal(plain.body, want) || plain.header.Get("Content-Encoding") != "" {
			t.Fatalf("%s identity: %d %v", a, plain.status, plain.header)
		}
		if br.header.Get("Content-Encoding") != "br" || len(br.body) >= len(plain.body) || br.header.Get("Vary") != "Accept-Encoding" {
			t.Errorf("%s br: %v, %d bytes", a, br.header, len(br.body))
		}
		if gz.header.Get("Content-Encoding") != "gzip" || len(gz.body) >= len(plain.body) {
			t.Errorf("%s gzip: %v", a, gz.header)
		} else if zr, err := gzip.NewReader(bytes.NewReader(gz.body)); err != nil {
			t.Errorf("%s gzip: %v", a, err)
		} else if b, _ := io.ReadAll(zr); !bytes.Equal(b, want) {
			t.Errorf("%s gzip body is not the file", a)
		}
		wantType := "text/javascript"
		if strings.HasSuffix(a, ".css") {
			wantType = "text/css"
		}
		for _, r := range []res{plain, br, gz} {
			if !strings.HasPrefix(r.header.Get("Content-Type"), wantType) {
				t.Errorf("%s Content-Type %q", a, r.header.Get("Content-Type"))
			}
		}
		if nm := s.do(t, req{method: "GET", path: a, header: map[string]string{"Accept-Encoding": "br", "If-None-Match": br.header.Get("ETag")}}); nm.status != 304 {
			t.Errorf("%s If-None-Match: %d", a, nm.status)
		}
		plainTotal, gzTotal, brTotal = plainTotal+len(plain.body), gzTotal+len(gz.body), brTotal+len(br.body)
		t.Logf("%s: identity %d B, gzip %d B, br %d B", a, len(plain.body), len(gz.body), len(br.body))
	}
	t.Logf("first page's scripts and styles on the wire: identity %d B, gzip %d B, br %d B", plainTotal, gzTotal, brTotal)
}
