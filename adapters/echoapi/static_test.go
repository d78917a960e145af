package echoapi_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/labstack/echo/v4"

	"github.com/aimodels/aimodels/adapters/echoapi"
)

func gz(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	_, _ = w.Write(b)
	_ = w.Close()
	return buf.Bytes()
}

// TestSPAServesPrecompressed: a file with .br and .gz siblings is sent in
// the best form the browser accepts, with Content-Encoding, Vary,
// Content-Type of the file and an ETag per form.
func TestSPAServesPrecompressed(t *testing.T) {
	js := []byte(strings.Repeat("export const answer = 42; // the bundle\n", 200))
	html := []byte("<!doctype html><html><body><div id=\"root\"></div>" + strings.Repeat("<!-- pad -->", 50) + "</body></html>")
	brJS := []byte("pretend-brotli-of-the-bundle") // the server sends the file as built; it never decodes it
	fsys := fstest.MapFS{
		"index.html":               {Data: html},
		"index.html.gz":            {Data: gz(t, html)},
		"assets/app-1.js":          {Data: js},
		"assets/app-1.js.gz":       {Data: gz(t, js)},
		"assets/app-1.js.br":       {Data: brJS},
		"assets/logo.png":          {Data: []byte("\x89PNG\r\n\x1a\nnot really")},
		"assets/big-gz-bad.css":    {Data: []byte("a{}")},
		"assets/big-gz-bad.css.gz": {Data: gz(t, []byte("a{}"))}, // bigger than the file: not used
	}
	e := echo.New()
	e.GET("/*", echoapi.SPA(fsys))
	get := func(path, ae string, hdr ...string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", path, nil)
		if ae != "" {
			req.Header.Set("Accept-Encoding", ae)
		}
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		return rec
	}

	rec := get("/assets/app-1.js", "gzip, deflate, br, zstd")
	if rec.Code != 200 || rec.Header().Get("Content-Encoding") != "br" || !bytes.Equal(rec.Body.Bytes(), brJS) {
		t.Fatalf("br: %d %q %q", rec.Code, rec.Header().Get("Content-Encoding"), rec.Body.Bytes())
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/javascript") {
		t.Errorf("Content-Type %q", ct)
	}
	if rec.Header().Get("Vary") != "Accept-Encoding" || !strings.Contains(rec.Header().Get("Cache-Control"), "immutable") {
		t.Errorf("headers %v", rec.Header())
	}
	brTag := rec.Header().Get("ETag")

	rec = get("/assets/app-1.js", "gzip")
	if rec.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("gzip: %v", rec.Header())
	}
	zr, err := gzip.NewReader(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(zr)
	if !bytes.Equal(plain, js) {
		t.Fatal("gzip body is not the file")
	}
	gzTag := rec.Header().Get("ETag")

	for _, ae := range []string{"", "identity", "br;q=0, gzip;q=0", "deflate"} {
		rec = get("/assets/app-1.js", ae)
		if rec.Header().Get("Content-Encoding") != "" || !bytes.Equal(rec.Body.Bytes(), js) || rec.Header().Get("Vary") != "Accept-Encoding" {
			t.Errorf("Accept-Encoding %q: %v", ae, rec.Header())
		}
	}
	idTag := rec.Header().Get("ETag")
	if brTag == "" || brTag == gzTag || gzTag == idTag || brTag == idTag {
		t.Fatalf("ETags per form: %q %q %q", brTag, gzTag, idTag)
	}
	if rec = get("/assets/app-1.js", "br;q=0, gzip"); rec.Header().Get("Content-Encoding") != "gzip" {
		t.Errorf("br refused: %v", rec.Header())
	}
	if rec = get("/assets/app-1.js", "*"); rec.Header().Get("Content-Encoding") != "br" {
		t.Errorf("*: %v", rec.Header())
	}

	// Conditional requests: the form's own ETag gives 304.
	if rec = get("/assets/app-1.js", "br", "If-None-Match", brTag); rec.Code != 304 || rec.Body.Len() != 0 {
		t.Errorf("If-None-Match br: %d", rec.Code)
	}
	if rec = get("/assets/app-1.js", "gzip", "If-None-Match", brTag); rec.Code != 200 {
		t.Errorf("another form's ETag: %d", rec.Code)
	}

	// index.html for client-side routes, compressed too.
	rec = get("/settings/models", "gzip, br")
	if rec.Code != 200 || rec.Header().Get("Content-Encoding") != "gzip" || rec.Header().Get("Cache-Control") != "no-cache" ||
		!strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
		t.Errorf("index: %d %v", rec.Code, rec.Header())
	}
	// No compressed form: as is, without Vary.
	rec = get("/assets/logo.png", "gzip, br")
	if rec.Header().Get("Content-Encoding") != "" || rec.Header().Get("Vary") != "" || rec.Header().Get("Content-Type") != "image/png" {
		t.Errorf("png: %v", rec.Header())
	}
	// A compressed form bigger than the file is not used.
	if rec = get("/assets/big-gz-bad.css", "gzip"); rec.Header().Get("Content-Encoding") != "" || rec.Body.String() != "a{}" {
		t.Errorf("bigger gzip used: %v", rec.Header())
	}
	// The compressed files are not served under their own names.
	if rec = get("/assets/app-1.js.br", "br"); rec.Code != 404 {
		t.Errorf("/assets/app-1.js.br: %d", rec.Code)
	}
	// HEAD: the headers and length of the form, no body.
	req := httptest.NewRequest("HEAD", "/assets/app-1.js", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	hrec := httptest.NewRecorder()
	e.Add("HEAD", "/*", echoapi.SPA(fsys))
	e.ServeHTTP(hrec, req)
	if hrec.Code != 200 || hrec.Header().Get("Content-Encoding") != "gzip" || hrec.Body.Len() != 0 {
		t.Errorf("HEAD: %d %v", hrec.Code, hrec.Header())
	}
}
