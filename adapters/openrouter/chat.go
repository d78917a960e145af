package openrouter

import (
	"context"
	"encoding/base64"
	"fmt"
	json "github.com/goccy/go-json"

	"github.com/aimodels/aimodels/core/domain"
)

const opChat = "POST /chat/completions"

// wireChat is the part of a chat completion body that aimodels reads.
type wireChat struct {
	ID       string `json:"id"`
	Model    string `json:"model"`
	Provider string `json:"provider"`
	Choices  []struct {
		Index        int     `json:"index"`
		FinishReason *string `json:"finish_reason"`
		Message      *struct {
			Content json.RawMessage `json:"content"`
		} `json:"message"`
	} `json:"choices"`
	Usage *wireUsage `json:"usage"`
	Error *apiError  `json:"error"`
}

// wireUsage is a completion's usage object: the counts, the exact cost
// (usage accounting is always on, OpenRouter's docs say) and the details.
type wireUsage struct {
	PromptTokens        int         `json:"prompt_tokens"`
	CompletionTokens    int         `json:"completion_tokens"`
	TotalTokens         int         `json:"total_tokens"`
	Cost                json.Number `json:"cost"`
	PromptTokensDetails *struct {
		CachedTokens int `json:"cached_tokens"`
		AudioTokens  int `json:"audio_tokens"`
	} `json:"prompt_tokens_details"`
	CompletionTokensDetails *struct {
		ReasoningTokens int `json:"reasoning_tokens"`
		ImageTokens     int `json:"image_tokens"`
	} `json:"completion_tokens_details"`
}

// domain returns u as the core's usage.
func (u *wireUsage) domain() domain.Usage {
	d := domain.Usage{PromptTokens: u.PromptTokens, CompletionTokens: u.CompletionTokens, TotalTokens: u.TotalTokens}
	if c, err := domain.ParseDecimal(string(u.Cost)); err == nil {
		d.Cost, d.CostKnown = c, true
	}
	if p := u.PromptTokensDetails; p != nil {
		d.CachedTokens, d.AudioTokens = p.CachedTokens, p.AudioTokens
	}
	if c := u.CompletionTokensDetails; c != nil {
		d.ReasoningTokens, d.ImageTokens = c.ReasoningTokens, c.ImageTokens
	}
	return d
}

// ParseChatResponse parses a chat completion body; Raw keeps the body.
// A body with an "error" object is an error even with status 200. Fields
// of an unexpected type are left unset rather than failing the parse.
func ParseChatResponse(body []byte) (*domain.ChatResponse, error) {
	var w wireChat
	if err := lenient(body, &w); err != nil {
		return nil, badJSON(opChat, 200, err)
	}
	if w.Error != nil {
		return nil, inBodyError(opChat, 200, w.Error)
	}
	if w.Choices == nil {
		return nil, &Error{Kind: domain.ErrBadUpstreamResponse, Op: opChat, Status: 200,
			Message: `response has no "choices"`}
	}
	r := &domain.ChatResponse{ID: w.ID, Model: w.Model, Provider: w.Provider, Raw: json.RawMessage(body)}
	r.Choices = make([]domain.Choice, 0, len(w.Choices))
	for _, ch := range w.Choices {
		dc := domain.Choice{Index: ch.Index}
		if ch.FinishReason != nil {
			dc.FinishReason = *ch.FinishReason
		}
		if ch.Message != nil {
			dc.Content = contentText(ch.Message.Content)
		}
		r.Choices = append(r.Choices, dc)
	}
	if w.Usage != nil {
		r.Usage = w.Usage.domain()
	}
	return r, nil
}

// contentText returns a message content as text: the string itself, or
// the text parts of a part list joined; null gives "".
func contentText(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var parts []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if json.Unmarshal(raw, &parts) == nil {
		out := ""
		for _, p := range parts {
			if p.Type == "text" {
				out += p.Text
			}
		}
		return out
	}
	return ""
}

// ChatCompletion sends a non-streaming chat completion (the request's
// Stream flag is ignored); with SendOnce, a 429 or 503 is not retried.
func (c *Client) ChatCompletion(ctx context.Context, key domain.APIKey, req *domain.ChatRequest) (_ *domain.ChatResponse, err error) {
	defer func() { err = redactKey(err, key) }()
	payload, err := chatPayload(req, false)
	if err != nil {
		if req != nil {
			err = fmt.Errorf("openrouter: encode chat request: %w", err)
		}
		return nil, err
	}
	body, err := c.doJSONWith(ctx, req.SendOnce, opChat, "POST", c.endpoint("/chat/completions"), key, payload)
	if err != nil {
		return nil, err
	}
	return ParseChatResponse(body)
}

// chatPayload is the upstream body of req with its stream flag set.
func chatPayload(req *domain.ChatRequest, stream bool) ([]byte, error) {
	if req == nil {
		return nil, &domain.ValidationError{Field: "request", Reason: "is required"}
	}
	return EncodeChatRequest(req, stream)
}

// wireMessage is a chat message as OpenRouter reads it.
type wireMessage struct {
	Role       string          `json:"role"`
	Content    any             `json:"content"` // string, []wirePart or nil
	Name       string          `json:"name,omitempty"`
	ToolCallID string          `json:"tool_call_id,omitempty"`
	ToolCalls  json.RawMessage `json:"tool_calls,omitempty"`
}

// wirePart is one part of a multi-part message.
type wirePart struct {
	Type         string          `json:"type"`
	Text         string          `json:"text,omitempty"`
	ImageURL     *wireImageURL   `json:"image_url,omitempty"`
	InputAudio   *wireInputAudio `json:"input_audio,omitempty"`
	File         json.RawMessage `json:"file,omitempty"`
	CacheControl json.RawMessage `json:"cache_control,omitempty"`
}

