package echoapi

import (
	"bytes"
	"errors"
	"fmt"
	json "github.com/goccy/go-json"
	"time"

	"github.com/aimodels/aimodels/core/domain"
)

// ErrMalformedJSON is wrapped by the error of a body that is not JSON at all.
var ErrMalformedJSON = errors.New("malformed JSON")

// DecodeChatRequest reads an OpenAI-compatible chat completion body: a
// JSON object whose model, messages and stream members aimodels reads and
// whose every other member (temperature, tools, …) is kept in Extra as
// sent, except aimodels' own prompt (a stored prompt's name) and variables
// (its placeholders' values), which are read and not forwarded. The body is parsed once; a key given twice counts once, the last
// one, both for what is validated and for what is forwarded. A body that
// is not JSON wraps ErrMalformedJSON; one of the wrong shape is a
// *domain.ValidationError.
func DecodeChatRequest(body []byte) (*domain.ChatRequest, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		var te *json.UnmarshalTypeError
		if !errors.As(err, &te) {
			return nil, fmt.Errorf("%w: %v", ErrMalformedJSON, err)
		}
		return nil, &domain.ValidationError{Field: "body", Reason: "must be a JSON object"}
	}
	if top == nil {
		return nil, &domain.ValidationError{Field: "body", Reason: "must be a JSON object"}
	}
	req := &domain.ChatRequest{}
	if v, ok := top["model"]; ok {
		if json.Unmarshal(v, &req.Model) != nil {
			return nil, &domain.ValidationError{Field: "model", Reason: "must be a string"}
		}
		delete(top, "model")
	}
	if v, ok := top["messages"]; ok {
		var msgs []chatMessage
		if err := json.Unmarshal(v, &msgs); err != nil {
			var ve *domain.ValidationError
			if errors.As(err, &ve) {
				return nil, ve
			}
			return nil, &domain.ValidationError{Field: "messages", Reason: "must be an array of messages"}
		}
		if msgs != nil {
			req.Messages = make([]domain.Message, len(msgs))
			for i := range msgs {
				req.Messages[i] = msgs[i].domain()
			}
		}
		delete(top, "messages")
	}
	if v, ok := top["stream"]; ok {
		if json.Unmarshal(v, &req.Stream) != nil {
			return nil, &domain.ValidationError{Field: "stream", Reason: "must be a boolean"}
		}
		delete(top, "stream")
	}
	// aimodels' own members: a stored prompt to apply, and its values.
	// They are read here and never forwarded.
	if v, ok := top["prompt"]; ok {
		if json.Unmarshal(v, &req.Prompt) != nil {
			return nil, &domain.ValidationError{Field: "prompt", Reason: "must be the name of a stored prompt"}
		}
		delete(top, "prompt")
	}
	if v, ok := top["variables"]; ok {
		if json.Unmarshal(v, &req.Variables) != nil {
			return nil, &domain.ValidationError{Field: "variables", Reason: "must be an object of string values"}
		}
		delete(top, "variables")
	}
	if len(top) > 0 {
		req.Extra = top
	}
	return req, nil
}

// chatMessage is one message of a chat completion body.
type chatMessage struct {
	Role       string          `json:"role"`
	Content    chatContent     `json:"content"`
	Name       string          `json:"name"`
	ToolCallID string          `json:"tool_call_id"`
	ToolCalls  json.RawMessage `json:"tool_calls"`
}

func (m *chatMessage) domain() domain.Message {
	return domain.Message{Role: m.Role, Content: domain.Content(m.Content), Name: m.Name, ToolCallID: m.ToolCallID, ToolCalls: m.ToolCalls}
}

// chatContent is a message's content: a string, a list of parts or null.
type chatContent domain.Content

