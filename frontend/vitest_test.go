package frontend

import (
	"os"
	"os/exec"
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
	testenv.NpmCI(t, ".", "vitest")
	cmd := exec.CommandContext(t.Context(), "npm", "test")
	cmd.Env = append(os.Environ(), "NO_COLOR=1") // a log, not a terminal
	out, err := cmd.CombinedOutput()
	t.Logf("vitest output:\n%s", out)
	if err != nil {
		t.Fatalf("vitest failed: %v", err)
	}
}
