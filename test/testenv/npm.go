package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// npmDirs holds a lock per npm folder: parallel tests of one package that
// share a folder (test/e2e's two npm clients) must not run npm ci in it at
// once, which fails with ENOTEMPTY as each removes what the other writes.
var npmDirs sync.Map // absolute folder → *sync.Mutex

// NpmCI installs the packages of the npm folder dir from its committed
// package-lock.json (npm ci) when node_modules lacks pkg, the package the
// calling suite runs, and logs that it does. Every npm folder of the
// project (frontend, test/browser, test/npmclient, test/openapi) follows this one rule,
// so `go test ./...` runs their suites on a machine with Node. Without npm
// it is Missing.
func NpmCI(t *testing.T, dir, pkg string) {
	t.Helper()
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	mu, _ := npmDirs.LoadOrStore(dir, new(sync.Mutex))
	mu.(*sync.Mutex).Lock()
	defer mu.(*sync.Mutex).Unlock()
	if _, err := os.Stat(filepath.Join(dir, "node_modules", pkg, "package.json")); err == nil {
		return
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		Missing(t, "npm is not on PATH: cannot install the packages of "+dir)
	}
	t.Logf("%s: node_modules/%s is missing: running npm ci (from package-lock.json)", dir, pkg)
	ci := exec.CommandContext(t.Context(), npm, "ci", "--no-audit", "--no-fund", "--loglevel=error")
	ci.Dir = dir
	if out, err := ci.CombinedOutput(); err != nil {
		t.Fatalf("npm ci in %s: %v\n%s", dir, err, out)
	}
}
