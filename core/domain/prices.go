package domain

import (
	"slices"
	"strings"
)

// PriceField names a field of OpenRouter's pricing object.
type PriceField string

// The fields of OpenRouter's pricing object that aimodels knows.
const (
	FieldPrompt            PriceField = "prompt"
	FieldCompletion        PriceField = "completion"
	FieldRequest           PriceField = "request"
	FieldImage             PriceField = "image"
	FieldImageToken        PriceField = "image_token"
	FieldImageOutput       PriceField = "image_output"
	FieldAudio             PriceField = "audio"
	FieldAudioOutput       PriceField = "audio_output"
	FieldInputAudioCache   PriceField = "input_audio_cache"
	FieldInputCacheRead    PriceField = "input_cache_read"
	FieldInputCacheWrite   PriceField = "input_cache_write"
	FieldInputCacheWrite1h PriceField = "input_cache_write_1h"
	FieldWebSearch         PriceField = "web_search"
	FieldInternalReasoning PriceField = "internal_reasoning"
)

// PriceUnit is what one price is per. UnitUndocumented means the unit of
// the figure is not documented: it is shown with its field's name instead
// of an invented unit.
type PriceUnit string

// The units prices are given in.
const (
	UnitUndocumented PriceUnit = ""
	UnitToken        PriceUnit = "token"
	UnitAudioToken   PriceUnit = "audio_token"
	UnitImageToken   PriceUnit = "image_token"
	UnitImage        PriceUnit = "image"
	UnitRequest      PriceUnit = "request"
	UnitMinute       PriceUnit = "minute"
	UnitSecond       PriceUnit = "second"
	UnitSearch       PriceUnit = "search"
)

// fieldUnits is the unit OpenRouter's API reference gives each pricing
// field ("Price in USD per token for prompt (input) processing", "… per
// audio input token", "… per input image", "… per output image", "… per
// image token", "… per request", "… per web search", "… per internal
// reasoning token", "… per cached input token (read)", …).
// input_cache_write_1h is not documented there.
var fieldUnits = map[PriceField]PriceUnit{
	FieldPrompt:            UnitToken,
	FieldCompletion:        UnitToken,
	FieldRequest:           UnitRequest,
	FieldImage:             UnitImage,
	FieldImageToken:        UnitImageToken,
	FieldImageOutput:       UnitImage,
	FieldAudio:             UnitAudioToken,
	FieldAudioOutput:       UnitAudioToken,
	FieldInputAudioCache:   UnitAudioToken,
	FieldInputCacheRead:    UnitToken,
	FieldInputCacheWrite:   UnitToken,
	FieldWebSearch:         UnitSearch,
	FieldInternalReasoning: UnitToken,
}

// FieldUnit returns the unit OpenRouter documents for a pricing field,
// UnitUndocumented for a field it does not document.
func FieldUnit(f PriceField) PriceUnit { return fieldUnits[f] }

// PriceEntry is one price of a model: the pricing field it comes from,
// its exact amount in US dollars per Unit, and that unit.
type PriceEntry struct {
	Field  PriceField
	Amount Decimal
	Unit   PriceUnit
}

// IsVariable reports whether OpenRouter marks the price as variable (a
// negative amount: a router whose cost depends on the model it picks).
func (e PriceEntry) IsVariable() bool { return e.Amount.Sign() < 0 }

// Display formats the entry in English: "$2.50/1M tokens", "$32.00/1M
// audio tokens", "$0.003/image", "$0.006/min", "free", "variable"; a
// figure of undocumented unit is its exact amount alone ("$0.0000075"),
// to be shown beside its field's name.
func (e PriceEntry) Display() string {
	switch {
	case e.IsVariable():
		return "variable"
	case e.Amount.IsZero():
		return "free"
	}
	switch e.Unit {
	case UnitToken:
		return FormatUSD(e.Amount.Shift(6)) + "/1M tokens"
	case UnitAudioToken:
		return FormatUSD(e.Amount.Shift(6)) + "/1M audio tokens"
	case UnitImageToken:
		return FormatUSD(e.Amount.Shift(6)) + "/1M image tokens"
	case UnitImage:
		return FormatUSD(e.Amount) + "/image"
	case UnitRequest:
		return FormatUSD(e.Amount) + "/request"
	case UnitMinute:
		return FormatUSD(e.Amount) + "/min"
	case UnitSecond:
		return FormatUSD(e.Amount) + "/s"
	case UnitSearch:
		return FormatUSD(e.Amount) + "/search"
	}
	return "$" + e.Amount.String()
}

