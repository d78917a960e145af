package domain

import "slices"

// ModelType is the kind of work a model is chosen for.
type ModelType string

// The three kinds of work aimodels selects a model for.
const (
	// TypeText is text in, text out: analysing messages and writing replies.
	TypeText ModelType = "text"
	// TypeImage is image in, text out: analysing and describing images.
	TypeImage ModelType = "image"
	// TypeAudio is speech in, text out: transcribing voice messages.
	TypeAudio ModelType = "audio"
)

// ModelTypes lists every ModelType in display order.
var ModelTypes = []ModelType{TypeText, TypeImage, TypeAudio}

// Valid reports whether t is one of ModelTypes.
func (t ModelType) Valid() bool {
	return t == TypeText || t == TypeImage || t == TypeAudio
}

// ParseModelType returns the ModelType named s or a *ValidationError.
func ParseModelType(s string) (ModelType, error) {
	t := ModelType(s)
	if !t.Valid() {
		return "", &ValidationError{Field: "type", Reason: "must be one of text, image, audio"}
	}
	return t, nil
}

// Modality names used by OpenRouter's architecture.input_modalities and
// architecture.output_modalities.
const (
	ModalityText          = "text"
	ModalityImage         = "image"
	ModalityAudio         = "audio"
	ModalityTranscription = "transcription"
)

// Classify returns the model types that a model with the given input and
// output modalities serves, in ModelTypes order:
//   - text: text in and text out;
//   - image: image in and text out;
//   - audio: output "transcription" (speech-to-text), or audio in and text out.
//
// Embedding, speech, image-generation, video and rerank models serve none.
func Classify(input, output []string) []ModelType {
	textOut := slices.Contains(output, ModalityText)
	var types []ModelType
	if textOut && slices.Contains(input, ModalityText) {
		types = append(types, TypeText)
	}
	if textOut && slices.Contains(input, ModalityImage) {
		types = append(types, TypeImage)
	}
	if slices.Contains(output, ModalityTranscription) || (textOut && slices.Contains(input, ModalityAudio)) {
		types = append(types, TypeAudio)
	}
	return types
}
