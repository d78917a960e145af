package arch

import (
	"os/exec"
	"strings"
	"testing"
)

// forbidden are packages that core/... and ports must never depend on,
// directly or through anything they import.
var forbidden = []string{
	"github.com/labstack/echo",
	"gorm.io/",
	"github.com/google/tink",
	"github.com/hashicorp/go-retryablehttp",
	"net/http",
	"database/sql",
	"github.com/go-sql-driver",
	"sqlite",
	"github.com/aimodels/aimodels/adapters",
	"github.com/aimodels/aimodels/frontend",
	"github.com/aimodels/aimodels/cmd",
}

func TestCoreAndPortsDependOnNothingOutside(t *testing.T) {
	for _, pkg := range []string{"./core/...", "./ports"} {
		out, err := exec.Command("go", "list", "-deps", "../../"+strings.TrimPrefix(pkg, "./")).CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
		}
		deps := strings.Fields(string(out))
		if len(deps) < 10 {
			t.Fatalf("go list -deps %s listed only %d packages; the check would prove nothing", pkg, len(deps))
		}
		for _, d := range deps {
			for _, f := range forbidden {
				if d == f || strings.HasPrefix(d, f) || (f == "sqlite" && strings.Contains(d, f)) {
					t.Errorf("%s depends on %s (forbidden: %s)", pkg, d, f)
				}
			}
		}
	}
}

func TestCheckCatchesAViolation(t *testing.T) {
	// The same check on a package that does use net/http must flag it, so
	// the test above cannot pass by listing nothing.
	out, err := exec.Command("go", "list", "-deps", "net/http/httptest").CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.Contains(string(out), "\nnet/http\n") {
		t.Fatal("go list -deps did not list net/http for httptest")
	}
}

// TestDomainImportsOnlyTheStandardLibrary: core/domain and its
// subpackages (jsonscan) depend on the standard library and on each other
// only, as DESIGN.md asks of the domain.
func TestDomainImportsOnlyTheStandardLibrary(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", "../../core/domain/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 2 {
		t.Fatalf("listed %q: the domain and jsonscan at least were expected", deps)
	}
	for _, d := range deps {
		if d != "github.com/aimodels/aimodels/core/domain" && !strings.HasPrefix(d, "github.com/aimodels/aimodels/core/domain/") {
			t.Errorf("core/domain depends on %s, which is not the standard library", d)
		}
	}
}
