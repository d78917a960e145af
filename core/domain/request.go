package domain

import (
	"encoding/json"
	"strings"
)

// ChatRequest is a chat completion request. Model may be a ModelType name
// ("text", "image", "audio"), meaning the scope's selected model of that
// type, or an explicit model id. The parameters aimodels does not
// interpret (temperature, tools, …) travel in Extra, opaque to the core.
type ChatRequest struct {
	Model    string
	Messages []Message
	Stream   bool
	// Models is OpenRouter's "models" list, the models it may route the
	// request to in order when one cannot serve; nil for none. When Model
	// names a type whose selection has fallbacks, the core sends the
	// chosen model then the fallbacks here, unless the caller gave its own
	// list (here or as "models" in Extra), which is sent as given. A
	// request naming a model id gets no list from the core.
	Models []string
	// SendOnce asks the gateway to send the request once, without its own
	// retries of a rate limit or an unavailable upstream: the core sets it
	// when it has another model to try next.
	SendOnce bool
	// Prompt names a stored prompt of the scope ("name", or "name@3" for
	// its version 3) whose text, its placeholders filled from Variables,
	// is sent as the first (system) message. "" names none: a request to
	// a type ("text", "image", "audio") then gets the scope's default
	// prompt of that type, if one is marked.
	Prompt    string
	Variables map[string]string
	// AppliedPrompt and AppliedVersion name the stored prompt the core
	// applied (Prompt is then cleared), for the usage ledger; never sent.
	AppliedPrompt  string
	AppliedVersion int
	// Extra maps each other parameter's name to its JSON value as the
	// caller sent it; the gateway forwards it unchanged.
	Extra map[string]json.RawMessage
}

// Message is one chat message.
type Message struct {
	Role       string
	Content    Content
	Name       string
	ToolCallID string
	// ToolCalls is the JSON value of an assistant message's tool calls,
	// forwarded unchanged.
	ToolCalls json.RawMessage
}

// Content is a message's content: plain text, or a list of parts (text,
// image_url, input_audio, file).
type Content struct {
	Text  string
	Parts []ContentPart
	// Null marks a message without content (an assistant message that
	// only calls tools), which is not the same as empty text.
	Null bool
}

// TextContent returns plain text content.
func TextContent(s string) Content { return Content{Text: s} }

// ContentPart is one part of a multi-part message.
type ContentPart struct {
	Type       string
	Text       string
	ImageURL   *ImageURL
	InputAudio *InputAudio
	// File passes through unchanged (OpenRouter's PDF input). Other part
	// types are refused by Validate rather than silently dropped.
	File json.RawMessage
	// CacheControl passes through unchanged.
	CacheControl json.RawMessage
}

// ImageURL is an image by URL or data URL.
type ImageURL struct {
	URL    string
	Detail string
}

// InputAudio is base64 audio with its format ("wav", "mp3", …).
type InputAudio struct {
	Data   string
	Format string
}

// Content part types.
const (
	PartText       = "text"
	PartImageURL   = "image_url"
	PartInputAudio = "input_audio"
	PartFile       = "file"
)

// HasPart reports whether any message has a part of the given type.
func (r *ChatRequest) HasPart(partType string) bool {
	for i := range r.Messages {
		for j := range r.Messages[i].Content.Parts {
			if r.Messages[i].Content.Parts[j].Type == partType {
				return true
			}
		}
	}
	return false
}

// Validate checks the request's shape.
func (r *ChatRequest) Validate() error {
	if strings.TrimSpace(r.Model) == "" {
		return &ValidationError{Field: "model", Reason: "is required (text, image, audio or a model id)"}
	}
	if len(r.Model) > 200 || strings.ContainsAny(r.Model, " \t\r\n\x00") {
		return &ValidationError{Field: "model", Reason: "is not a valid model id"}
	}
	if len(r.Messages) == 0 {
		return &ValidationError{Field: "messages", Reason: "must not be empty"}
	}
	for i := range r.Messages {
		switch r.Messages[i].Role {
		case "system", "developer", "user", "assistant", "tool":
		default:
			return &ValidationError{Field: "messages", Reason: "role must be system, developer, user, assistant or tool"}
		}
		for _, p := range r.Messages[i].Content.Parts {
			switch p.Type {
			case PartText:
			case PartImageURL:
				if p.ImageURL == nil || p.ImageURL.URL == "" {
					return &ValidationError{Field: "messages", Reason: "image_url part needs image_url.url"}
				}
			case PartInputAudio:
				if p.InputAudio == nil || p.InputAudio.Data == "" || p.InputAudio.Format == "" {
					return &ValidationError{Field: "messages", Reason: "input_audio part needs input_audio.data and input_audio.format"}
				}
			case PartFile:
			default:
				return &ValidationError{Field: "messages", Reason: "unknown content part type"}
			}
		}
	}
	return nil
}

