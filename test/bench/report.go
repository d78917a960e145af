package bench

import (
	"fmt"
	"io"
	"slices"
	"time"
)

// Targets of issue 7.
const (
	TargetCatalogRatio  = 0.90                   // aimodels req/s ÷ bare req/s, at least
	TargetP99Ratio      = 1.10                   // aimodels p99 ÷ direct p99, at most
	TargetAddedP50      = 100 * time.Microsecond // aimodels p50 − direct p50, at most
	TargetAddedTTFB     = time.Millisecond       // streaming time to first event added, at most
	TargetIdleRSS       = 40 << 20               // bytes
	TargetCoreOverhead  = 20 * time.Microsecond
	TargetCoreAllocs    = 60
	TargetParseTime     = 15 * time.Millisecond
	TargetParseBytes    = 10 << 20
	TargetMaxThroughput = 0.90 // not in the issue: reported for reference only
)

func us(d time.Duration) string {
	return fmt.Sprintf("%.0f µs", float64(d)/float64(time.Microsecond))
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
}

// roundStat is the median, lowest and highest of f over the rounds of
// p, each round's aimodels phase paired with the baseline phase run just
// before it. The verdicts use the median: one round disturbed by other
// work on the machine moves it less than it moves the merged figure.
func roundStat(p Pair, f func(base, aim *Result) float64) (med, lo, hi float64) {
	var v []float64
	for i := range min(len(p.BaseRounds), len(p.AIMRounds)) {
		v = append(v, f(p.BaseRounds[i], p.AIMRounds[i]))
	}
	if len(v) == 0 {
		return 0, 0, 0
	}
	slices.Sort(v)
	med = v[len(v)/2]
	if len(v)%2 == 0 {
		med = (v[len(v)/2-1] + v[len(v)/2]) / 2
	}
	return med, v[0], v[len(v)-1]
}

func rpsRatio(b, a *Result) float64 { return a.RPS() / b.RPS() }
func p99Ratio(b, a *Result) float64 { return float64(a.Pct(.99)) / float64(b.Pct(.99)) }
func addedP50(b, a *Result) float64 { return float64(a.Pct(.5)-b.Pct(.5)) / float64(time.Microsecond) }
func addedP99(b, a *Result) float64 {
	return float64(a.Pct(.99)-b.Pct(.99)) / float64(time.Microsecond)
}

// ratioCell and usCell write "median (lowest–highest)" of the rounds.
func ratioCell(p Pair, f func(b, a *Result) float64) (string, float64) {
	med, lo, hi := roundStat(p, f)
	return fmt.Sprintf("**%.3f×** (rounds %.3f–%.3f)", med, lo, hi), med
}

func usCell(p Pair, f func(b, a *Result) float64) (string, float64) {
	med, lo, hi := roundStat(p, f)
	return fmt.Sprintf("**%+.0f µs** (rounds %+.0f to %+.0f)", med, lo, hi), med
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "**missed**"
}

