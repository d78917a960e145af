package domain

import "time"

// TryRequest asks to try a model before choosing it: a tiny real request
// of type Type to Model (empty: the scope's model of that type), with the
// sample that type needs.
type TryRequest struct {
	Type  ModelType
	Model string
	// Image is the picture an image try sends (PNG), ImageMIME its type.
	Image     []byte
	ImageMIME string
	// Audio is the spoken clip an audio try transcribes, AudioFormat its
	// format ("wav").
	Audio       []byte
	AudioFormat string
}

// Validate checks the request.
func (r *TryRequest) Validate() error {
	if !r.Type.Valid() {
		return &ValidationError{Field: "type", Reason: "must be one of text, image, audio"}
	}
	if len(r.Model) > 200 {
		return &ValidationError{Field: "model", Reason: "is not a valid model id"}
	}
	switch {
	case r.Type == TypeImage && (len(r.Image) == 0 || r.ImageMIME == ""):
		return &ValidationError{Field: "image", Reason: "an image try needs its picture"}
	case r.Type == TypeAudio && (len(r.Audio) == 0 || r.AudioFormat == ""):
		return &ValidationError{Field: "audio", Reason: "an audio try needs its clip"}
	}
	return nil
}

// The fixed instructions of a try.
const (
	TryTextInstruction  = "Reply with one short sentence: what is the capital of France?"
	TryImageInstruction = "Describe this picture in one short sentence."
)

// TryMaxTokens bounds the answer of a text or image try.
const TryMaxTokens = 300

// TryResult is what a try answered.
type TryResult struct {
	// Model is the model that answered.
	Model string
	// Answer is its text (the transcript for audio).
	Answer string
	// Latency is from sending to the whole answer.
	Latency time.Duration
	// PromptTokens, CompletionTokens and TotalTokens are as reported.
	PromptTokens, CompletionTokens, TotalTokens int
	// AudioSeconds is the length of the audio a transcription reported
	// (0 when it reported none, and for chat models).
	AudioSeconds float64
	// Cost is what OpenRouter charged (usage.cost), when CostKnown.
	Cost      Decimal
	CostKnown bool
}
