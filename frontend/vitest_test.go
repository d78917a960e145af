package frontend

import (
	"os"
	"os/exec"
	"testing"

	"github.com/aimodels/aimodels/test/testenv"
)

// TestComponentTests runs the UI's Vitest component tests (npm test) so
// the README's one test command covers them.
func TestComponentTests(t *testing.T) {
	if testing.Short() {
		t.Skip("component tests are not short")
	}
	if _, err := exec.LookPath("npm"); err != nil {
		testenv.Missing(t, "the UI component tests need node and npm")
	}
	if _, err := os.Stat("node_modules/vitest"); err != nil {
		testenv.Missing(t, "run npm ci in frontend first")
	}
	out, err := exec.CommandContext(t.Context(), "npm", "test").CombinedOutput()
	t.Logf("vitest output:\n%s", out)
	if err != nil {
		t.Fatalf("vitest failed: %v", err)
	}
}
