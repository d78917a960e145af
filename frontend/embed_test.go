package frontend

import (
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
	var js, css bool
	for _, e := range assets {
		js = js || strings.HasSuffix(e.Name(), ".js")
		css = css || strings.HasSuffix(e.Name(), ".css")
		if !strings.Contains(string(index), "/assets/"+e.Name()) {
			t.Errorf("asset %s is not referenced by index.html (stale build?)", e.Name())
		}
	}
	if !js || !css {
		t.Fatalf("assets lack js (%v) or css (%v)", js, css)
	}
}
