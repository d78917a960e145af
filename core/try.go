package core

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"maps"
	"strconv"

	"github.com/aimodels/aimodels/core/domain"
)

// Try sends a tiny real request of req.Type to req.Model (empty: the
// scope's model of that type) through the normal request path, so that a
// model can be tried before it is chosen: text gets
// domain.TryTextInstruction; image, req.Image with
// domain.TryImageInstruction; audio, req.Audio to transcribe. A model
// that is named must be in the catalog and serve the type. Errors are
// those of Complete and Transcribe.
func (rq *Requests) Try(ctx context.Context, scope string, req domain.TryRequest) (*domain.TryResult, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	if req.Model != "" {
		view, err := rq.models.catalog.get(ctx, false)
		if err != nil {
			return nil, err
		}
		if _, err := view.Catalog.Validate(req.Model, req.Type); err != nil {
			return nil, err
		}
	}
	ctx = WithUsageEndpoint(ctx, domain.EndpointTry) // the usage ledger's rows say "try"
	start := rq.clock.Now()
	res := &domain.TryResult{}
	switch req.Type {
	case domain.TypeAudio:
		t, err := rq.Transcribe(ctx, scope, &domain.TranscriptionRequest{Model: req.Model, Audio: req.Audio, Format: req.AudioFormat})
		if err != nil {
			return nil, err
		}
		res.Model, res.Answer = t.Model, t.Text
		res.PromptTokens, res.CompletionTokens, res.TotalTokens = t.Usage.InputTokens, t.Usage.OutputTokens, t.Usage.TotalTokens
		res.AudioSeconds = t.Usage.Seconds
		res.Cost, res.CostKnown = t.Usage.Cost, t.Usage.CostKnown
	default:
		chat := &domain.ChatRequest{Model: req.Model, Extra: maps.Clone(tryExtra)}
		if chat.Model == "" {
			chat.Model = string(req.Type)
		}
		parts := []domain.ContentPart{{Type: domain.PartText, Text: domain.TryTextInstruction}}
		if req.Type == domain.TypeImage {
			parts = []domain.ContentPart{
				{Type: domain.PartText, Text: domain.TryImageInstruction},
				{Type: domain.PartImageURL, ImageURL: &domain.ImageURL{URL: "data:" + req.ImageMIME + ";base64," + base64.StdEncoding.EncodeToString(req.Image)}},
			}
		}
		chat.Messages = []domain.Message{{Role: "user", Content: domain.Content{Parts: parts}}}
		resp, err := rq.Complete(ctx, scope, chat)
		if err != nil {
			return nil, err
		}
		res.Model, res.Answer = resp.Model, resp.Text()
		u := resp.Usage
		res.PromptTokens, res.CompletionTokens, res.TotalTokens = u.PromptTokens, u.CompletionTokens, u.TotalTokens
		res.Cost, res.CostKnown = u.Cost, u.CostKnown
	}
	res.Latency = rq.clock.Now().Sub(start)
	return res, nil
}

// tryExtra bounds a try's answer and asks for OpenRouter's usage
// accounting (its cost); each try sends a copy.
var tryExtra = map[string]json.RawMessage{
	"max_tokens": json.RawMessage(strconv.Itoa(domain.TryMaxTokens)),
	"usage":      json.RawMessage(`{"include":true}`),
}
