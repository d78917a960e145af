package echoapi_test

import (
	"context"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	json "github.com/goccy/go-json"
	"github.com/golang/mock/gomock"

	"github.com/aimodels/aimodels/core/domain"
)

func TestUsageReportPeriodAndGroups(t *testing.T) {
	e, svc := newServer(t)
	day := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	svc.usage.EXPECT().UsageReport(gomock.Any(), "default", gomock.Any()).DoAndReturn(
		func(_ context.Context, _ string, q domain.UsageQuery) (domain.UsageReport, error) {
			// Both days included: [27th, 4th).
			if !q.From.Equal(day) || !q.To.Equal(day.AddDate(0, 0, 7)) || strings.Join(q.GroupBy, ",") != "day,type" {
				t.Errorf("query %+v", q)
			}
			rs := domain.RollupEvents([]domain.UsageEvent{
				{Time: day.Add(time.Hour), Type: "text", Model: "m", Outcome: "ok", Cost: domain.MustDecimal("0.000669"), Latency: 300 * time.Millisecond},
				{Time: day.Add(2 * time.Hour), Type: "text", Model: "m", Outcome: "rate_limited", Latency: 10 * time.Millisecond},
			})
			return domain.BuildUsageReport(rs, q), nil
		})
	rec := do(e, call{method: "GET", path: "/api/v1/usage?from=2026-11-27&to=2026-12-03&group_by=type,day"})
	if rec.Code != 200 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	body := rec.Body.String()
	for _, want := range []string{`"from":"2026-11-27"`, `"to":"2026-12-03"`, `"group_by":["day","type"]`, `"day":"2026-11-27"`,
		`"cost":0.000669`, `"errors_by_kind":{"rate_limited":1}`, `"requests":2`} {
		if !strings.Contains(body, want) {
			t.Errorf("body lacks %s: %s", want, body)
		}
	}
	if rec := do(e, call{method: "GET", path: "/api/v1/usage?group_by=week"}); rec.Code != 422 {
		t.Fatalf("group_by=week: %d", rec.Code)
	}
	if rec := do(e, call{method: "GET", path: "/api/v1/usage?from=yesterday"}); rec.Code != 422 {
		t.Fatalf("from=yesterday: %d", rec.Code)
	}
	if rec := do(e, call{method: "GET", path: "/api/v1/usage?from=2026-12-05&to=2026-12-01"}); rec.Code != 422 {
		t.Fatalf("from after to: %d", rec.Code)
	}
}

func TestUsageRequestsAndExport(t *testing.T) {
	e, svc := newServer(t)
	at := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	rows := []domain.UsageEvent{
		{ID: 2, Time: at, Scope: "default", Endpoint: domain.EndpointStream, Type: "text", RequestedModel: "a/b", Model: "=cmd|' /C calc'!A0",
			Prompt: "greeter", PromptVersion: 3, Cost: domain.MustDecimal("0.000669"), Latency: 1500 * time.Millisecond, TTFT: 120 * time.Millisecond,
			Outcome: "ok", GenerationID: "gen-1", Provider: "Google", Tokens: domain.UsageTokens{Prompt: 43, Completion: 36, Reasoning: 13}},
		{ID: 1, Time: at.Add(-time.Minute), Scope: "default", Endpoint: domain.EndpointChat, Type: "explicit", Outcome: "rate_limited"},
	}
	svc.usage.EXPECT().UsageRequests(gomock.Any(), "default", domain.UsageListQuery{Type: "text", Limit: 2}, "c1").
		Return(domain.UsagePage{Events: rows, Next: "c2"}, nil)
	rec := do(e, call{method: "GET", path: "/api/v1/usage/requests?type=text&limit=2&cursor=c1"})
	if rec.Code != 200 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	var page struct {
		Data []map[string]any `json:"data"`
		Next *string          `json:"next_cursor"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &page); err != nil || page.Next == nil || *page.Next != "c2" || len(page.Data) != 2 {
		t.Fatalf("%v %s", err, rec.Body)
	}
	r0, r1 := page.Data[0], page.Data[1]
	if r0["ttft_ms"] != 120.0 || r0["latency_ms"] != 1500.0 || r0["prompt"] != "greeter" || r0["prompt_version"] != 3.0 || r1["prompt"] != nil || r1["ttft_ms"] != nil {
		t.Fatalf("rows %v", page.Data)
	}
	if !strings.Contains(rec.Body.String(), `"cost":0.000669`) {
		t.Fatalf("cost not an exact number: %s", rec.Body)
	}

	svc.usage.EXPECT().ExportUsage(gomock.Any(), "default", gomock.Any(), gomock.Any(), gomock.Any()).DoAndReturn(
		func(_ context.Context, _ string, from, to time.Time, each func(*domain.UsageEvent) error) error {
			for i := range rows {
				if err := each(&rows[i]); err != nil {
					return err
				}
			}
			return nil
		})
	rec = do(e, call{method: "GET", path: "/api/v1/usage/export.csv?from=2026-11-27&to=2026-11-27"})
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/csv") {
		t.Fatalf("%d %v", rec.Code, rec.Header())
	}
	recs, err := csv.NewReader(rec.Body).ReadAll()
	if err != nil || len(recs) != 3 || recs[0][0] != "id" || recs[0][15] != "cost" {
		t.Fatalf("%v %v", err, recs)
	}
	if recs[1][15] != "0.000669" || recs[1][6] != "'=cmd|' /C calc'!A0" || recs[1][18] != "120" || recs[2][18] != "" {
		t.Fatalf("row %v", recs[1])
	}
	if !strings.Contains(rec.Header().Get("Content-Disposition"), "aimodels-usage-2026-11-27-to-2026-11-27.csv") {
		t.Fatalf("disposition %q", rec.Header().Get("Content-Disposition"))
	}
}
