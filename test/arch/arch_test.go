package arch

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
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

// TestDomainImportsOnlyTheStandardLibrary: core/domain depends on the
// standard library only, and the use cases (core/...) on it, ports and
// the standard library only, as DESIGN.md asks.
func TestDomainImportsOnlyTheStandardLibrary(t *testing.T) {
	for _, c := range []struct {
		pattern string
		allowed []string
	}{
		{"../../core/domain/...", []string{"github.com/aimodels/aimodels/core/domain"}},
		{"../../core/...", []string{"github.com/aimodels/aimodels/core", "github.com/aimodels/aimodels/ports"}},
	} {
		out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", c.pattern).CombinedOutput()
		if err != nil {
			t.Fatalf("go list: %v\n%s", err, out)
		}
		deps := strings.Fields(string(out))
		if len(deps) == 0 {
			t.Fatalf("%s: go list listed nothing", c.pattern)
		}
	next:
		for _, d := range deps {
			for _, a := range c.allowed {
				if d == a || strings.HasPrefix(d, a+"/") {
					continue next
				}
			}
			t.Errorf("%s depends on %s, which is neither the standard library nor %v", c.pattern, d, c.allowed)
		}
	}
}

// TestDomainHasNoJSONMethods: the wire formats live in the adapters that
// speak them, so no type of core/domain has a MarshalJSON or UnmarshalJSON
// method.
func TestDomainHasNoJSONMethods(t *testing.T) {
	files, err := filepath.Glob("../../core/domain/*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no domain sources found: %v", err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range jsonMethods(t, f, src) {
			t.Errorf("%s: %s: the domain must not carry a wire format", f, m)
		}
	}
}

// TestJSONMethodCheckCatchesOne: the check above finds such a method.
func TestJSONMethodCheckCatchesOne(t *testing.T) {
	src := []byte("package domain\ntype T struct{}\nfunc (T) MarshalJSON() ([]byte, error) { return nil, nil }\nfunc (t *T) UnmarshalJSON([]byte) error { return nil }\nfunc MarshalJSON() {}\n")
	if got := jsonMethods(t, "t.go", src); len(got) != 2 {
		t.Fatalf("found %v, want the two methods", got)
	}
}

// jsonMethods lists the MarshalJSON and UnmarshalJSON methods declared in src.
func jsonMethods(t *testing.T, name string, src []byte) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), name, src, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if ok && fd.Recv != nil && (fd.Name.Name == "MarshalJSON" || fd.Name.Name == "UnmarshalJSON") {
			out = append(out, fd.Name.Name)
		}
	}
	return out
}