// ChatResponse is a chat completion. Raw is the upstream answer as
// received, so a driving adapter can pass it through unchanged; the
// parsed fields are what aimodels itself needs.
type ChatResponse struct {
	ID       string
	Model    string
	Provider string
	Choices  []Choice
	Usage    Usage
	Raw      json.RawMessage
}

// Choice is one completion choice.
type Choice struct {
	Index        int
	Content      string
	FinishReason string
}

// Usage is token usage and cost as reported upstream.
type Usage struct {
	PromptTokens     int
	CompletionTokens int
	TotalTokens      int
	// Cost is what OpenRouter charged, in US dollars (zero when not reported).
	Cost Decimal
	// CostKnown is true when OpenRouter reported the cost.
	CostKnown bool
	// CachedTokens (of the prompt), AudioTokens (of the prompt),
	// ReasoningTokens and ImageTokens (of the completion) are the details
	// OpenRouter reports, part of the counts above.
	CachedTokens    int
	AudioTokens     int
	ReasoningTokens int
	ImageTokens     int
}

// Text returns the first choice's content, or "".
func (r *ChatResponse) Text() string {
	if r == nil || len(r.Choices) == 0 {
		return ""
	}
	return r.Choices[0].Content
}

// StreamChunk is one event of a streamed completion: Data is the event's
// JSON object as the upstream sent it, passed through unchanged.
type StreamChunk struct {
	Data json.RawMessage
}

// TranscriptionRequest asks for the text of a voice message.
type TranscriptionRequest struct {
	// Model is "audio" or empty for the selected audio model, or a model id.
	Model string
	// Audio is the raw audio bytes.
	Audio []byte
	// Format is the audio format: wav, mp3, ogg, flac, m4a, webm, aac.
	Format string
	// Language is an optional ISO-639-1 hint.
	Language string
	// Prompt is an optional instruction or context, the caller's own text.
	Prompt string
	// SendOnce is ChatRequest.SendOnce: no retries by the gateway, as the
	// core has another model to try next.
	SendOnce bool
	// PromptName names a stored audio prompt ("name" or "name@version")
	// whose text, its placeholders filled from Variables, is sent instead:
	// as OpenRouter's transcription prompt to a speech-to-text model, as
	// the instruction sent with the audio to a chat model. Send Prompt or
	// PromptName, not both; with neither, the scope's default audio
	// prompt (if any) is used.
	PromptName string
	Variables  map[string]string
}

// MaxAudioBytes bounds an audio upload.
const MaxAudioBytes = 25 << 20

// AudioFormats are the accepted audio formats.
var AudioFormats = []string{"wav", "mp3", "ogg", "flac", "m4a", "webm", "aac", "mp4", "mpeg", "mpga", "oga"}

// Validate checks the request.
func (r *TranscriptionRequest) Validate() error {
	switch {
	case len(r.Audio) == 0:
		return &ValidationError{Field: "audio", Reason: "is required"}
	case len(r.Audio) > MaxAudioBytes:
		return &ValidationError{Field: "audio", Reason: "must be at most 25 MB"}
	}
	r.Format = strings.ToLower(strings.TrimSpace(r.Format))
	ok := false
	for _, f := range AudioFormats {
		if f == r.Format {
			ok = true
			break
		}
	}
	if !ok {
		return &ValidationError{Field: "format", Reason: "must be one of " + strings.Join(AudioFormats, ", ")}
	}
	if len(r.Language) > 16 {
		return &ValidationError{Field: "language", Reason: "must be a language code"}
	}
	return nil
}

// Transcription is the text of a voice message.
type Transcription struct {
	Text  string
	Model string
	Usage TranscriptionUsage
}

// TranscriptionUsage is what transcribing cost.
type TranscriptionUsage struct {
	// Cost is what OpenRouter charged, in US dollars.
	Cost Decimal
	// CostKnown is true when OpenRouter reported the cost.
	CostKnown bool
	// Seconds is the length of the audio, when reported.
	Seconds      float64
	InputTokens  int
	OutputTokens int
	TotalTokens  int
}
