package metrics_test

import (
	"errors"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/aimodels/aimodels/adapters/metrics"
	"github.com/aimodels/aimodels/core/domain"
	"github.com/aimodels/aimodels/test/testenv"
)

func TestMetricsLintAndLabels(t *testing.T) {
	m := metrics.New(metrics.Sources{
		Ledger: func() metrics.LedgerCounters {
			return metrics.LedgerCounters{Depth: 3, Capacity: 10, Recorded: 9, Written: 5, Dropped: 1}
		},
		Catalog: func() (time.Time, bool, bool) { return time.Now().Add(-time.Minute), true, true },
	})
	m.SetSelectedModels([]string{"openai/gpt-4o"})
	m.ObserveUsage(&domain.UsageEvent{Type: "text", Endpoint: domain.EndpointChat, Outcome: "ok", Model: "openai/gpt-4o",
		Tokens: domain.UsageTokens{Prompt: 31, Completion: 21}, Cost: domain.MustDecimal("0.000669")})
	m.ObserveUsage(&domain.UsageEvent{Type: "explicit", Endpoint: domain.EndpointChat, Outcome: "rate_limited", RequestedModel: "x/unselected"})
	m.UpstreamDone("POST /chat/completions", 3, errors.Join(domain.ErrRateLimited), time.Second)
	e := echo.New()
	e.Use(m.Middleware())
	e.GET("/api/v1/things/:id", func(c echo.Context) error { return c.String(200, "ok") })
	for _, p := range []string{"/api/v1/things/1", "/api/v1/things/2", "/nowhere"} {
		e.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", p, nil))
	}
	req := httptest.NewRequest("BREW", "/api/v1/things/1", nil)
	e.ServeHTTP(httptest.NewRecorder(), req)

	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body := rec.Body.String()
	for _, want := range []string{
		`aimodels_http_requests_total{method="GET",route="/api/v1/things/:id",status="200"} 2`,
		`method="other"`,
		`aimodels_usage_tokens_total{kind="prompt",model="openai/gpt-4o",type="text"} 31`,
		`aimodels_usage_cost_usd_total{model="openai/gpt-4o",type="text"} 0.000669`,
		`aimodels_usage_requests_total{endpoint="chat",outcome="rate_limited",type="explicit"} 1`,
		`aimodels_upstream_retries_total{endpoint="POST /chat/completions"} 2`,
		`aimodels_upstream_requests_total{endpoint="POST /chat/completions",outcome="rate_limited"} 1`,
		`aimodels_ledger_rows_dropped_total 1`, `aimodels_ledger_buffer_rows 3`, `aimodels_catalog_stale 1`,
		`go_goroutines`, `process_cpu_seconds_total`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(body, "x/unselected") || strings.Contains(body, "BREW") {
		t.Error("an unselected model or an unknown method became a label value")
	}
	problems, err := testutil.GatherAndLint(m.Registry())
	if err != nil || len(problems) > 0 {
		t.Fatalf("lint: %v %v", err, problems)
	}
	PromtoolCheck(t, body)
}

// PromtoolCheck runs `promtool check metrics` on a scrape.
func PromtoolCheck(t *testing.T, body string) {
	t.Helper()
	if _, err := exec.LookPath("promtool"); err != nil {
		testenv.Missing(t, "promtool (Debian's prometheus package) checks the metrics text")
		return
	}
	cmd := exec.Command("promtool", "check", "metrics")
	cmd.Stdin = strings.NewReader(body)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("promtool check metrics: %v\n%s", err, out)
	}
}
