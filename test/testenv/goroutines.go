package testenv

import "runtime/metrics"

// GoroutinesCreated is the number of goroutines the process has started
// so far: tests and benchmarks read it before and after some requests to
// count the goroutines a request starts.
func GoroutinesCreated() uint64 {
	s := []metrics.Sample{{Name: "/sched/goroutines-created:goroutines"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}
