package browser

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/aimodels/aimodels/test/testenv"
)

// TestBrowserSuite builds the server and the fake OpenRouter and runs the
// Playwright suite (npm test) in Chromium against them. It installs the
// suite's packages from the committed lockfile first when they are
// missing.
func TestBrowserSuite(t *testing.T) {
	if testing.Short() {
		t.Skip("the browser suite is not short")
	}
	chromium := os.Getenv("CHROMIUM_PATH")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := exec.LookPath("node"); err != nil {
		testenv.Missing(t, "the browser suite needs node and npm")
	}
	if _, err := os.Stat(chromium); err != nil {
		testenv.Missing(t, "the browser suite needs Debian's chromium at "+chromium+" (or set CHROMIUM_PATH)")
	}
	testenv.NpmCI(t, ".", "playwright-core")
	bin := t.TempDir()
	for name, pkg := range map[string]string{"aimodels": "../../cmd/aimodels", "fakeopenrouter": "../openroutertest/cmd/fakeopenrouter"} {
		out, err := exec.Command("go", "build", "-o", filepath.Join(bin, name), pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("build %s: %v\n%s", pkg, err, out)
		}
	}
	cmd := exec.CommandContext(t.Context(), "npm", "test")
	cmd.Env = append(os.Environ(),
		"AIMODELS_BIN="+filepath.Join(bin, "aimodels"),
		"FAKE_OPENROUTER_BIN="+filepath.Join(bin, "fakeopenrouter"),
		"CHROMIUM_PATH="+chromium,
	)
	out, err := cmd.CombinedOutput()
	t.Logf("browser suite output:\n%s", out)
	if err != nil {
		t.Fatalf("browser suite failed: %v", err)
	}
}
