package openrouter

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	json "github.com/goccy/go-json"
	"net/url"
	"strconv"
	"time"

	"github.com/aimodels/aimodels/core/domain"
)

// wireModels is the body of GET /models. Numbers and prices are
// flexNumber, which accepts JSON numbers and strings and ignores the rest;
// a field of another unexpected type is left unset by encoding/json.
type wireModels struct {
	// Data is read object by object, so each model keeps its own bytes
	// (domain.Model.Raw).
	Data  *[]json.RawMessage `json:"data"`
	Links struct {
		Next *string `json:"next"`
	} `json:"links"`
}

type wireModel struct {
	ID            string     `json:"id"`
	Name          string     `json:"name"`
	Description   string     `json:"description"`
	Created       flexNumber `json:"created"`
	ContextLength flexNumber `json:"context_length"`
	Architecture  struct {
		InputModalities  []string `json:"input_modalities"`
		OutputModalities []string `json:"output_modalities"`
	} `json:"architecture"`
	// Pricing is read field by field: any decimal field is kept (an
	// unknown one too), anything else (overrides, an array) is ignored.
	Pricing     map[string]flexNumber `json:"pricing"`
	TopProvider struct {
		MaxCompletionTokens flexNumber `json:"max_completion_tokens"`
	} `json:"top_provider"`
	SupportedParameters []string `json:"supported_parameters"`
}

// ParseModels parses the body of OpenRouter's GET /models into models,
// classified by their modalities. Unknown fields, nulls and values of an
// unexpected type (a number where a string was expected, an array where
// an object was) never fail the parse: the field is left unset, and a
// price that is not a decimal stays unknown. The body must be a JSON
// object with a "data" array; otherwise the error wraps
// domain.ErrBadUpstreamResponse.
func ParseModels(body []byte) ([]domain.Model, error) {
	models, _, err := parseModelsPage(body)
	return models, err
}

func parseModelsPage(body []byte) ([]domain.Model, string, error) {
	var w wireModels
	if err := json.Unmarshal(body, &w); err != nil {
		// A type mismatch only skips the field concerned; json still
		// decodes everything else. Anything else is fatal.
		var te *json.UnmarshalTypeError
		if !errors.As(err, &te) {
			return nil, "", badJSON("GET /models", 0, err)
		}
	}
	if w.Data == nil {
		return nil, "", &Error{Kind: domain.ErrBadUpstreamResponse, Op: "GET /models",
			Message: `response has no "data" array`}
	}
	raws := *w.Data
	out := make([]domain.Model, 0, len(raws))
	for _, raw := range raws {
		var wm wireModel
		if err := json.Unmarshal(raw, &wm); err != nil {
			// As for the whole body: a type mismatch leaves only its field
			// unset; an item that is no object is skipped.
			var te *json.UnmarshalTypeError
			if !errors.As(err, &te) {
				continue
			}
		}
		if wm.ID == "" {
			continue
		}
		m := convertModel(&wm)
		if raw = bytes.TrimSpace(raw); len(raw) > 0 && raw[0] == '{' {
			m.Raw = bytes.Clone(raw)
		}
		out = append(out, m)
	}
	next := ""
	if w.Links.Next != nil {
		next = *w.Links.Next
	}
	return out, next, nil
}

func convertModel(wm *wireModel) domain.Model {
	name, provider := domain.SplitName(wm.ID, wm.Name)
	input := wm.Architecture.InputModalities
	output := wm.Architecture.OutputModalities
	m := domain.Model{
		ID:                  wm.ID,
		Name:                name,
		Provider:            provider,
		Author:              domain.IDAuthor(wm.ID),
		Description:         wm.Description,
		ContextLength:       int(numberInt(wm.ContextLength)),
		InputModalities:     input,
		OutputModalities:    output,
		SupportedParameters: wm.SupportedParameters,
		Types:               domain.Classify(input, output),
	}
	if c := numberInt(wm.Created); c > 0 {
		m.Created = time.Unix(c, 0).UTC()
	}
	m.MaxOutputTokens = int(numberInt(wm.TopProvider.MaxCompletionTokens))
	m.Pricing = convertPricing(wm.Pricing)
	return m
}

// convertPricing maps OpenRouter's pricing object onto domain.Pricing;
// decimal fields aimodels does not know go to Other.
func convertPricing(w map[string]flexNumber) domain.Pricing {
	var p domain.Pricing
	for name, n := range w {
		if n == "" {
			continue
		}
		v := price(n)
		if dst := pricingField(&p, domain.PriceField(name)); dst != nil {
			*dst = v
			continue
		}
		if v.Known {
			if p.Other == nil {
				p.Other = map[string]domain.Price{}
			}
			p.Other[name] = v
		}
	}
	return p
}

