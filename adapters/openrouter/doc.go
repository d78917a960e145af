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
package openrouter
