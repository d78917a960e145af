package echoapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/aimodels/aimodels/core/domain"
)

// ErrorBody is the JSON shape of every error response.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is the error object: a stable machine code and a message
// for people. Field names the offending input for validation errors.
type ErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// StatusOf maps an error to its HTTP status and error code. It is the one
// place where domain errors meet HTTP.
func StatusOf(err error) (int, string) {
	var me *domain.ModelError
	var he *echo.HTTPError
	switch {
	case errors.Is(err, context.Canceled):
		// The client went away; nobody reads this, but logs should not
		// blame the upstream for it.
		return 499, "canceled"
	case errors.As(err, &he):
		return he.Code, httpCode(he.Code)
	case errors.As(err, &me):
		if errors.Is(err, domain.ErrModelTypeMismatch) {
			return http.StatusUnprocessableEntity, "model_type_mismatch"
		}
		return http.StatusUnprocessableEntity, "model_not_found"
	case errors.Is(err, domain.ErrValidation):
		return http.StatusUnprocessableEntity, "validation_error"
	case errors.Is(err, domain.ErrNoAPIKey):
		return http.StatusBadRequest, "no_api_key"
	case errors.Is(err, domain.ErrInvalidKey):
		return http.StatusUnauthorized, "invalid_key"
	case errors.Is(err, domain.ErrForbidden):
		return http.StatusForbidden, "forbidden"
	case errors.Is(err, domain.ErrInsufficientCredits):
		return http.StatusPaymentRequired, "insufficient_credits"
	case errors.Is(err, domain.ErrRateLimited):
		return http.StatusTooManyRequests, "rate_limited"
	case errors.Is(err, domain.ErrModelNotFound):
		// Not the catalog's (a *domain.ModelError, above): the upstream has
		// no endpoint for the model.
		return http.StatusNotFound, "model_not_found"
	case errors.Is(err, domain.ErrUpstreamRejected):
		return http.StatusBadRequest, "upstream_rejected"
	case errors.Is(err, domain.ErrNotFound):
		return http.StatusNotFound, "not_found"
	case errors.Is(err, domain.ErrConflict):
		return http.StatusConflict, "conflict"
	case errors.Is(err, domain.ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		return http.StatusGatewayTimeout, "timeout"
	case errors.Is(err, domain.ErrBadUpstreamResponse):
		return http.StatusBadGateway, "bad_upstream_response"
	case errors.Is(err, domain.ErrUpstreamUnavailable):
		return http.StatusServiceUnavailable, "upstream_unavailable"
	case errors.Is(err, domain.ErrStoreUnavailable):
		return http.StatusServiceUnavailable, "store_unavailable"
	case errors.Is(err, domain.ErrDecrypt):
		return http.StatusInternalServerError, "key_unreadable"
	}
	return http.StatusInternalServerError, "internal"
}

func httpCode(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "bad_request"
	case http.StatusUnauthorized:
		return "unauthorized"
	case http.StatusForbidden:
		return "forbidden"
	case http.StatusNotFound:
		return "not_found"
	case http.StatusMethodNotAllowed:
		return "method_not_allowed"
	case http.StatusRequestEntityTooLarge:
		return "payload_too_large"
	case http.StatusUnsupportedMediaType:
		return "unsupported_media_type"
	case http.StatusTooManyRequests:
		return "rate_limited"
	case http.StatusServiceUnavailable:
		return "unavailable"
	}
	if status >= 500 {
		return "internal"
	}
	return "bad_request"
}

var fixedMessages = map[string]string{
	"internal":          "internal server error",
	"store_unavailable": "the settings database is unavailable; try again shortly",
	"key_unreadable":    "the stored API key cannot be decrypted with the server's keyset; store the key again",
	"not_found":         "not found",
	"conflict":          "a record with this name already exists",
	"canceled":          "the request was cancelled",
}

// errorBody builds the status and body of err. Internal errors get a
// generic message; their detail goes to the log only.
func errorBody(err error) (int, ErrorBody) {
	status, code := StatusOf(err)
	msg := err.Error()
	var he *echo.HTTPError
	if errors.As(err, &he) {
		msg = http.StatusText(he.Code)
		if m, ok := he.Message.(string); ok && m != "" {
			msg = m
		}
	}
	// Only what the caller can act on goes out: validation reasons, model
	// errors and OpenRouter's own messages. Store and decryption failures
	// get a fixed sentence; their detail (addresses, SQL) goes to the log.
	if m, ok := fixedMessages[code]; ok {
		msg = m
	}
	b := ErrorBody{Error: ErrorDetail{Code: code, Message: msg}}
	var ve *domain.ValidationError
	if errors.As(err, &ve) {
		b.Error.Field = ve.Field
	}
	return status, b
}

// WriteError writes err as the JSON error body with its mapped status and,
// for rate limits and unavailability, a Retry-After header.
func WriteError(c echo.Context, err error) error {
	status, body := errorBody(err)
	if ra := domain.RetryAfterOf(err); ra > 0 && (status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable) {
		c.Response().Header().Set("Retry-After", strconv.Itoa(int((ra+time.Second-1)/time.Second)))
	}
	if c.Response().Committed {
		return nil
	}
	if c.Request().Method == http.MethodHead {
		return c.NoContent(status)
	}
	return c.JSON(status, body)
}

// ErrorHandler returns an echo.HTTPErrorHandler that writes every error,
// Echo's own (404 route, 405, 413) included, in the JSON error shape, and
// logs server-side failures.
func ErrorHandler(log *slog.Logger) echo.HTTPErrorHandler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return func(err error, c echo.Context) {
		status, _ := StatusOf(err)
		if status >= 500 {
			log.Error("request failed", "method", c.Request().Method, "path", c.Path(), "status", status, "error", err)
		}
		_ = WriteError(c, err)
	}
}
