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
	// Provider is the prefix of OpenRouter's name, or the id's author.
	Provider string
	// Description is OpenRouter's description.
	Description string
	// ContextLength is the context window in tokens (0 when unknown).
	ContextLength int
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
}

// Serves reports whether the model serves type t.
func (m *Model) Serves(t ModelType) bool { return slices.Contains(m.Types, t) }

// IsTranscription reports whether the model is a dedicated speech-to-text
// model, served by /audio/transcriptions rather than chat completions.
func (m *Model) IsTranscription() bool {
	return slices.Contains(m.OutputModalities, ModalityTranscription)
}

// AudioPricedPerMinute reports whether the model's prompt price is per
// minute of audio rather than per token: a speech-to-text model with no
// completion price (OpenRouter lists openai/whisper-1 at "0.006", its
// $0.006 per minute).
func (m *Model) AudioPricedPerMinute() bool {
	return m.IsTranscription() && (!m.Pricing.Completion.Known || m.Pricing.Completion.Amount.IsZero())
}

// PromptCost formats the input price for people: "$0.50/1M tokens", or
// "$0.006/min" for duration-priced speech-to-text models.
func (m *Model) PromptCost() string {
	if m.AudioPricedPerMinute() {
		return m.Pricing.Prompt.PerUnit("min")
	}
	return m.Pricing.Prompt.PerMillionTokens()
}

// CompletionCost formats the output price for people.
func (m *Model) CompletionCost() string {
	return m.Pricing.Completion.PerMillionTokens()
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
	author := id
	if i := strings.IndexByte(id, '/'); i >= 0 {
		author = id[:i]
	}
	return display, strings.TrimLeft(author, "~")
}
