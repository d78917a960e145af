// Package bench is the loopback load harness of aimodels: a small
// open-loop (fixed rate) and closed-loop (maximum rate) HTTP load
// generator with exact latency percentiles, helpers that build and start
// the real server binary and the fake OpenRouter as separate processes,
// and the scenarios of BENCHMARKS.md (cached catalog against a bare
// net/http server writing the same bytes; chat completions through
// aimodels against the same requests sent straight to the fake upstream;
// streaming time to first event; idle RSS).
//
// Every figure is paired with a baseline measured in the same run, on the
// same machine, with the same client, and reported as a ratio or a
// difference. Runs are bounded in time and request count. The program is
// test/bench/cmd/aimodels-bench (task bench); nothing here runs in
// go test ./... beyond a short smoke test of the load generator.
package bench
