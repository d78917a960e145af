package openrouter

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"

	"github.com/aimodels/aimodels/core/domain"
)

const opChat = "POST /chat/completions"

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
	Usage *struct {
		PromptTokens     int     `json:"prompt_tokens"`
		CompletionTokens int     `json:"completion_tokens"`
		TotalTokens      int     `json:"total_tokens"`
		Cost             float64 `json:"cost"`
	} `json:"usage"`
	Error *apiError `json:"error"`
}

// ParseChatResponse parses a chat completion body; Raw keeps the body.
// A body with an "error" object is an error even with status 200.
//
// A well-formed completion is read in one validation pass and one walk
// (core/domain/jsonscan); anything else (an error object, a field of an
// unexpected type, a duplicate or differently-cased key) is read by
// encoding/json, so the result is always encoding/json's
// (FuzzParseChatResponseFastPath).
func ParseChatResponse(body []byte) (*domain.ChatResponse, error) {
	if r, ok := parseChatFast(body); ok {
		return r, nil
	}
	return parseChatSlow(body)
}

// parseChatSlow reads a completion with encoding/json: the reference.
func parseChatSlow(body []byte) (*domain.ChatResponse, error) {
	var w wireChat
	if err := lenient(body, &w); err != nil {
		return nil, badJSON(opChat, 200, err)
	}
	if w.Error != nil {
		return nil, inBodyError(opChat, 200, w.Error)
	}
	if w.Choices == nil {
		return nil, &domain.UpstreamError{Kind: domain.ErrBadUpstreamResponse, Op: opChat, Status: 200,
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
		r.Usage = domain.Usage{PromptTokens: w.Usage.PromptTokens, CompletionTokens: w.Usage.CompletionTokens,
			TotalTokens: w.Usage.TotalTokens, Cost: w.Usage.Cost}
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
// Stream flag is ignored).
func (c *Client) ChatCompletion(ctx context.Context, key domain.APIKey, req *domain.ChatRequest) (_ *domain.ChatResponse, err error) {
	defer func() { err = redactKey(err, key) }()
	payload, err := chatPayload(req, false)
	if err != nil {
		if req != nil {
			err = fmt.Errorf("openrouter: encode chat request: %w", err)
		}
		return nil, err
	}
	body, err := c.doJSON(ctx, opChat, "POST", c.endpoint("/chat/completions"), key, payload)
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
	r := *req
	r.Stream = stream
	payload, err := r.MarshalJSON()
	if err != nil {
		return nil, &domain.ValidationError{Field: "body", Reason: err.Error()}
	}
	return payload, nil
}

const opTranscribe = "POST /audio/transcriptions"

// Transcribe sends audio to POST /audio/transcriptions as base64 JSON.
// The request's Model must already be a model id.
func (c *Client) Transcribe(ctx context.Context, key domain.APIKey, req *domain.TranscriptionRequest) (_ *domain.Transcription, err error) {
	defer func() { err = redactKey(err, key) }()
	if req == nil {
		return nil, &domain.ValidationError{Field: "request", Reason: "is required"}
	}
	type inputAudio struct {
		Data   string `json:"data"`
		Format string `json:"format"`
	}
	payload, err := json.Marshal(struct {
		Model      string     `json:"model"`
		InputAudio inputAudio `json:"input_audio"`
		Language   string     `json:"language,omitempty"`
		Prompt     string     `json:"prompt,omitempty"`
	}{req.Model, inputAudio{base64.StdEncoding.EncodeToString(req.Audio), req.Format}, req.Language, req.Prompt})
	if err != nil {
		return nil, fmt.Errorf("openrouter: encode transcription request: %w", err)
	}
	body, err := c.doJSON(ctx, opTranscribe, "POST", c.endpoint("/audio/transcriptions"), key, payload)
	if err != nil {
		return nil, err
	}
	return ParseTranscription(body, req.Model)
}

// ParseTranscription parses a /audio/transcriptions body; model is used
// when the body does not name one.
func ParseTranscription(body []byte, model string) (*domain.Transcription, error) {
	var w struct {
		Text  *string                   `json:"text"`
		Model string                    `json:"model"`
		Usage domain.TranscriptionUsage `json:"usage"`
		Error *apiError                 `json:"error"`
	}
	if err := lenient(body, &w); err != nil {
		return nil, badJSON(opTranscribe, 200, err)
	}
	if w.Error != nil {
		return nil, inBodyError(opTranscribe, 200, w.Error)
	}
	if w.Text == nil {
		return nil, &domain.UpstreamError{Kind: domain.ErrBadUpstreamResponse, Op: opTranscribe, Status: 200,
			Message: `response has no "text"`}
	}
	t := &domain.Transcription{Text: *w.Text, Model: w.Model, Usage: w.Usage}
	if t.Model == "" {
		t.Model = model
	}
	return t, nil
}
