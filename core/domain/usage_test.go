package domain_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/aimodels/aimodels/core/domain"
)

func TestLatencyHistogramQuantile(t *testing.T) {
	var h domain.LatencyHistogram
	if h.Quantile(0.5) != 0 {
		t.Fatal("empty histogram has a median")
	}
	// 100 latencies of 1..100 ms: buckets ≤25, ≤50, ≤100.
	for i := 1; i <= 100; i++ {
		h.Observe(time.Duration(i) * time.Millisecond)
	}
	if h[0] != 25 || h[1] != 25 || h[2] != 50 || h.Count() != 100 {
		t.Fatalf("buckets %v", h[:4])
	}
	// Rank 50 is the end of the second bucket (25..50 ms).
	if p := h.Quantile(0.5); p != 50*time.Millisecond {
		t.Fatalf("p50 = %v, want 50ms", p)
	}
	// Rank 95 is 45/50 into the third (50..100 ms): 95 ms.
	if p := h.Quantile(0.95); p != 95*time.Millisecond {
		t.Fatalf("p95 = %v, want 95ms", p)
	}
	var slow domain.LatencyHistogram
	slow.Observe(10 * time.Minute)
	if p := slow.Quantile(0.5); p != 120*time.Second {
		t.Fatalf("the open last bucket answers %v, want its lower bound 2m", p)
	}
}

func TestErrorKind(t *testing.T) {
	cases := map[string]error{
		"":                     nil,
		"canceled":             fmt.Errorf("x: %w", context.Canceled),
		"timeout":              context.DeadlineExceeded,
		"rate_limited":         fmt.Errorf("chat: %w", domain.ErrRateLimited),
		"model_type_mismatch":  &domain.ModelError{Kind: domain.ErrModelTypeMismatch},
		"upstream_unavailable": domain.ErrUpstreamUnavailable,
		"internal":             errors.New("boom"),
	}
	for want, err := range cases {
		if got := domain.ErrorKind(err); got != want {
			t.Errorf("ErrorKind(%v) = %q, want %q", err, got, want)
		}
	}
}

func TestBurnRate(t *testing.T) {
	br := domain.ComputeBurnRate(domain.MustDecimal("7.7"), 7, domain.MustDecimal("11"), true)
	if br.PerDay.String() != "1.1" || br.DaysLeft == nil || br.DaysLeft.String() != "10" {
		t.Fatalf("burn %+v", br)
	}
	br = domain.ComputeBurnRate(domain.MustDecimal("1"), 7, domain.MustDecimal("1"), true)
	if br.PerDay.String() != "0.142857143" || br.DaysLeft.String() != "7" {
		t.Fatalf("burn of 1 over 7 days: per day %s, days left %s", br.PerDay, br.DaysLeft)
	}
	if br := domain.ComputeBurnRate(domain.Decimal{}, 7, domain.MustDecimal("5"), true); br.DaysLeft != nil {
		t.Fatal("days left without spending")
	}
	if br := domain.ComputeBurnRate(domain.MustDecimal("5"), 7, domain.Decimal{}, false); br.DaysLeft != nil {
		t.Fatal("days left of an unknown balance")
	}
}

func TestUsageReport(t *testing.T) {
	day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	ev := []domain.UsageEvent{
		{Time: day.Add(time.Hour), Type: "text", Model: "a", Outcome: "ok", Cost: domain.MustDecimal("0.1"), Latency: 10 * time.Millisecond},
		{Time: day.Add(2 * time.Hour), Type: "text", Model: "b", Outcome: "rate_limited", Cost: domain.MustDecimal("0.2")},
		{Time: day.Add(25 * time.Hour), Type: "audio", RequestedModel: "c", Outcome: "ok", Cost: domain.MustDecimal("0.0000000003")},
	}
	rs := domain.RollupEvents(ev)
	g, err := domain.ParseGroupBy("type, day")
	if err != nil || fmt.Sprint(g) != "[day type]" {
		t.Fatalf("group by %v, %v", g, err)
	}
	if _, err := domain.ParseGroupBy("day,day"); !errors.Is(err, domain.ErrValidation) {
		t.Fatal("a key twice accepted")
	}
	rep := domain.BuildUsageReport(rs, domain.UsageQuery{From: day, To: day.Add(48 * time.Hour), GroupBy: g})
	if len(rep.Groups) != 2 || rep.Groups[0].Type != "text" || rep.Groups[1].Type != "audio" || rep.Groups[1].Model != "" {
		t.Fatalf("groups %+v", rep.Groups)
	}
	if rep.Total.Requests != 3 || rep.Total.Errors != 1 || rep.Total.ErrorsByKind["rate_limited"] != 1 || rep.Total.Cost.String() != "0.3000000003" {
		t.Fatalf("total %+v", rep.Total)
	}
	if rep.Groups[0].Requests != 2 || rep.Groups[0].Cost.String() != "0.3" {
		t.Fatalf("first group %+v", rep.Groups[0])
	}
	if all := domain.BuildUsageReport(rs, domain.UsageQuery{From: day, To: day.Add(48 * time.Hour), GroupBy: []string{}}); len(all.Groups) != 0 {
		t.Fatal("groups without group_by")
	}
}
