// Package echoapi is aimodels' HTTP driving adapter on Echo
// (github.com/labstack/echo/v4).
//
// Register mounts the settings, request and OpenAPI routes on an
// importer's own *echo.Group (behind whatever auth it uses); BearerAuth,
// RegisterProbes, AccessLog, SecurityHeaders, ErrorHandler and SPA are
// the parts the aimodels binary adds around it. Every error is mapped to
// an HTTP status and the JSON body {"error":{"code","message"}} in one
// place, StatusOf.
//
// The package imports ports and core/domain only, never core or another
// adapter.
package echoapi