// UnmarshalJSON reads a string, a part list or null; anything else is a
// validation error.
func (c *chatContent) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*c = chatContent{Null: true}
		return nil
	case len(b) > 0 && b[0] == '[':
		var parts []chatPart
		if err := json.Unmarshal(b, &parts); err != nil {
			return err
		}
		out := make([]domain.ContentPart, len(parts))
		for i, p := range parts {
			out[i] = domain.ContentPart{Type: p.Type, Text: p.Text, File: p.File, CacheControl: p.CacheControl}
			if p.ImageURL != nil {
				out[i].ImageURL = &domain.ImageURL{URL: p.ImageURL.URL, Detail: p.ImageURL.Detail}
			}
			if p.InputAudio != nil {
				out[i].InputAudio = &domain.InputAudio{Data: p.InputAudio.Data, Format: p.InputAudio.Format}
			}
		}
		*c = chatContent{Parts: out}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return &domain.ValidationError{Field: "content", Reason: "must be a string, an array of parts or null"}
	}
	*c = chatContent{Text: s}
	return nil
}

// chatPart is one part of a multi-part message.
type chatPart struct {
	Type     string `json:"type"`
	Text     string `json:"text"`
	ImageURL *struct {
		URL    string `json:"url"`
		Detail string `json:"detail"`
	} `json:"image_url"`
	InputAudio *struct {
		Data   string `json:"data"`
		Format string `json:"format"`
	} `json:"input_audio"`
	File         json.RawMessage `json:"file"`
	CacheControl json.RawMessage `json:"cache_control"`
}

// chatCompletionDTO is a chat completion in OpenAI's shape, for an answer
// that has no upstream body to pass through (a transcription answered as
// a chat completion).
type chatCompletionDTO struct {
	ID      string          `json:"id"`
	Object  string          `json:"object"`
	Created int64           `json:"created"`
	Model   string          `json:"model"`
	Choices []chatChoiceDTO `json:"choices"`
	Usage   chatUsageDTO    `json:"usage"`
}

type chatChoiceDTO struct {
	Index        int    `json:"index"`
	FinishReason string `json:"finish_reason"`
	Message      struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	} `json:"message"`
}

type chatUsageDTO struct {
	PromptTokens     int         `json:"prompt_tokens"`
	CompletionTokens int         `json:"completion_tokens"`
	TotalTokens      int         `json:"total_tokens"`
	Cost             json.Number `json:"cost"`
}

func openAIResponse(r *domain.ChatResponse, now time.Time) chatCompletionDTO {
	d := chatCompletionDTO{ID: r.ID, Object: "chat.completion", Created: now.Unix(), Model: r.Model,
		Choices: make([]chatChoiceDTO, len(r.Choices)),
		Usage: chatUsageDTO{PromptTokens: r.Usage.PromptTokens, CompletionTokens: r.Usage.CompletionTokens,
			TotalTokens: r.Usage.TotalTokens, Cost: number(r.Usage.Cost)}}
	for i, ch := range r.Choices {
		d.Choices[i] = chatChoiceDTO{Index: i, FinishReason: ch.FinishReason}
		d.Choices[i].Message.Role, d.Choices[i].Message.Content = "assistant", ch.Content
	}
	return d
}

// number writes an exact decimal as a JSON number.
func number(d domain.Decimal) json.Number { return json.Number(d.String()) }

// transcriptionDTO is the answer of POST /audio/transcriptions.
type transcriptionDTO struct {
	Text  string `json:"text"`
	Model string `json:"model,omitempty"`
	Usage struct {
		Cost         json.Number `json:"cost"`
		Seconds      float64     `json:"seconds,omitempty"`
		InputTokens  int         `json:"input_tokens,omitempty"`
		OutputTokens int         `json:"output_tokens,omitempty"`
		TotalTokens  int         `json:"total_tokens,omitempty"`
	} `json:"usage"`
}

func transcriptionOut(t *domain.Transcription) transcriptionDTO {
	d := transcriptionDTO{Text: t.Text, Model: t.Model}
	u := &d.Usage
	u.Cost, u.Seconds, u.InputTokens, u.OutputTokens, u.TotalTokens = number(t.Usage.Cost), t.Usage.Seconds, t.Usage.InputTokens, t.Usage.OutputTokens, t.Usage.TotalTokens
	return d
}
