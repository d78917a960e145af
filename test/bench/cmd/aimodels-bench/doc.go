// Command aimodels-bench runs the loopback benchmarks of BENCHMARKS.md:
// it builds the server (cmd/aimodels) and the fake OpenRouter, starts
// them as separate processes on 127.0.0.1, sends each scenario's load
// with vegeta for a bounded time against its baseline (a bare net/http
// server writing the same catalog bytes; the same chat request sent
// straight to the fake, and through a bare reverse proxy), records the
// CPU time of each server process per phase, and prints the figures as
// a Markdown table of ratios.
//
// Usage:
//
//	go run ./test/bench/cmd/aimodels-bench [-latency 10ms] [-phase 3s] [-rounds 5] [-rates 200,500,1000] [-conns 64] [-log-level info] [-server-src DIR] [-out file.md]
//
// -server-src DIR also builds cmd/aimodels from the checkout DIR (for
// example git worktree add /tmp/aimodels-base HEAD, before a change)
// and measures it in the same rounds as this tree's server.
//
// "aimodels-bench bare -addr A -file F" is the bare server it starts;
// "aimodels-bench proxy -addr A -to URL" the bare reverse proxy.
package main
