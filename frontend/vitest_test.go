package frontend

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/aimodels/aimodels/test/testenv"
)

// TestComponentTests runs the UI's Vitest component tests (npm test) so
// the README's one test command covers them. It installs the packages
// from the committed lockfile first when they are missing.
func TestComponentTests(t *testing.T) {
	if testing.Short() {
		t.Skip("component tests are not short")
	}
	if _, err := exec.LookPath("node"); err != nil {
		testenv.Missing(t, "the UI component tests need node and npm")
	}
	npmCI(t, ".", "vitest")
	cmd := exec.CommandContext(t.Context(), "npm", "test")
	cmd.Env = append(os.Environ(), "NO_COLOR=1") // a log, not a terminal
	out, err := cmd.CombinedOutput()
	t.Logf("vitest output:\n%s", out)
	if err != nil {
		t.Fatalf("vitest failed: %v", err)
	}
}

// npmCI runs npm ci in dir, installing its packages from the committed
// package-lock.json, when node_modules lacks pkg (the package the suite
// runs), and logs that it does. The same rule holds in test/browser and
// test/npmclient.
func npmCI(t *testing.T, dir, pkg string) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(dir, "node_modules", pkg, "package.json")); err == nil {
		return
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		testenv.Missing(t, "npm is not on PATH: cannot install the packages of "+dir)
	}
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	t.Logf("%s: node_modules/%s is missing: running npm ci (from package-lock.json)", dir, pkg)
	ci := exec.CommandContext(t.Context(), npm, "ci", "--no-audit", "--no-fund", "--loglevel=error")
	ci.Dir = dir
	if out, err := ci.CombinedOutput(); err != nil {
		t.Fatalf("npm ci in %s: %v\n%s", dir, err, out)
	}
}
