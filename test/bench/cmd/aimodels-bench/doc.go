// Command aimodels-bench runs the loopback benchmarks of BENCHMARKS.md:
// it builds the server (cmd/aimodels) and the fake OpenRouter, starts
// them as separate processes on 127.0.0.1, runs every scenario for a
// bounded time against its baseline (a bare net/http server writing the
// same catalog bytes; the same chat request sent straight to the fake)
// and prints the figures as a Markdown table of ratios.
//
// Usage:
//
//	go run ./test/bench/cmd/aimodels-bench [-latency 10ms] [-phase 4s] [-rounds 2] [-rate 1000] [-conns 64] [-log-level info] [-out file.md]
//
// "aimodels-bench bare -addr A -file F" is the bare server it starts;
// "aimodels-bench proxy -addr A -to URL" the bare reverse proxy.
package main