// fieldsInOrder lists the known pricing fields in the order AllPrices
// gives them.
var fieldsInOrder = []PriceField{
	FieldPrompt, FieldCompletion, FieldRequest, FieldImage, FieldImageToken, FieldImageOutput,
	FieldAudio, FieldAudioOutput, FieldInputAudioCache, FieldInputCacheRead, FieldInputCacheWrite,
	FieldInputCacheWrite1h, FieldWebSearch, FieldInternalReasoning,
}

// Field returns the price of a known field (unknown for other names; see
// Pricing.Other).
func (p *Pricing) Field(f PriceField) Price {
	switch f {
	case FieldPrompt:
		return p.Prompt
	case FieldCompletion:
		return p.Completion
	case FieldRequest:
		return p.Request
	case FieldImage:
		return p.Image
	case FieldImageToken:
		return p.ImageToken
	case FieldImageOutput:
		return p.ImageOutput
	case FieldAudio:
		return p.Audio
	case FieldAudioOutput:
		return p.AudioOutput
	case FieldInputAudioCache:
		return p.InputAudioCache
	case FieldInputCacheRead:
		return p.InputCacheRead
	case FieldInputCacheWrite:
		return p.InputCacheWrite
	case FieldInputCacheWrite1h:
		return p.InputCacheWrite1h
	case FieldWebSearch:
		return p.WebSearch
	case FieldInternalReasoning:
		return p.InternalReasoning
	}
	return p.Other[string(f)]
}

// minPerImage is the smallest figure shown as a price per image. The
// fields documented per image (image, image_output) carry, on some models,
// a figure that is evidently a per-token rate: Google's Gemini models list
// image equal to their per-token prompt price ($0.0000003 "per image"),
// and image generators list image_output equal to their image_token
// price. No model prices a picture at less than a tenth of a cent, so
// such a figure is shown with its field's name, not as a price per image.
var minPerImage = MustDecimal("0.001")

// documentedDurationUnits are the units OpenRouter's model pages give the
// prompt price of duration-priced speech-to-text models whose catalog
// description does not say it: openai/whisper-1's page reads "$0.006 per
// minute … Priced per minute of audio duration", the figure its
// pricing.prompt carries. The pages of other such models show figures
// that are not their pricing.prompt (whisper-large-v3: "0.0000075" in the
// API, "$0.0015 per minute" on the page), so their unit stays undocumented.
var documentedDurationUnits = map[string]PriceUnit{
	"openai/whisper-1": UnitMinute,
}

// DurationPriced reports whether the model is a dedicated speech-to-text
// model billed by audio duration rather than by tokens: it lists no
// completion (output token) price above zero.
func (m *Model) DurationPriced() bool {
	return m.IsTranscription() && !(m.Pricing.Completion.Known && m.Pricing.Completion.Amount.Sign() > 0)
}

// TranscriptionUnit returns the unit of a speech-to-text model's prompt
// price. OpenRouter documents pricing.prompt as per token, which holds for
// token-priced speech-to-text models (openai/gpt-4o-transcribe); for
// duration-priced ones its speech-to-text guide says only "priced per
// second of audio input" while the figures are per minute for some
// (whisper-1) and neither for others, so the unit is the one the model's
// description or OpenRouter's page states, else undocumented.
func (m *Model) TranscriptionUnit() PriceUnit {
	if !m.DurationPriced() {
		return UnitToken
	}
	if u, ok := documentedDurationUnits[m.BaseID()]; ok {
		return u
	}
	d := strings.ToLower(m.Description)
	switch {
	case strings.Contains(d, "priced per minute"):
		return UnitMinute
	case strings.Contains(d, "priced per second"):
		return UnitSecond
	}
	return UnitUndocumented
}

// unitOf returns the unit a figure of field f of this model is shown in.
func (m *Model) unitOf(f PriceField, amount Decimal) PriceUnit {
	switch {
	case f == FieldPrompt && m.IsTranscription():
		return m.TranscriptionUnit()
	case f == FieldImage || f == FieldImageOutput:
		if amount.Sign() > 0 && amount.Cmp(minPerImage) < 0 {
			return UnitUndocumented
		}
	}
	return FieldUnit(f)
}

