package domain

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"

	"github.com/aimodels/aimodels/core/domain/jsonscan"
)

// ChatRequest is an OpenAI-compatible chat completion request. Model may
// be a ModelType name ("text", "image", "audio"), meaning the scope's
// selected model of that type, or an explicit model id. Every field that
// aimodels does not interpret is kept in Extra and sent upstream verbatim.
type ChatRequest struct {
	Model    string
	Messages []Message
	Stream   bool
	// Extra holds the other top-level fields (temperature, tools, …) as sent.
	Extra map[string]json.RawMessage
}

// Message is one chat message.
type Message struct {
	Role       string          `json:"role"`
	Content    Content         `json:"content"`
	Name       string          `json:"name,omitempty"`
	ToolCallID string          `json:"tool_call_id,omitempty"`
	ToolCalls  json.RawMessage `json:"tool_calls,omitempty"`
}

// Content is a message's content: a plain string, or a list of parts
// (text, image_url, input_audio). A null content stays null.
type Content struct {
	Text  string
	Parts []ContentPart
	// Null is true for a JSON null (assistant messages with tool calls).
	Null bool
}

// TextContent returns plain text content.
func TextContent(s string) Content { return Content{Text: s} }

// ContentPart is one part of a multi-part message.
type ContentPart struct {
	Type       string      `json:"type"`
	Text       string      `json:"text,omitempty"`
	ImageURL   *ImageURL   `json:"image_url,omitempty"`
	InputAudio *InputAudio `json:"input_audio,omitempty"`
	// File passes through unchanged (OpenRouter's PDF input). Other part
	// types are refused by Validate rather than silently dropped.
	File json.RawMessage `json:"file,omitempty"`
	// CacheControl passes through unchanged.
	CacheControl json.RawMessage `json:"cache_control,omitempty"`
}

// ImageURL is an image by URL or data URL.
type ImageURL struct {
	URL    string `json:"url"`
	Detail string `json:"detail,omitempty"`
}

// InputAudio is base64 audio with its format ("wav", "mp3", …).
type InputAudio struct {
	Data   string `json:"data"`
	Format string `json:"format"`
}

// Content part types.
const (
	PartText       = "text"
	PartImageURL   = "image_url"
	PartInputAudio = "input_audio"
	PartFile       = "file"
)

// MarshalJSON writes a string, a part list or null.
func (c Content) MarshalJSON() ([]byte, error) {
	if c.Parts != nil {
		return json.Marshal(c.Parts)
	}
	if c.Null {
		return []byte("null"), nil
	}
	return json.Marshal(c.Text)
}

// UnmarshalJSON reads a string, a part list or null.
func (c *Content) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*c = Content{Null: true}
		return nil
	case len(b) > 0 && b[0] == '[':
		var parts []ContentPart
		if err := json.Unmarshal(b, &parts); err != nil {
			return err
		}
		if parts == nil {
			parts = []ContentPart{}
		}
		*c = Content{Parts: parts}
		return nil
	}
	s, err := jsonscan.Unquote(b)
	if err != nil {
		return &ValidationError{Field: "content", Reason: "must be a string, an array of parts or null"}
	}
	*c = Content{Text: s}
	return nil
}

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

