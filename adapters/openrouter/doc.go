// Package openrouter is the OpenRouter API client that implements
// ports.Gateway: the model catalog, the key and credits, chat completions
// (plain and streamed) and speech-to-text, over
// github.com/hashicorp/go-retryablehttp.
//
// Every failure is a *Error whose Kind is a domain sentinel
// (errors.Is(err, domain.ErrRateLimited) and so on); CheckResponse is the
// one place that turns a non-2xx answer into one. Requests are retried on
// connection errors, 408, 429, 502, 503 and 504 with exponential backoff
// and jitter, honouring Retry-After up to a cap, and never once the
// caller's context is done. Response bodies are read through a size limit.
// The API key is sent in the Authorization header and never appears in an
// error or a log line.
//
// JSON is read and written with github.com/goccy/go-json, a drop-in for
// encoding/json (the same RawMessage and Number types), in this package and
// its twin adapter alike. It pays for itself on the whole request: one chat
// completion through the wired server in process (cmd/aimodels
// BenchmarkServer/chat, test binaries run alternately on a loaded 2-core
// machine) took 155 µs with encoding/json and 120 µs with it (−23 %,
// 200 → 165 allocations); the end-to-end CPU figure is in BENCHMARKS.md.
package openrouter
