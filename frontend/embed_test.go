package frontend

import (
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"strings"
	"testing"
)

func TestDistFSServesIndexAndAssets(t *testing.T) {
	fsys := DistFS()
	index, err := fs.ReadFile(fsys, "index.html")
	if err != nil {
		t.Fatalf("index.html: %v", err)
	}
	if !strings.Contains(string(index), `<div id="root">`) {
		t.Fatalf("index.html has no root element")
	}
	assets, err := fs.ReadDir(fsys, "assets")
	if err != nil {
		t.Fatalf("assets: %v", err)
	}
	// Every asset is referenced by index.html or, for a lazily loaded
	// chunk, by another asset.
	refs := string(index)
	for _, e := range assets {
		if b, err := fs.ReadFile(fsys, "assets/"+e.Name()); err == nil && strings.HasSuffix(e.Name(), ".js") {
			refs += string(b)
		}
	}
	var js, css bool
	for _, e := range assets {
		if strings.HasSuffix(e.Name(), ".gz") || strings.HasSuffix(e.Name(), ".br") {
			continue // precompressed forms, checked below
		}
		js = js || strings.HasSuffix(e.Name(), ".js")
		css = css || strings.HasSuffix(e.Name(), ".css")
		if !strings.Contains(string(index), "/assets/"+e.Name()) && !strings.Contains(refs, e.Name()) {
			t.Errorf("asset %s is not referenced by index.html nor by another asset (stale build?)", e.Name())
		}
	}
	if !js || !css {
		t.Fatalf("assets lack js (%v) or css (%v)", js, css)
	}
}

// TestDistIsPrecompressed: every script, stylesheet and index.html of the
// build has its gzip and brotli forms beside it, smaller than the file,
// the gzip one decoding to the file (so the committed dist is not stale).
func TestDistIsPrecompressed(t *testing.T) {
	fsys := DistFS()
	var names []string
	_ = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (strings.HasSuffix(p, ".js") || strings.HasSuffix(p, ".css") || strings.HasSuffix(p, ".html")) {
			names = append(names, p)
		}
		return nil
	})
	if len(names) < 3 {
		t.Fatalf("only %v in dist", names)
	}
	for _, p := range names {
		body, _ := fs.ReadFile(fsys, p)
		gz, err := fs.ReadFile(fsys, p+".gz")
		if err != nil {
			t.Errorf("%s has no .gz (run npm run build)", p)
			continue
		}
		br, err := fs.ReadFile(fsys, p+".br")
		if err != nil {
			t.Errorf("%s has no .br (run npm run build)", p)
			continue
		}
		if len(gz) >= len(body) || len(br) >= len(body) {
			t.Errorf("%s: %d bytes, gzip %d, brotli %d", p, len(body), len(gz), len(br))
		}
		zr, err := gzip.NewReader(bytes.NewReader(gz))
		if err != nil {
			t.Errorf("%s.gz: %v", p, err)
			continue
		}
		plain, err := io.ReadAll(zr)
		if err != nil || !bytes.Equal(plain, body) {
			t.Errorf("%s.gz is not %s (stale build?)", p, p)
		}
		if strings.HasSuffix(p, "index.html") {
			continue
		}
		t.Logf("%s: %d bytes, gzip %d, brotli %d", p, len(body), len(gz), len(br))
	}
}
