package openrouter

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/aimodels/aimodels/core/domain"
)

// wireModels is the body of GET /models. Numbers and prices are
// flexNumber, which accepts JSON numbers and strings and ignores the rest.
type wireModels struct {
	Data  *[]wireModel `json:"data"`
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
		InputModalities  internedStrings `json:"input_modalities"`
		OutputModalities internedStrings `json:"output_modalities"`
	} `json:"architecture"`
	Pricing struct {
		Prompt            flexNumber `json:"prompt"`
		Completion        flexNumber `json:"completion"`
		Request           flexNumber `json:"request"`
		Image             flexNumber `json:"image"`
		Audio             flexNumber `json:"audio"`
		InputCacheRead    flexNumber `json:"input_cache_read"`
		InputCacheWrite   flexNumber `json:"input_cache_write"`
		WebSearch         flexNumber `json:"web_search"`
		InternalReasoning flexNumber `json:"internal_reasoning"`
	} `json:"pricing"`
	SupportedParameters internedStrings `json:"supported_parameters"`
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
		return nil, "", &domain.UpstreamError{Kind: domain.ErrBadUpstreamResponse, Op: "GET /models",
			Message: `response has no "data" array`}
	}
	wire := *w.Data
	out := make([]domain.Model, 0, len(wire))
	for i := range wire {
		wm := &wire[i]
		if wm.ID == "" {
			continue
		}
		out = append(out, convertModel(wm))
	}
	next := ""
	if w.Links.Next != nil {
		next = *w.Links.Next
	}
	return out, next, nil
}

func convertModel(wm *wireModel) domain.Model {
	name, provider := domain.SplitName(wm.ID, wm.Name)
	input := []string(wm.Architecture.InputModalities)
	output := []string(wm.Architecture.OutputModalities)
	m := domain.Model{
		ID:                  wm.ID,
		Name:                name,
		Provider:            provider,
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
	p := &wm.Pricing
	m.Pricing = domain.Pricing{
		Prompt:            price(p.Prompt),
		Completion:        price(p.Completion),
		Request:           price(p.Request),
		Image:             price(p.Image),
		Audio:             price(p.Audio),
		InputCacheRead:    price(p.InputCacheRead),
		InputCacheWrite:   price(p.InputCacheWrite),
		WebSearch:         price(p.WebSearch),
		InternalReasoning: price(p.InternalReasoning),
	}
	return m
}

func price(n flexNumber) domain.Price {
	if len(n) == 0 {
		return domain.Price{}
	}
	return domain.ParsePrice(intern(n))
}

// numberInt returns n as a non-negative int64 within int32 range (0 when
// absent, negative, fractional garbage or out of range).
func numberInt(n flexNumber) int64 {
	if len(n) == 0 {
		return 0
	}
	// Fast path: a plain decimal integer of at most 13 digits (1<<40 has 13).
	if len(n) <= 13 {
		var v int64
		digits := true
		for _, c := range n {
			if c < '0' || c > '9' {
				digits = false
				break
			}
			v = v*10 + int64(c-'0')
		}
		if digits {
			if v > 1<<40 {
				return 0
			}
			return v
		}
	}
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
	for page := 0; ; page++ {
		if page >= maxPages {
			return nil, &domain.UpstreamError{Kind: domain.ErrBadUpstreamResponse, Op: op,
				Message: fmt.Sprintf("catalog has more than %d pages", maxPages)}
		}
		seen[pageURL] = true
		body, err := c.doJSON(ctx, op, "GET", pageURL, key, nil)
		if err != nil {
			return nil, err
		}
		models, next, err := parseModelsPage(body)
		if err != nil {
			var ue *domain.UpstreamError
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
		if next == "" {
			return all, nil
		}
		nu, err := c.resolveNext(pageURL, next)
		if err != nil {
			return nil, &domain.UpstreamError{Kind: domain.ErrBadUpstreamResponse, Op: op, Status: 200,
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

// internedStrings is a JSON array of strings whose values are interned
// (see intern): the catalog repeats a small vocabulary (modalities,
// parameter names) thousands of times. An array of plain strings is
// scanned directly; anything else (escapes, invalid UTF-8, other element
// types, null, non-arrays) is decoded by encoding/json exactly as a
// []string field would be.
type internedStrings []string

// UnmarshalJSON implements json.Unmarshaler without ever failing: a value
// that is not an array of strings leaves what encoding/json leaves.
func (r *internedStrings) UnmarshalJSON(b []byte) error {
	if plain, ok := scanPlainStrings(b); ok {
		*r = plain
		return nil
	}
	var s []string
	_ = json.Unmarshal(b, &s) // a type mismatch leaves s as encoding/json does
	*r = s
	return nil
}

func isJSONSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// scanPlainStrings parses b, a valid JSON value, when it is an array of
// strings without escapes and in valid UTF-8; ok is false otherwise.
// An empty array gives a non-nil empty result.
func scanPlainStrings(b []byte) (out []string, ok bool) {
	i := 0
	skip := func() {
		for i < len(b) && isJSONSpace(b[i]) {
			i++
		}
	}
	skip()
	if i >= len(b) || b[i] != '[' {
		return nil, false
	}
	i++
	skip()
	if i < len(b) && b[i] == ']' {
		return []string{}, true
	}
	out = make([]string, 0, bytes.Count(b[i:], []byte{'"'})/2)
	for {
		skip()
		if i >= len(b) || b[i] != '"' {
			return nil, false
		}
		j := bytes.IndexByte(b[i+1:], '"')
		if j < 0 {
			return nil, false
		}
		s := b[i+1 : i+1+j]
		if bytes.IndexByte(s, '\\') >= 0 || !utf8.Valid(s) {
			return nil, false
		}
		out = append(out, intern(s))
		i += j + 2
		skip()
		if i >= len(b) {
			return nil, false
		}
		switch b[i] {
		case ',':
			i++
		case ']':
			return out, true
		default:
			return nil, false
		}
	}
}

// Interning bounds: short values only, and a fixed number of them, so
// that a hostile catalog cannot grow the table without limit.
const (
	maxInternLen   = 64
	maxInternCount = 4096
)

var internTab = struct {
	sync.Mutex
	m map[string]string
}{m: map[string]string{}}

// intern returns b as a string shared with every earlier equal value
// (short values, up to maxInternCount of them); other values are copied.
func intern(b []byte) string {
	if len(b) > maxInternLen {
		return string(b)
	}
	internTab.Lock()
	defer internTab.Unlock()
	if s, ok := internTab.m[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(internTab.m) < maxInternCount {
		internTab.m[s] = s
	}
	return s
}

// flexNumber is a number or a string as sent; any other JSON value
// (null, object, array, bool) leaves it empty instead of failing. It
// points into the body being parsed (which outlives the wire structs)
// unless the string had escapes.
type flexNumber []byte

// UnmarshalJSON implements json.Unmarshaler without ever failing.
func (n *flexNumber) UnmarshalJSON(b []byte) error {
	switch {
	case len(b) == 0:
		*n = nil
	case b[0] == '"':
		if bytes.IndexByte(b[1:len(b)-1], '\\') < 0 {
			*n = flexNumber(b[1 : len(b)-1])
			return nil
		}
		var s string
		if json.Unmarshal(b, &s) != nil {
			s = ""
		}
		*n = flexNumber(s)
	case b[0] == '-' || (b[0] >= '0' && b[0] <= '9'):
		*n = flexNumber(b)
	default:
		*n = nil
	}
	return nil
}
