package echoapi

import (
	_ "embed"
	json "github.com/goccy/go-json"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/aimodels/aimodels/core/domain"
)

// The samples a try sends: a 128×96 picture (a house under the sun) and
// 0.8 s of speech ("This is a test.", espeak-ng, 8 kHz 16-bit mono WAV).
var (
	//go:embed trysamples/picture.png
	tryPicture []byte
	//go:embed trysamples/speech.wav
	trySpeech []byte
)

// TrySpeechText is what the embedded clip says.
const TrySpeechText = "This is a test."

// TryInput is the body of POST /settings/openrouter/try.
type TryInput struct {
	Type  string `json:"type"`
	Model string `json:"model"`
}

// TryDTO is what a try answered.
type TryDTO struct {
	Success   bool         `json:"success"`
	Model     string       `json:"model"`
	Answer    string       `json:"answer"`
	LatencyMS int64        `json:"latency_ms"`
	Usage     TryUsageDTO  `json:"usage"`
	Cost      *json.Number `json:"cost"`
}

// TryUsageDTO is a try's usage: tokens, and for a transcription the
// seconds of audio it was billed for (absent when not reported).
type TryUsageDTO struct {
	PromptTokens     int     `json:"prompt_tokens"`
	CompletionTokens int     `json:"completion_tokens"`
	TotalTokens      int     `json:"total_tokens"`
	AudioSeconds     float64 `json:"audio_seconds,omitempty"`
}

func (a *api) try(c echo.Context) error {
	var in TryInput
	if err := decodeStrict(c, &in); err != nil {
		return a.fail(c, err)
	}
	t, err := domain.ParseModelType(in.Type)
	if err != nil {
		return a.fail(c, err)
	}
	req := domain.TryRequest{Type: t, Model: in.Model}
	switch t {
	case domain.TypeImage:
		req.Image, req.ImageMIME = tryPicture, "image/png"
	case domain.TypeAudio:
		req.Audio, req.AudioFormat = trySpeech, "wav"
	}
	res, err := a.tryer.Try(c.Request().Context(), a.scope(c), req)
	if err != nil {
		return a.fail(c, err)
	}
	d := TryDTO{Success: true, Model: res.Model, Answer: res.Answer, LatencyMS: res.Latency.Milliseconds(),
		Usage: TryUsageDTO{PromptTokens: res.PromptTokens, CompletionTokens: res.CompletionTokens, TotalTokens: res.TotalTokens, AudioSeconds: res.AudioSeconds}}
	if res.CostKnown {
		n := number(res.Cost)
		d.Cost = &n
	}
	return c.JSON(http.StatusOK, d)
}
