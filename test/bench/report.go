package bench

import (
	"fmt"
	"io"
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
	fmt.Fprintf(w, "Upstream latency %v, %d rounds of %v per side (baseline and aimodels alternated), server log level %s; load average %s before, %s after.\n\n",
		c.Latency, c.Rounds, c.Phase, c.LogLevel, r.LoadBefore, r.LoadAfter)
	fmt.Fprintln(w, "| Scenario | Baseline | aimodels | Figure | Target | |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|")
	for _, p := range r.Catalog {
		ratio := p.AIM.RPS() / p.Base.RPS()
		fmt.Fprintf(w, "| Cached %s, %d conns (req/s; p50/p99) | bare net/http: %.0f; %s / %s | %.0f; %s / %s | **%.2f×** of the bare server | ≥ %.2f× | %s |\n",
			p.Scenario, c.CatalogConns, p.Base.RPS(), us(p.Base.Pct(.5)), us(p.Base.Pct(.99)),
			p.AIM.RPS(), us(p.AIM.Pct(.5)), us(p.AIM.Pct(.99)), ratio, TargetCatalogRatio, verdict(ratio >= TargetCatalogRatio))
	}
	if p := r.Fixed; p.Base != nil {
		add := p.AIM.Pct(.5) - p.Base.Pct(.5)
		ratio := float64(p.AIM.Pct(.99)) / float64(p.Base.Pct(.99))
		fmt.Fprintf(w, "| Chat completion at %.0f req/s, p50 | direct to fake: %s | %s | **+%s** added | ≤ +%s | %s |\n",
			c.Rate, ms(p.Base.Pct(.5)), ms(p.AIM.Pct(.5)), us(add), us(TargetAddedP50), verdict(add <= TargetAddedP50))
		fmt.Fprintf(w, "| Chat completion at %.0f req/s, p99 | direct to fake: %s | %s | **%.3f×** (+%s) | ≤ %.2f× | %s |\n",
			c.Rate, ms(p.Base.Pct(.99)), ms(p.AIM.Pct(.99)), ratio, us(p.AIM.Pct(.99)-p.Base.Pct(.99)), TargetP99Ratio, verdict(ratio <= TargetP99Ratio))
	}
	for _, p := range []Pair{r.Fixed, r.Max} {
		if p.Base == nil || p.Proxy == nil {
			continue
		}
		fmt.Fprintf(w, "| %s through a bare httputil.ReverseProxy (the floor of one more hop), p50 / p99 / req/s | direct to fake: %s / %s / %.0f | proxy: %s / %s / %.0f | proxy adds +%s p50, %.3f× p99 | (reference) | |\n",
			p.Scenario, ms(p.Base.Pct(.5)), ms(p.Base.Pct(.99)), p.Base.RPS(), ms(p.Proxy.Pct(.5)), ms(p.Proxy.Pct(.99)), p.Proxy.RPS(),
			us(p.Proxy.Pct(.5)-p.Base.Pct(.5)), float64(p.Proxy.Pct(.99))/float64(p.Base.Pct(.99)))
	}
	if p := r.Max; p.Base != nil {
		add := p.AIM.Pct(.5) - p.Base.Pct(.5)
		ratio := float64(p.AIM.Pct(.99)) / float64(p.Base.Pct(.99))
		fmt.Fprintf(w, "| Chat completion at maximum, %d conns, req/s | direct to fake: %.0f | %.0f | %.2f× the direct rate | (reported) | |\n",
			c.MaxConns, p.Base.RPS(), p.AIM.RPS(), p.AIM.RPS()/p.Base.RPS())
		fmt.Fprintf(w, "| Chat completion at maximum, p50 | direct to fake: %s | %s | **+%s** added | ≤ +%s | %s |\n",
			ms(p.Base.Pct(.5)), ms(p.AIM.Pct(.5)), us(add), us(TargetAddedP50), verdict(add <= TargetAddedP50))
		fmt.Fprintf(w, "| Chat completion at maximum, p99 | direct to fake: %s | %s | **%.3f×** (+%s) | ≤ %.2f× | %s |\n",
			ms(p.Base.Pct(.99)), ms(p.AIM.Pct(.99)), ratio, us(p.AIM.Pct(.99)-p.Base.Pct(.99)), TargetP99Ratio, verdict(ratio <= TargetP99Ratio))
	}
	if p := r.Stream; p.Base != nil {
		add50 := p.AIM.Pct(.5) - p.Base.Pct(.5)
		add99 := p.AIM.Pct(.99) - p.Base.Pct(.99)
		fmt.Fprintf(w, "| Streaming at %.0f req/s, time to first event p50 / p99 | direct to fake: %s / %s | %s / %s | **+%s / +%s** added | ≤ +%s | %s |\n",
			c.StreamRate, ms(p.Base.Pct(.5)), ms(p.Base.Pct(.99)), ms(p.AIM.Pct(.5)), ms(p.AIM.Pct(.99)), us(add50), us(add99), us(TargetAddedTTFB), verdict(add50 <= TargetAddedTTFB && add99 <= TargetAddedTTFB))
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