// WriteMarkdown writes the report as the Markdown tables of BENCHMARKS.md.
func (r *Report) WriteMarkdown(w io.Writer) {
	c := r.Config
	fmt.Fprintf(w, "Run of %s on %s; took %v.\n", r.Started.UTC().Format("2006-01-02 15:04 MST"), r.Machine, r.Elapsed.Round(time.Second))
	fmt.Fprintf(w, "Upstream latency %v, %d rounds of %v per side (baseline and aimodels alternated; figures are the median of the rounds, each paired with the baseline run just before it, with the lowest and highest round and the figure of all rounds merged), server log level %s; load average %s before, %s after.\n\n",
		c.Latency, c.Rounds, c.Phase, c.LogLevel, r.LoadBefore, r.LoadAfter)
	fmt.Fprintln(w, "| Scenario | Baseline | aimodels | Figure | Target | |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|")
	for _, p := range r.Catalog {
		cell, med := ratioCell(p, rpsRatio)
		fmt.Fprintf(w, "| Cached %s, %d conns (req/s; p50/p99) | bare net/http: %.0f; %s / %s | %.0f; %s / %s | %s of the bare server; merged %.3f× | ≥ %.2f× | %s |\n",
			p.Scenario, c.CatalogConns, p.Base.RPS(), us(p.Base.Pct(.5)), us(p.Base.Pct(.99)),
			p.AIM.RPS(), us(p.AIM.Pct(.5)), us(p.AIM.Pct(.99)), cell, p.AIM.RPS()/p.Base.RPS(), TargetCatalogRatio, verdict(med >= TargetCatalogRatio))
	}
	if p := r.Fixed; p.Base != nil {
		cell, add := usCell(p, addedP50)
		fmt.Fprintf(w, "| Chat completion at %.0f req/s, p50 | direct to fake: %s | %s | %s added; merged %+.0f µs | ≤ +%s | %s |\n",
			c.Rate, ms(p.Base.Pct(.5)), ms(p.AIM.Pct(.5)), cell, addedP50(p.Base, p.AIM), us(TargetAddedP50), verdict(add <= float64(TargetAddedP50/time.Microsecond)))
		cell, ratio := ratioCell(p, p99Ratio)
		fmt.Fprintf(w, "| Chat completion at %.0f req/s, p99 | direct to fake: %s | %s | %s; merged %.3f× | ≤ %.2f× | %s |\n",
			c.Rate, ms(p.Base.Pct(.99)), ms(p.AIM.Pct(.99)), cell, p99Ratio(p.Base, p.AIM), TargetP99Ratio, verdict(ratio <= TargetP99Ratio))
	}
	for _, p := range []Pair{r.Fixed, r.Max} {
		if p.Base == nil || p.Proxy == nil {
			continue
		}
		px := Pair{BaseRounds: p.BaseRounds, AIMRounds: p.ProxyRounds}
		add, _, _ := roundStat(px, addedP50)
		p99, _, _ := roundStat(px, p99Ratio)
		rps, _, _ := roundStat(px, rpsRatio)
		fmt.Fprintf(w, "| %s through a bare httputil.ReverseProxy (the floor of one more hop), p50 / p99 / req/s | direct to fake: %s / %s / %.0f | proxy: %s / %s / %.0f | proxy adds %+.0f µs p50, %.3f× p99, %.3f× req/s (round medians) | (reference) | |\n",
			p.Scenario, ms(p.Base.Pct(.5)), ms(p.Base.Pct(.99)), p.Base.RPS(), ms(p.Proxy.Pct(.5)), ms(p.Proxy.Pct(.99)), p.Proxy.RPS(), add, p99, rps)
	}
	if p := r.Max; p.Base != nil {
		cell, _ := ratioCell(p, rpsRatio)
		fmt.Fprintf(w, "| Chat completion at maximum, %d conns, req/s | direct to fake: %.0f | %.0f | %s the direct rate; merged %.3f× | (reported) | |\n",
			c.MaxConns, p.Base.RPS(), p.AIM.RPS(), cell, rpsRatio(p.Base, p.AIM))
		cell, add := usCell(p, addedP50)
		fmt.Fprintf(w, "| Chat completion at maximum, p50 | direct to fake: %s | %s | %s added; merged %+.0f µs | ≤ +%s | %s |\n",
			ms(p.Base.Pct(.5)), ms(p.AIM.Pct(.5)), cell, addedP50(p.Base, p.AIM), us(TargetAddedP50), verdict(add <= float64(TargetAddedP50/time.Microsecond)))
		cell, ratio := ratioCell(p, p99Ratio)
		fmt.Fprintf(w, "| Chat completion at maximum, p99 | direct to fake: %s | %s | %s; merged %.3f× | ≤ %.2f× | %s |\n",
			ms(p.Base.Pct(.99)), ms(p.AIM.Pct(.99)), cell, p99Ratio(p.Base, p.AIM), TargetP99Ratio, verdict(ratio <= TargetP99Ratio))
	}
	if p := r.Stream; p.Base != nil {
		cell50, add50 := usCell(p, addedP50)
		cell99, add99 := usCell(p, addedP99)
		limit := float64(TargetAddedTTFB / time.Microsecond)
		fmt.Fprintf(w, "| Streaming at %.0f req/s, time to first event p50 / p99 | direct to fake: %s / %s | %s / %s | %s / %s added | ≤ +%s | %s |\n",
			c.StreamRate, ms(p.Base.Pct(.5)), ms(p.Base.Pct(.99)), ms(p.AIM.Pct(.5)), ms(p.AIM.Pct(.99)), cell50, cell99, us(TargetAddedTTFB), verdict(add50 <= limit && add99 <= limit))
	}
	fmt.Fprintf(w, "| Idle RSS, catalog loaded | — | %.1f MB | %.1f MB | ≤ %d MB | %s |\n",
		mb(r.IdleMem.RSS), mb(r.IdleMem.RSS), TargetIdleRSS>>20, verdict(r.IdleMem.RSS <= TargetIdleRSS))
	if r.LoadedMem.RSS > 0 {
		fmt.Fprintf(w, "| RSS after the load (peak) | — | %.1f MB (%.1f MB) | | (reported) | |\n", mb(r.LoadedMem.RSS), mb(r.LoadedMem.HWM))
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "Catalog bodies: %d bytes plain, %d bytes gzip. Requests: ", r.CatalogLen[0], r.CatalogLen[1])
	for _, p := range append(append([]Pair{}, r.Catalog...), r.Fixed, r.Max, r.Stream) {
		if p.Base == nil {
			continue
		}
		fmt.Fprintf(w, "%s %d+%d ok, %d+%d errors, %d+%d dropped; ", p.Scenario, p.Base.OK, p.AIM.OK,
			p.Base.Errors, p.AIM.Errors, p.Base.Dropped, p.AIM.Dropped)
	}
	fmt.Fprintln(w)
}