func pricingField(p *domain.Pricing, f domain.PriceField) *domain.Price {
	switch f {
	case domain.FieldPrompt:
		return &p.Prompt
	case domain.FieldCompletion:
		return &p.Completion
	case domain.FieldRequest:
		return &p.Request
	case domain.FieldImage:
		return &p.Image
	case domain.FieldImageToken:
		return &p.ImageToken
	case domain.FieldImageOutput:
		return &p.ImageOutput
	case domain.FieldAudio:
		return &p.Audio
	case domain.FieldAudioOutput:
		return &p.AudioOutput
	case domain.FieldInputAudioCache:
		return &p.InputAudioCache
	case domain.FieldInputCacheRead:
		return &p.InputCacheRead
	case domain.FieldInputCacheWrite:
		return &p.InputCacheWrite
	case domain.FieldInputCacheWrite1h:
		return &p.InputCacheWrite1h
	case domain.FieldWebSearch:
		return &p.WebSearch
	case domain.FieldInternalReasoning:
		return &p.InternalReasoning
	}
	return nil
}

func price(n flexNumber) domain.Price {
	if n == "" {
		return domain.Price{}
	}
	return domain.ParsePrice(string(n))
}

// numberInt returns n as a non-negative int64 up to 2^40 (0 when absent,
// negative, not a number or out of range).
func numberInt(n flexNumber) int64 {
	if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
		if i < 0 || i > 1<<40 {
			return 0
		}
		return i
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil || f < 0 || f > 1<<40 {
		return 0
	}
	return int64(f)
}

// ListModels fetches the whole catalog: GET /models?output_modalities=all
// (or /models/user with WithUserModels), following links.next on the same
// host for at most 50 pages. The key is optional for /models.
func (c *Client) ListModels(ctx context.Context, key domain.APIKey) (_ []domain.Model, err error) {
	defer func() { err = redactKey(err, key) }()
	op, path := "GET /models", "/models?output_modalities=all"
	if c.userModels {
		op, path = "GET /models/user", "/models/user"
	}
	pageURL := c.endpoint(path)
	var all []domain.Model
	seen := map[string]bool{}
	total := 0 // bytes of every page so far
	for page := 0; ; page++ {
		if page >= maxPages {
			return nil, &Error{Kind: domain.ErrBadUpstreamResponse, Op: op,
				Message: fmt.Sprintf("catalog has more than %d pages", maxPages)}
		}
		seen[pageURL] = true
		body, err := c.doJSON(ctx, op, "GET", pageURL, key, nil)
		if err != nil {
			return nil, err
		}
		if total += len(body); total > maxCatalogBytes {
			return nil, &Error{Kind: domain.ErrBadUpstreamResponse, Op: op, Status: 200,
				Message: fmt.Sprintf("catalog exceeds %d bytes over its pages", maxCatalogBytes)}
		}
		models, next, err := parseModelsPage(body)
		if err != nil {
			var ue *Error
			if errors.As(err, &ue) {
				ue.Op, ue.Status = op, 200
			}
			return nil, err
		}
		if all == nil {
			all = models
		} else {
			all = append(all, models...)
		}
		if len(all) > maxCatalogModels {
			return nil, &Error{Kind: domain.ErrBadUpstreamResponse, Op: op, Status: 200,
				Message: fmt.Sprintf("catalog has more than %d models", maxCatalogModels)}
		}
		if next == "" {
			return all, nil
		}
		nu, err := c.resolveNext(pageURL, next)
		if err != nil {
			return nil, &Error{Kind: domain.ErrBadUpstreamResponse, Op: op, Status: 200,
				Message: "unusable links.next", Err: err}
		}
		if seen[nu] {
			return all, nil
		}
		pageURL = nu
	}
}

// resolveNext resolves links.next against the current page, refusing
// other hosts so that the key is never sent elsewhere.
func (c *Client) resolveNext(current, next string) (string, error) {
	cu, err := url.Parse(current)
	if err != nil {
		return "", err
	}
	nu, err := url.Parse(next)
	if err != nil {
		return "", err
	}
	r := cu.ResolveReference(nu)
	if r.Scheme != c.base.Scheme || r.Host != c.base.Host {
		return "", errors.New("links.next points to another host")
	}
	return r.String(), nil
}

// flexNumber is a number or a string as sent; any other JSON value
// (null, object, array, bool) leaves it empty instead of failing.
type flexNumber string

// UnmarshalJSON implements json.Unmarshaler without ever failing.
func (n *flexNumber) UnmarshalJSON(b []byte) error {
	*n = ""
	switch {
	case len(b) == 0:
	case b[0] == '"':
		var s string
		if json.Unmarshal(b, &s) == nil {
			*n = flexNumber(s)
		}
	case b[0] == '-' || (b[0] >= '0' && b[0] <= '9'):
		*n = flexNumber(b)
	}
	return nil
}
