package bench

import (
	"strings"
	"testing"
	"time"
)

func rounds(oks ...int) []*Result {
	var rs []*Result
	for _, ok := range oks {
		rs = append(rs, &Result{OK: ok, Elapsed: time.Second, Latencies: []time.Duration{time.Duration(ok) * time.Microsecond}})
	}
	return rs
}

func TestRoundStatPairsRounds(t *testing.T) {
	// Round 3 is disturbed on both sides; paired, its ratio is still 0.9.
	p := Pair{BaseRounds: rounds(1000, 1000, 100, 1000), AIMRounds: rounds(900, 950, 90, 800)}
	med, lo, hi := roundStat(p, rpsRatio)
	if med != 0.9 || lo != 0.8 || hi != 0.95 {
		t.Fatalf("roundStat = %v %v %v, want 0.9 0.8 0.95", med, lo, hi)
	}
	p.AIMRounds = p.AIMRounds[:3] // odd count: the middle value
	if med, _, _ := roundStat(p, rpsRatio); med != 0.9 {
		t.Fatalf("median of 0.9 0.95 0.9 = %v", med)
	}
	if med, _, _ := roundStat(Pair{}, rpsRatio); med != 0 {
		t.Fatalf("no rounds: %v", med)
	}
}

func TestMarkdownVerdictsUseRoundMedians(t *testing.T) {
	catalog := Pair{Scenario: "catalog gzip", BaseRounds: rounds(1000, 1000, 1000), AIMRounds: rounds(950, 500, 930)}
	catalog.Base, catalog.AIM = Merge(catalog.BaseRounds...), Merge(catalog.AIMRounds...)
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
