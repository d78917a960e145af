package domain

import (
	"slices"
	"strings"
	"time"
)

// Model is one model of OpenRouter's catalog.
type Model struct {
	// ID is OpenRouter's model id, such as "openai/gpt-4o".
	ID string
	// Name is the display name without OpenRouter's "Provider: " prefix.
	Name string
	// Provider is the provider's display name: the prefix of OpenRouter's
	// name, or the id's author. NewCatalog makes it one name per author
	// (see Catalog.ProviderName).
	Provider string
	// Author is the author of the id, the provider's slug ("anthropic" of
	// "anthropic/claude-haiku-4.5", "x-ai" of "~x-ai/grok-latest").
	Author string
	// Description is OpenRouter's description.
	Description string
	// ContextLength is the context window in tokens (0 when unknown).
	ContextLength int
	// MaxOutputTokens is the most tokens one completion may have, as the
	// top provider states it (0 when unknown).
	MaxOutputTokens int
	// Created is when OpenRouter added the model (zero when unknown).
	Created time.Time
	// InputModalities and OutputModalities are OpenRouter's architecture lists.
	InputModalities, OutputModalities []string
	// Types are the kinds of work this model serves (see Classify).
	Types []ModelType
	// SupportedParameters are the request parameters the model accepts.
	SupportedParameters []string
	// Pricing is the model's price list.
	Pricing Pricing
	// Raw is the model's object as OpenRouter's list sent it (JSON), nil
	// when the model came from elsewhere. An adapter that answers in
	// OpenRouter's own shape (the OpenAI-compatible GET /api/v1/models)
	// passes it through, so every field OpenRouter sends reaches clients
	// such as @openrouter/sdk, which require them. Never modified.
	Raw []byte
}

// Serves reports whether the model serves type t.
func (m *Model) Serves(t ModelType) bool { return slices.Contains(m.Types, t) }

// IsTranscription reports whether the model is a dedicated speech-to-text
// model, served by /audio/transcriptions rather than chat completions.
func (m *Model) IsTranscription() bool {
	return slices.Contains(m.OutputModalities, ModalityTranscription)
}

// PromptCost formats the input price for people: "$0.50/1M tokens" for
// text (the seed's meaning); for a speech-to-text model its transcription
// price in its unit ("$0.006/min"), or its exact figure when that unit is
// not documented.
func (m *Model) PromptCost() string {
	if m.IsTranscription() {
		if e, ok := m.entry(FieldPrompt); ok {
			return e.Display()
		}
		return ""
	}
	return m.Pricing.Prompt.PerMillionTokens()
}

// CompletionCost formats the output price for people; "" for a
// duration-priced speech-to-text model, which bills no output tokens.
func (m *Model) CompletionCost() string {
	if m.DurationPriced() {
		return ""
	}
	return m.Pricing.Completion.PerMillionTokens()
}

// BaseID returns the id without its variant suffix:
// "meta-llama/llama-3.3-70b-instruct:free" → "meta-llama/llama-3.3-70b-instruct".
func (m *Model) BaseID() string {
	base, _ := SplitVariant(m.ID)
	return base
}

// Variant returns the variant of the id ("free", "beta", "nitro",
// "floor", "extended", "thinking", "online", "batch", …), "" for none.
func (m *Model) Variant() string {
	_, v := SplitVariant(m.ID)
	return v
}

// SplitVariant splits an OpenRouter id into its base model and variant:
// OpenRouter names a variant by a suffix after a colon.
func SplitVariant(id string) (base, variant string) {
	if i := strings.LastIndexByte(id, ':'); i > 0 && i < len(id)-1 {
		return id[:i], id[i+1:]
	}
	return id, ""
}

// URL returns the model's page on OpenRouter.
func (m *Model) URL() string { return "https://openrouter.ai/" + m.ID }

// IDAuthor returns the author of an OpenRouter id: the part before the
// slash, without the "~" OpenRouter puts before its alias ids.
func IDAuthor(id string) string {
	author := id
	if i := strings.IndexByte(id, '/'); i >= 0 {
		author = id[:i]
	}
	return strings.TrimLeft(author, "~")
}

// SplitName derives the display name and provider of a model from
// OpenRouter's name and id: "OpenAI: GPT-3.5 Turbo" gives ("GPT-3.5 Turbo",
// "OpenAI"); a name without the prefix keeps the name and takes the
// provider from the id's author ("mistralai/x" → "mistralai").
func SplitName(id, name string) (display, provider string) {
	if i := strings.Index(name, ": "); i > 0 && !strings.ContainsAny(name[:i], "()") {
		if n := strings.TrimSpace(name[i+2:]); n != "" {
			return n, strings.TrimSpace(name[:i])
		}
	}
	display = strings.TrimSpace(name)
	if display == "" {
		display = id
	}
	return display, IDAuthor(id)
}
