package testenv_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aimodels/aimodels/test/testenv"
)

// TestNpmCIRunsOncePerFolder: parallel callers sharing an npm folder run
// npm ci in it once (a fake npm on PATH counts its runs and installs the
// package); the others find the package installed.
func TestNpmCIRunsOncePerFolder(t *testing.T) {
	bin, dir := t.TempDir(), t.TempDir()
	runs := filepath.Join(t.TempDir(), "runs")
	fake := "#!/bin/sh\necho run >> " + runs + "\nmkdir -p node_modules/pkg && echo '{}' > node_modules/pkg/package.json\n"
	if err := os.WriteFile(filepath.Join(bin, "npm"), []byte(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Run("callers", func(t *testing.T) {
		for range 8 {
			t.Run("", func(t *testing.T) {
				t.Parallel()
				testenv.NpmCI(t, dir, "pkg")
			})
		}
	})
	b, err := os.ReadFile(runs)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(b), "run"); n != 1 {
		t.Fatalf("npm ci ran %d times in one folder, want once", n)
	}
}