func (m *Model) entry(f PriceField) (PriceEntry, bool) {
	p := m.Pricing.Field(f)
	if !p.Known {
		return PriceEntry{}, false
	}
	return PriceEntry{Field: f, Amount: p.Amount, Unit: m.unitOf(f, p.Amount)}, true
}

// AllPrices returns every known price of the model, the known fields in a
// fixed order (prompt, completion, request, image, …) and then the others
// by name. A duration-priced speech-to-text model's zero completion price
// is left out: it bills no output tokens, and "completion: free" would
// only mislead.
func (m *Model) AllPrices() []PriceEntry {
	out := make([]PriceEntry, 0, 4)
	for _, f := range fieldsInOrder {
		if f == FieldCompletion && m.DurationPriced() {
			continue
		}
		if e, ok := m.entry(f); ok {
			out = append(out, e)
		}
	}
	if len(m.Pricing.Other) > 0 {
		names := make([]string, 0, len(m.Pricing.Other))
		for n := range m.Pricing.Other {
			names = append(names, n)
		}
		slices.Sort(names)
		for _, n := range names {
			if p := m.Pricing.Other[n]; p.Known {
				out = append(out, PriceEntry{Field: PriceField(n), Amount: p.Amount, Unit: UnitUndocumented})
			}
		}
	}
	return out
}

// TypePrices returns the prices that work of type t pays on this model,
// the relevant one first:
//   - text: prompt, then completion (per token);
//   - image: the price per input image when the model lists a meaningful
//     one, else its image-token price, then prompt and completion (the
//     image is then billed as input tokens);
//   - audio: a speech-to-text model's transcription price (pricing.prompt
//     in its unit, see TranscriptionUnit), with its completion price when
//     it bills output tokens; a chat model's audio input price (per audio
//     token), then prompt and completion. A chat model that lists no audio
//     price starts with its prompt price: the entry's field says which
//     price it is.
//
// It returns nil when the model does not serve t.
func (m *Model) TypePrices(t ModelType) []PriceEntry {
	if !m.Serves(t) {
		return nil
	}
	var fields []PriceField
	switch t {
	case TypeText:
		fields = []PriceField{FieldPrompt, FieldCompletion}
	case TypeImage:
		if e, ok := m.entry(FieldImage); ok && e.Unit == UnitImage {
			fields = append(fields, FieldImage)
		} else if _, ok := m.entry(FieldImageToken); ok {
			fields = append(fields, FieldImageToken)
		}
		fields = append(fields, FieldPrompt, FieldCompletion)
	case TypeAudio:
		if m.IsTranscription() {
			fields = []PriceField{FieldPrompt}
			if !m.DurationPriced() {
				fields = append(fields, FieldCompletion)
			}
		} else {
			if _, ok := m.entry(FieldAudio); ok {
				fields = append(fields, FieldAudio)
			}
			fields = append(fields, FieldPrompt, FieldCompletion)
		}
	}
	out := make([]PriceEntry, 0, len(fields))
	for _, f := range fields {
		if e, ok := m.entry(f); ok {
			out = append(out, e)
		}
	}
	return out
}

// SortPrice returns the price that orders models of type t by cost: the
// first of TypePrices, when it is the type's own price and known and not
// variable; "0" for a model that is free. ok is false otherwise (an audio
// chat model that lists no audio price, a router of variable price).
func (m *Model) SortPrice(t ModelType) (Decimal, bool) {
	if !m.Serves(t) {
		return Decimal{}, false
	}
	if m.IsFree() {
		return Decimal{}, true
	}
	ps := m.TypePrices(t)
	if len(ps) == 0 || ps[0].IsVariable() {
		return Decimal{}, false
	}
	if t == TypeAudio && !m.IsTranscription() && ps[0].Field != FieldAudio {
		return Decimal{}, false
	}
	return ps[0].Amount, true
}

// IsFree reports whether using the model costs nothing: its prompt price
// is known and every price it lists is zero.
func (m *Model) IsFree() bool {
	if !m.Pricing.Prompt.Known {
		return false
	}
	for _, f := range fieldsInOrder {
		if p := m.Pricing.Field(f); p.Known && !p.Amount.IsZero() {
			return false
		}
	}
	for _, p := range m.Pricing.Other {
		if p.Known && !p.Amount.IsZero() {
			return false
		}
	}
	return true
}
