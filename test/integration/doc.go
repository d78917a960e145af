// Package integration tests the core wired to the real OpenRouter adapter
// against the fake OpenRouter server: what a mock cannot show, such as how
// many upstream requests concurrent callers cause.
package integration
