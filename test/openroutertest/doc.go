// Package openroutertest is a fake OpenRouter API for tests.
//
// New starts an httptest server that answers OpenRouter's routes
// (/api/v1/models, /models/user, /key, /credits, /chat/completions,
// /audio/transcriptions) with the real response bodies kept in
// shared/fixtures/openrouter, checks the API key like OpenRouter does, and
// records every request for assertions. Faults (error statuses,
// Retry-After, latency, truncated, malformed or huge bodies, hung
// requests, reset connections) can be injected per route at any time with
// SetFault, or from another process through the control API under
// /_fake/ (see the fakeopenrouter command).
//
// The server's URL already ends in /api/v1, so it can be given as an
// OpenRouter client's base URL as is.
package openroutertest