// MarshalJSON writes the request with Extra merged in (in key order);
// model, messages and stream always win over Extra. An Extra value that
// is not valid JSON is an error.
func (r ChatRequest) MarshalJSON() ([]byte, error) {
	buf := make([]byte, 0, 256)
	buf = append(buf, `{"model":`...)
	buf = jsonscan.AppendString(buf, r.Model)
	buf = append(buf, `,"messages":`...)
	buf, err := appendMessages(buf, r.Messages)
	if err != nil {
		return nil, err
	}
	if r.Stream {
		buf = append(buf, `,"stream":true`...)
	}
	if len(r.Extra) > 0 {
		keys := make([]string, 0, len(r.Extra))
		for k := range r.Extra {
			if k != "model" && k != "messages" && k != "stream" {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		for _, k := range keys {
			v := jsonscan.Trim(r.Extra[k])
			if !jsonscan.Valid(v) {
				return nil, &ValidationError{Field: k, Reason: "is not valid JSON"}
			}
			buf = append(buf, ',')
			buf = jsonscan.AppendString(buf, k)
			buf = append(buf, ':')
			buf = append(buf, v...)
		}
	}
	return append(buf, '}'), nil
}

// appendMessages writes messages as encoding/json would (null for a nil
// slice), without reflection for the common fields.
func appendMessages(buf []byte, msgs []Message) ([]byte, error) {
	if msgs == nil {
		return append(buf, "null"...), nil
	}
	buf = append(buf, '[')
	for i := range msgs {
		m := &msgs[i]
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, `{"role":`...)
		buf = jsonscan.AppendString(buf, m.Role)
		buf = append(buf, `,"content":`...)
		switch {
		case m.Content.Parts != nil:
			parts, err := json.Marshal(m.Content.Parts)
			if err != nil {
				return nil, err
			}
			buf = append(buf, parts...)
		case m.Content.Null:
			buf = append(buf, "null"...)
		default:
			buf = jsonscan.AppendString(buf, m.Content.Text)
		}
		if m.Name != "" {
			buf = append(buf, `,"name":`...)
			buf = jsonscan.AppendString(buf, m.Name)
		}
		if m.ToolCallID != "" {
			buf = append(buf, `,"tool_call_id":`...)
			buf = jsonscan.AppendString(buf, m.ToolCallID)
		}
		if len(m.ToolCalls) > 0 {
			tc := jsonscan.Trim(m.ToolCalls)
			if !jsonscan.Valid(tc) {
				return nil, &ValidationError{Field: "tool_calls", Reason: "is not valid JSON"}
			}
			buf = append(buf, `,"tool_calls":`...)
			buf = append(buf, tc...)
		}
		buf = append(buf, '}')
	}
	return append(buf, ']'), nil
}

// UnmarshalJSON reads an OpenAI-compatible body; unknown fields go to
// Extra. Well-formed requests are read in one validation pass and one
// walk (jsonscan); anything unusual (a field of the wrong type, a message
// key in another case) is read by encoding/json, so the result and the
// errors are encoding/json's in every case (FuzzChatRequestFastPath).
func (r *ChatRequest) UnmarshalJSON(b []byte) error {
	b = jsonscan.Trim(b)
	if jsonscan.KindOf(b) == jsonscan.Object && jsonscan.Valid(b) {
		var fast ChatRequest
		if fast.decodeObject(b) {
			*r = fast
			return nil
		}
	}
	return r.unmarshalSlow(b)
}

// decodeObject reads a valid JSON object; false means "let encoding/json
// decide" (nothing is reported).
func (r *ChatRequest) decodeObject(b []byte) bool {
	var model, messages, stream []byte // the last of each wins, as in a map
	for k, v := range jsonscan.Members(b) {
		name, ok := jsonscan.Key(k)
		if !ok {
			return false
		}
		switch string(name) {
		case "model":
			model = v
		case "messages":
			messages = v
		case "stream":
			stream = v
		default:
			if r.Extra == nil {
				r.Extra = make(map[string]json.RawMessage, 4)
			}
			r.Extra[string(name)] = bytes.Clone(v)
		}
	}
	if model != nil && !jsonscan.SetString(&r.Model, model) {
		return false
	}
	if stream != nil {
		switch jsonscan.KindOf(stream) {
		case jsonscan.Bool:
			r.Stream = stream[0] == 't'
		case jsonscan.Null:
		default:
			return false
		}
	}
	if messages != nil {
		switch jsonscan.KindOf(messages) {
		case jsonscan.Null:
		case jsonscan.Array:
			var ok bool
			if r.Messages, ok = decodeMessages(messages); !ok {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// decodeMessages reads a valid array of messages; a message of unusual
// fields is read by encoding/json, and false leaves the whole request to
// it (an element that is not a message, or a message it refuses).
func decodeMessages(arr []byte) ([]Message, bool) {
	msgs := make([]Message, 0, jsonscan.Count(arr))
	for el := range jsonscan.Elements(arr) {
		var m Message
		switch jsonscan.KindOf(el) {
		case jsonscan.Null:
		case jsonscan.Object:
			if !m.decodeObject(el) {
				m = Message{}
				if json.Unmarshal(el, &m) != nil {
					return nil, false
				}
			}
		default:
			return nil, false
		}
		msgs = append(msgs, m)
	}
	return msgs, true
}

// decodeObject reads one message of the exact field names; false leaves
// the message to encoding/json (other names, case variants, wrong types).
func (m *Message) decodeObject(b []byte) bool {
	for k, v := range jsonscan.Members(b) {
		name, ok := jsonscan.Key(k)
		if !ok {
			return false
		}
		switch string(name) {
		case "role":
			ok = jsonscan.SetString(&m.Role, v)
		case "content":
			ok = m.Content.decode(v)
		case "name":
			ok = jsonscan.SetString(&m.Name, v)
		case "tool_call_id":
			ok = jsonscan.SetString(&m.ToolCallID, v)
		case "tool_calls":
			m.ToolCalls = bytes.Clone(v)
		default:
			ok = false
		}
		if !ok {
			return false
		}
	}
	return true
}

// decode reads a valid content value; false for a kind content cannot be.
func (c *Content) decode(v []byte) bool {
	switch jsonscan.KindOf(v) {
	case jsonscan.String:
		s, err := jsonscan.Unquote(v)
		*c = Content{Text: s}
		return err == nil
	case jsonscan.Null, jsonscan.Array:
		return c.UnmarshalJSON(v) == nil
	}
	return false
}

// unmarshalSlow is the encoding/json reading of a request, the reference
// for the fast path and the reader of everything it leaves.
func (r *ChatRequest) unmarshalSlow(b []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return &ValidationError{Field: "body", Reason: "must be a JSON object"}
	}
	*r = ChatRequest{}
	if v, ok := raw["model"]; ok {
		if err := json.Unmarshal(v, &r.Model); err != nil {
			return &ValidationError{Field: "model", Reason: "must be a string"}
		}
		delete(raw, "model")
	}
	if v, ok := raw["messages"]; ok {
		if err := json.Unmarshal(v, &r.Messages); err != nil {
			var ve *ValidationError
			if asValidation(err, &ve) {
				return ve
			}
			return &ValidationError{Field: "messages", Reason: "must be an array of messages"}
		}
		delete(raw, "messages")
	}
	if v, ok := raw["stream"]; ok {
		if err := json.Unmarshal(v, &r.Stream); err != nil {
			return &ValidationError{Field: "stream", Reason: "must be a boolean"}
		}
		delete(raw, "stream")
	}
	if len(raw) > 0 {
		r.Extra = raw
	}
	return nil
}

func asValidation(err error, target **ValidationError) bool {
	ve, ok := err.(*ValidationError)
	if ok {
		*target = ve
	}
	return ok
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

// ChatResponse is a chat completion. Raw is the upstream body as received,
// so the HTTP adapter can pass it through unchanged; the parsed fields are
// what aimodels itself needs.
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
	Cost             float64
}

// Text returns the first choice's content, or "".
func (r *ChatResponse) Text() string {
	if r == nil || len(r.Choices) == 0 {
		return ""
	}
	return r.Choices[0].Content
}

// StreamChunk is one event of a streamed completion: Data is the JSON
// object of one "data:" line, passed through unchanged.
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
	// Prompt is an optional instruction or context.
	Prompt string
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
	Text  string             `json:"text"`
	Model string             `json:"model,omitempty"`
	Usage TranscriptionUsage `json:"usage"`
}

// TranscriptionUsage is what transcribing cost.
type TranscriptionUsage struct {
	Cost         float64 `json:"cost"`
	Seconds      float64 `json:"seconds,omitempty"`
	InputTokens  int     `json:"input_tokens,omitempty"`
	OutputTokens int     `json:"output_tokens,omitempty"`
	TotalTokens  int     `json:"total_tokens,omitempty"`
}
