package openapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/aimodels/aimodels/adapters/echoapi"
	"github.com/aimodels/aimodels/test/testenv"
)

// servedDocument is GET /api/v1/openapi.json of a server mounted the way
// cmd/aimodels mounts it (probes on the root, the API under /api/v1).
func servedDocument(t *testing.T) []byte {
	t.Helper()
	e := echo.New()
	echoapi.RegisterProbes(e, nil)
	echoapi.Register(e.Group("/api/v1"), echoapi.Services{}, echoapi.Options{Prefix: "/api/v1"})
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/openapi.json", nil))
	if rec.Code != 200 {
		t.Fatalf("GET /api/v1/openapi.json: %d %s", rec.Code, rec.Body)
	}
	return rec.Body.Bytes()
}

// tolerated is a Redocly problem the test lets through, and why.
type tolerated struct{ rule, pointer, why string }

// toleratedProblems are the only problems the lint may report, computed
// from the document, never listed by hand:
//
//   - operation-4xx-response on a public operation (security: []): the
//     probes and GET/HEAD /openapi.json take no input, no token, no body
//     and no parameter, so no 4XX response of theirs exists; declaring one
//     would make the document wrong to please the rule.
//   - info-license-strict while the repository has no LICENSE file: there
//     is nothing for info.license.url to point at. Adding a LICENSE makes
//     this test demand the url.
func toleratedProblems(t *testing.T, doc []byte) []tolerated {
	t.Helper()
	var d struct {
		Paths map[string]map[string]struct {
			Security *[]any `json:"security"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		t.Fatal(err)
	}
	var out []tolerated
	for p, ops := range d.Paths {
		for m, op := range ops {
			if op.Security != nil && len(*op.Security) == 0 {
				ptr := "#/paths/" + strings.NewReplacer("~", "~0", "/", "~1").Replace(p) + "/" + m + "/responses"
				out = append(out, tolerated{"operation-4xx-response", ptr, "public " + strings.ToUpper(m) + " " + p + " takes no input: no 4XX exists"})
			}
		}
	}
	if _, err := os.Stat(filepath.Join(repoRoot(t), "LICENSE")); os.IsNotExist(err) {
		out = append(out, tolerated{"info-license-strict", "#/info/license/url", "the repository has no LICENSE file to link"})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].pointer < out[j].pointer })
	return out
}

func repoRoot(t *testing.T) string {
	t.Helper()
	abs, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// ignoreFile writes Redocly's .redocly.lint-ignore.yaml for the
// tolerated problems of openapi.json.
func ignoreFile(ts []tolerated) []byte {
	byRule := map[string][]tolerated{}
	var rules []string
	for _, x := range ts {
		if byRule[x.rule] == nil {
			rules = append(rules, x.rule)
		}
		byRule[x.rule] = append(byRule[x.rule], x)
	}
	sort.Strings(rules)
	var b bytes.Buffer
	b.WriteString("# Written by test/openapi TestRedoclyLint: only the problems it computes as tolerated.\nopenapi.json:\n")
	for _, r := range rules {
		fmt.Fprintf(&b, "  %s:\n", r)
		for _, x := range byRule[r] {
			fmt.Fprintf(&b, "    - '%s' # %s\n", x.pointer, x.why)
		}
	}
	return b.Bytes()
}

// TestRedoclyLint lints the served document with the pinned Redocly
// CLI's recommended rules and fails on any error or warning (Redocly's
// own summary is logged). The only problems let through are the
// tolerated ones above, each listed in the log with its reason.
func TestRedoclyLint(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		testenv.Missing(t, "node is not on PATH: the Redocly lint of the OpenAPI document (test/openapi) needs Node 20.19+")
	}
	testenv.NpmCI(t, ".", "@redocly/cli")
	cli, err := filepath.Abs(filepath.Join("node_modules", "@redocly", "cli", "bin", "cli.js"))
	if err != nil {
		t.Fatal(err)
	}
	doc := servedDocument(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "openapi.json"), doc, 0o644); err != nil {
		t.Fatal(err)
	}
	tol := toleratedProblems(t, doc)
	ignore := ignoreFile(tol)
	if err := os.WriteFile(filepath.Join(dir, ".redocly.lint-ignore.yaml"), ignore, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("tolerated (explicitly ignored) problems:\n%s", ignore)

	run := func(format string) ([]byte, []byte, error) {
		cmd := exec.CommandContext(t.Context(), node, cli, "lint", "openapi.json", "--format="+format)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "REDOCLY_TELEMETRY=off", "REDOCLY_SUPPRESS_UPDATE_NOTICE=true", "NO_COLOR=1")
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		return stdout.Bytes(), stderr.Bytes(), err
	}
	stylish := func() string {
		out, errOut, _ := run("stylish")
		return string(out) + string(errOut)
	}
	stdout, stderr, runErr := run("json")
	var report struct {
		Totals struct {
			Errors   int `json:"errors"`
			Warnings int `json:"warnings"`
			Ignored  int `json:"ignored"`
		} `json:"totals"`
		Problems []struct {
			RuleID   string `json:"ruleId"`
			Severity string `json:"severity"`
			Message  string `json:"message"`
			Location []struct {
				Pointer string `json:"pointer"`
			} `json:"location"`
		} `json:"problems"`
	}
	if err := json.Unmarshal(stdout, &report); err != nil {
		t.Fatalf("redocly lint --format=json (%v) printed no report: %v\nstdout:\n%s\nstderr:\n%s", runErr, err, stdout, stderr)
	}
	for _, p := range report.Problems {
		ptr := ""
		if len(p.Location) > 0 {
			ptr = p.Location[0].Pointer
		}
		t.Errorf("redocly %s %s at %s: %s", p.Severity, p.RuleID, ptr, p.Message)
	}
	if report.Totals.Errors != 0 || report.Totals.Warnings != 0 {
		t.Errorf("redocly lint: %d errors, %d warnings; want 0 and 0 (fix adapters/echoapi/openapi.go)", report.Totals.Errors, report.Totals.Warnings)
	}
	if report.Totals.Ignored != len(tol) {
		t.Errorf("redocly ignored %d problems, the test tolerates %d: a tolerated problem is gone, good, but then %s must stop listing it",
			report.Totals.Ignored, len(tol), "toleratedProblems")
	}
	if t.Failed() {
		t.Logf("redocly lint:\n%s", stylish())
		return
	}
	t.Logf("redocly lint (recommended rules): %d errors, %d warnings, %d tolerated\n%s", report.Totals.Errors, report.Totals.Warnings, report.Totals.Ignored, stylish())
}
