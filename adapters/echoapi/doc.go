// Package echoapi is aimodels' HTTP driving adapter on Echo
// (github.com/labstack/echo/v4).
//
// Register mounts the settings, request and OpenAPI routes on an
// importer's own *echo.Group (behind whatever auth it uses); BearerAuth
// (BearerAuthWithConfig: a limit of failed authentications per client
// address), WriteTimeout, RegisterProbes, AccessLog, SecurityHeaders,
// ErrorHandler and SPA are the parts the aimodels binary adds around it.
// What one client can hold is bounded: a response that its client does not
// read (WriteTimeout, Options.StreamWriteTimeout per stream event), an
// unauthenticated body (never read), and large uploads (Options.MaxUploads
// at once, multipart files read in one buffer). Every error is mapped to
// an HTTP status and the JSON body {"error":{"code","message"}} in one
// place, StatusOf.
//
// The package imports ports and core/domain only, never core or another
// adapter.
//
// JSON is read and written with github.com/goccy/go-json, a drop-in for
// encoding/json (the same RawMessage and Number types), in this package and
// its twin adapter alike. It pays for itself on the whole request: one chat
// completion through the wired server in process (cmd/aimodels
// BenchmarkServer/chat, test binaries run alternately on a loaded 2-core
// machine) took 155 µs with encoding/json and 120 µs with it (−23 %,
// 200 → 165 allocations); the end-to-end CPU figure is in BENCHMARKS.md.
package echoapi
