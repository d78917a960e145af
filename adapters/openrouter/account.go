package openrouter

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"

	"github.com/aimodels/aimodels/core/domain"
)

// wireKey is GET /key's key object (inside "data" today; at the top level
// in the 2025 schema).
type wireKey struct {
	Label          string            `json:"label"`
	Limit          *float64          `json:"limit"`
	LimitRemaining *float64          `json:"limit_remaining"`
	LimitReset     *string           `json:"limit_reset"`
	Usage          float64           `json:"usage"`
	UsageDaily     float64           `json:"usage_daily"`
	UsageWeekly    float64           `json:"usage_weekly"`
	UsageMonthly   float64           `json:"usage_monthly"`
	IsFreeTier     bool              `json:"is_free_tier"`
	RateLimit      *domain.RateLimit `json:"rate_limit"`
}

// lenient decodes b into v, tolerating fields of an unexpected type.
func lenient(b []byte, v any) error {
	err := json.Unmarshal(b, v)
	var te *json.UnmarshalTypeError
	if err != nil && errors.As(err, &te) {
		return nil
	}
	return err
}

// envelope is {"data": ..., "error": ...}.
type envelope struct {
	Data  json.RawMessage `json:"data"`
	Error *apiError       `json:"error"`
}

// decodeData decodes an enveloped 2xx body; an "error" object in it is an error.
func decodeData(op string, body []byte) (json.RawMessage, error) {
	var env envelope
	if err := lenient(body, &env); err != nil {
		return nil, badJSON(op, 200, err)
	}
	if env.Error != nil {
		return nil, inBodyError(op, 200, env.Error)
	}
	return env.Data, nil
}

// ParseKeyInfo parses the body of GET /key, in today's {"data": {...}}
// shape or the older one without "data".
func ParseKeyInfo(body []byte) (domain.KeyInfo, error) {
	const op = "GET /key"
	data, err := decodeData(op, body)
	if err != nil {
		return domain.KeyInfo{}, err
	}
	src := body
	if d := bytes.TrimSpace(data); len(d) > 0 && !bytes.Equal(d, []byte("null")) {
		src = d
	}
	var w wireKey
	if err := lenient(src, &w); err != nil {
		return domain.KeyInfo{}, badJSON(op, 200, err)
	}
	ki := domain.KeyInfo{
		Label: w.Label, Limit: w.Limit, LimitRemaining: w.LimitRemaining, Usage: w.Usage,
		UsageDaily: w.UsageDaily, UsageWeekly: w.UsageWeekly, UsageMonthly: w.UsageMonthly,
		IsFreeTier: w.IsFreeTier, RateLimit: w.RateLimit,
	}
	if w.LimitReset != nil {
		ki.LimitReset = *w.LimitReset
	}
	return ki, nil
}

// ParseCredits parses the body of GET /credits.
func ParseCredits(body []byte) (domain.Credits, error) {
	const op = "GET /credits"
	data, err := decodeData(op, body)
	if err != nil {
		return domain.Credits{}, err
	}
	var w struct {
		TotalCredits *float64 `json:"total_credits"`
		TotalUsage   *float64 `json:"total_usage"`
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return domain.Credits{}, &domain.UpstreamError{Kind: domain.ErrBadUpstreamResponse, Op: op, Status: 200,
			Message: `response has no "data" object`}
	}
	if err := lenient(data, &w); err != nil {
		return domain.Credits{}, badJSON(op, 200, err)
	}
	if w.TotalCredits == nil || w.TotalUsage == nil {
		return domain.Credits{}, &domain.UpstreamError{Kind: domain.ErrBadUpstreamResponse, Op: op, Status: 200,
			Message: "response lacks total_credits or total_usage"}
	}
	return domain.Credits{TotalCredits: *w.TotalCredits, TotalUsage: *w.TotalUsage}, nil
}

// KeyInfo returns what GET /key says about key.
func (c *Client) KeyInfo(ctx context.Context, key domain.APIKey) (_ domain.KeyInfo, err error) {
	defer func() { err = redactKey(err, key) }()
	body, err := c.doJSON(ctx, "GET /key", "GET", c.endpoint("/key"), key, nil)
	if err != nil {
		return domain.KeyInfo{}, err
	}
	return ParseKeyInfo(body)
}

// Credits returns GET /credits; ordinary keys may get ErrForbidden or ErrInvalidKey.
func (c *Client) Credits(ctx context.Context, key domain.APIKey) (_ domain.Credits, err error) {
	defer func() { err = redactKey(err, key) }()
	body, err := c.doJSON(ctx, "GET /credits", "GET", c.endpoint("/credits"), key, nil)
	if err != nil {
		return domain.Credits{}, err
	}
	return ParseCredits(body)
}
