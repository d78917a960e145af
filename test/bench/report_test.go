package bench

import (
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// side returns one round per ok count: ok requests in one second, one
// latency sample of ok µs, cpu[i] of CPU time when given.
func side(oks []int, cpu ...time.Duration) *Side {
	s := &Side{All: &Result{}}
	for i, ok := range oks {
		r := &Result{Elapsed: time.Second}
		for range ok {
			v := &vegeta.Result{Code: 200, Latency: time.Duration(ok) * time.Microsecond}
			r.add(v)
			s.All.add(v)
		}
		if i < len(cpu) {
			r.CPU = cpu[i]
		}
		r.Close()
		s.All.Elapsed += r.Elapsed
		s.All.CPU += r.CPU
		s.Rounds = append(s.Rounds, r)
	}
	s.All.Close()
	return s
}

func TestRoundStatPairsRounds(t *testing.T) {
	// Round 3 is disturbed on both sides; paired, its ratio is still 0.9.
	b, a := side([]int{1000, 1000, 100, 1000}), side([]int{900, 950, 90, 800})
	med, lo, hi := roundStat(b, a, rpsRatio)
	if med != 0.9 || lo != 0.8 || hi != 0.95 {
		t.Fatalf("roundStat = %v %v %v, want 0.9 0.8 0.95", med, lo, hi)
	}
	a.Rounds = a.Rounds[:3] // odd count: the middle value
	if med, _, _ := roundStat(b, a, rpsRatio); med != 0.9 {
		t.Fatalf("median of 0.9 0.95 0.9 = %v", med)
	}
	if med, _, _ := roundStat(&Side{}, &Side{}, rpsRatio); med != 0 {
		t.Fatalf("no rounds: %v", med)
	}
}

func TestMarkdownVerdictsUseRoundMedians(t *testing.T) {
	catalog := Pair{Scenario: "catalog gzip", Base: side([]int{1000, 1000, 1000}), AIM: side([]int{950, 500, 930})}
	r := &Report{Config: DefaultConfig(), Catalog: []Pair{catalog}}
	var sb strings.Builder
	r.WriteMarkdown(&sb)
	out := sb.String()
	if !strings.Contains(out, "**0.930×** (rounds 0.500–0.950)") || !strings.Contains(out, "merged 0.793×") {
		t.Fatalf("catalog line:\n%s", out)
	}
	if !strings.Contains(out, "≥ 0.90× | met |") {
		t.Fatalf("median 0.93 should meet 0.90:\n%s", out)
	}
}

// TestCPUGuardRail checks the sum over the loads: per-1,000 figures of
// each load are added, then divided (not the mean of the ratios).
func TestCPUGuardRail(t *testing.T) {
	ms := time.Millisecond
	cfg := DefaultConfig()
	cfg.Rates = []int{200}
	// Proxy 100 ms per 1,000 at 200/s, 50 at max; aimodels 150 and 50:
	// sums 150 and 200, ratio 1.333 (the mean of the ratios would be 1.25).
	fixed := Pair{Scenario: "chat @200/s", Base: side([]int{200}), AIM: side([]int{200}, 30*ms), Proxy: side([]int{200}, 20*ms)}
	maxp := Pair{Scenario: "chat max", Base: side([]int{1000}), AIM: side([]int{1000}, 50*ms), Proxy: side([]int{1000}, 50*ms)}
	r := &Report{Config: cfg, Fixed: []Pair{fixed}, Max: maxp}
	all, med, _, _ := cpuSumRatio(r.cpuLoads(), proxySide, aimSide)
	if all < 1.333 || all > 1.334 || med != all {
		t.Fatalf("ratio of sums %v (round median %v), want 1.333", all, med)
	}
	var sb strings.Builder
	r.WriteMarkdown(&sb)
	if out := sb.String(); !strings.Contains(out, "sum over 200 req/s and the maximum** | bare proxy: 150.0 ms | 200.0 ms | **1.333×**") ||
		!strings.Contains(out, "≤ 1.30× | **missed** |") {
		t.Fatalf("CPU guard-rail line:\n%s", out)
	}
}
