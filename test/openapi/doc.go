// Package openapi lints the OpenAPI document the server serves with
// Redocly CLI's recommended rules (the pinned @redocly/cli of this
// folder's package-lock.json), from `go test`, so the document stays
// correct and not only valid.
package openapi
