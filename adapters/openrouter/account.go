package openrouter

import (
	"bytes"
	"context"
	"errors"
	json "github.com/goccy/go-json"

	"github.com/aimodels/aimodels/core/domain"
)

// wireKey is GET /key's key object (inside "data" today; at the top level
// in the 2025 schema).
type wireKey struct {
	Label          string       `json:"label"`
	Limit          *json.Number `json:"limit"`
	LimitRemaining *json.Number `json:"limit_remaining"`
	LimitReset     *string      `json:"limit_reset"`
	Usage          json.Number  `json:"usage"`
	UsageDaily     json.Number  `json:"usage_daily"`
	UsageWeekly    json.Number  `json:"usage_weekly"`
	UsageMonthly   json.Number  `json:"usage_monthly"`
	IsFreeTier     bool         `json:"is_free_tier"`
	RateLimit      *struct {
		Requests int    `json:"requests"`
		Interval string `json:"interval"`
	} `json:"rate_limit"`
}

// money is an amount of dollars as OpenRouter sent it, exactly; zero when
// absent or not a number.
func money(n json.Number) domain.Decimal {
	d, _ := domain.ParseDecimal(string(n))
	return d
}

// optionalMoney is money for a field that may be null: nil when absent,
// null or not a number.
func optionalMoney(n *json.Number) *domain.Decimal {
	if n == nil {
		return nil
	}
	d, err := domain.ParseDecimal(string(*n))
	if err != nil {
		return nil
	}
	return &d
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
		Label: w.Label, Limit: optionalMoney(w.Limit), LimitRemaining: optionalMoney(w.LimitRemaining),
		Usage: money(w.Usage), UsageDaily: money(w.UsageDaily), UsageWeekly: money(w.UsageWeekly),
		UsageMonthly: money(w.UsageMonthly), IsFreeTier: w.IsFreeTier,
	}
	if w.RateLimit != nil {
		ki.RateLimit = &domain.RateLimit{Requests: w.RateLimit.Requests, Interval: w.RateLimit.Interval}
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
		TotalCredits *json.Number `json:"total_credits"`
		TotalUsage   *json.Number `json:"total_usage"`
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return domain.Credits{}, &Error{Kind: domain.ErrBadUpstreamResponse, Op: op, Status: 200,
			Message: `response has no "data" object`}
	}
	if err := lenient(data, &w); err != nil {
		return domain.Credits{}, badJSON(op, 200, err)
	}
	credits, usage := optionalMoney(w.TotalCredits), optionalMoney(w.TotalUsage)
	if credits == nil || usage == nil {
		return domain.Credits{}, &Error{Kind: domain.ErrBadUpstreamResponse, Op: op, Status: 200,
			Message: "response lacks total_credits or total_usage"}
	}
	return domain.Credits{TotalCredits: *credits, TotalUsage: *usage}, nil
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