type wireImageURL struct {
	URL    string `json:"url"`
	Detail string `json:"detail,omitempty"`
}

type wireInputAudio struct {
	Data   string `json:"data"`
	Format string `json:"format"`
}

// EncodeChatRequest returns the JSON body OpenRouter's POST
// /chat/completions gets for req: its model, messages and stream flag,
// its models list (OpenRouter's fallbacks: "models", when req.Models has
// any), and every parameter in req.Extra forwarded unchanged (model,
// messages, stream and a non-empty Models always win over Extra). An
// Extra value that is not valid JSON is a validation error.
func EncodeChatRequest(req *domain.ChatRequest, stream bool) ([]byte, error) {
	body := make(map[string]any, len(req.Extra)+4)
	for k, v := range req.Extra {
		if !json.Valid(v) {
			return nil, &domain.ValidationError{Field: k, Reason: "is not valid JSON"}
		}
		body[k] = v
	}
	msgs := make([]wireMessage, len(req.Messages))
	for i, m := range req.Messages {
		if len(m.ToolCalls) > 0 && !json.Valid(m.ToolCalls) {
			return nil, &domain.ValidationError{Field: "tool_calls", Reason: "is not valid JSON"}
		}
		msgs[i] = wireMessage{Role: m.Role, Content: wireContent(m.Content), Name: m.Name, ToolCallID: m.ToolCallID, ToolCalls: m.ToolCalls}
	}
	body["model"] = req.Model
	body["messages"] = msgs
	if len(req.Models) > 0 {
		body["models"] = req.Models
	}
	delete(body, "stream")
	if stream {
		body["stream"] = true
		if _, ok := body["usage"]; !ok {
			// The usage ledger reads the cost from the last chunk.
			// OpenRouter now always sends it and calls this flag
			// deprecated; it is kept for gateways that still need it.
			body["usage"] = usageInclude
		}
	}
	b, err := json.Marshal(body)
	if err != nil {
		return nil, &domain.ValidationError{Field: "body", Reason: err.Error()}
	}
	return b, nil
}

// usageInclude asks a stream for its usage: {"include": true}.
var usageInclude = json.RawMessage(`{"include":true}`)

// wireContent is a message's content as JSON: a string, a part list or null.
func wireContent(c domain.Content) any {
	switch {
	case c.Parts != nil:
		parts := make([]wirePart, len(c.Parts))
		for i, p := range c.Parts {
			wp := wirePart{Type: p.Type, Text: p.Text, File: p.File, CacheControl: p.CacheControl}
			if p.ImageURL != nil {
				wp.ImageURL = &wireImageURL{p.ImageURL.URL, p.ImageURL.Detail}
			}
			if p.InputAudio != nil {
				wp.InputAudio = &wireInputAudio{p.InputAudio.Data, p.InputAudio.Format}
			}
			parts[i] = wp
		}
		return parts
	case c.Null:
		return nil
	}
	return c.Text
}

const opTranscribe = "POST /audio/transcriptions"

// Transcribe sends audio to POST /audio/transcriptions as base64 JSON.
// The request's Model must already be a model id. With SendOnce, a 429
// or 503 is not retried.
func (c *Client) Transcribe(ctx context.Context, key domain.APIKey, req *domain.TranscriptionRequest) (_ *domain.Transcription, err error) {
	defer func() { err = redactKey(err, key) }()
	if req == nil {
		return nil, &domain.ValidationError{Field: "request", Reason: "is required"}
	}
	payload, err := json.Marshal(struct {
		Model      string         `json:"model"`
		InputAudio wireInputAudio `json:"input_audio"`
		Language   string         `json:"language,omitempty"`
		Prompt     string         `json:"prompt,omitempty"`
	}{req.Model, wireInputAudio{base64.StdEncoding.EncodeToString(req.Audio), req.Format}, req.Language, req.Prompt})
	if err != nil {
		return nil, fmt.Errorf("openrouter: encode transcription request: %w", err)
	}
	body, err := c.doJSONWith(ctx, req.SendOnce, opTranscribe, "POST", c.endpoint("/audio/transcriptions"), key, payload)
	if err != nil {
		return nil, err
	}
	return ParseTranscription(body, req.Model)
}

// ParseTranscription parses a /audio/transcriptions body; model is used
// when the body does not name one.
func ParseTranscription(body []byte, model string) (*domain.Transcription, error) {
	var w struct {
		Text  *string `json:"text"`
		Model string  `json:"model"`
		Usage struct {
			Cost         json.Number `json:"cost"`
			Seconds      float64     `json:"seconds"`
			InputTokens  int         `json:"input_tokens"`
			OutputTokens int         `json:"output_tokens"`
			TotalTokens  int         `json:"total_tokens"`
		} `json:"usage"`
		Error *apiError `json:"error"`
	}
	if err := lenient(body, &w); err != nil {
		return nil, badJSON(opTranscribe, 200, err)
	}
	if w.Error != nil {
		return nil, inBodyError(opTranscribe, 200, w.Error)
	}
	if w.Text == nil {
		return nil, &Error{Kind: domain.ErrBadUpstreamResponse, Op: opTranscribe, Status: 200,
			Message: `response has no "text"`}
	}
	u := w.Usage
	t := &domain.Transcription{Text: *w.Text, Model: w.Model, Usage: domain.TranscriptionUsage{
		Cost: money(u.Cost), Seconds: u.Seconds, InputTokens: u.InputTokens, OutputTokens: u.OutputTokens, TotalTokens: u.TotalTokens}}
	if _, err := domain.ParseDecimal(string(u.Cost)); err == nil {
		t.Usage.CostKnown = true
	}
	if t.Model == "" {
		t.Model = model
	}
	return t, nil
}
