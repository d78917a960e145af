package core_test

import (
	"context"
	"fmt"

	"github.com/aimodels/aimodels/adapters/memstore"
	"github.com/aimodels/aimodels/adapters/openrouter"
	"github.com/aimodels/aimodels/core"
	"github.com/aimodels/aimodels/core/domain"
	"github.com/aimodels/aimodels/test/openroutertest"
)

// ExampleService_SaveChoices gives the text and audio types fallback
// models. A chat to "text" sends OpenRouter the chosen model then the
// fallbacks, and OpenRouter answers with the one that served; a
// transcription, which OpenRouter does not route, falls back in aimodels
// when the first model fails with a 503.
func ExampleService_SaveChoices() {
	ctx := context.Background()
	upstream := openroutertest.New()
	defer upstream.Close()
	gw, _ := openrouter.New(openrouter.WithBaseURL(upstream.URL()))
	defer gw.Close()
	st := memstore.New()
	svc, _ := core.New(core.Deps{Gateway: gw, Keys: st, Selections: st, Prompts: st, Cipher: &xorCipher{keyID: 1}}, core.Options{})
	_, _ = svc.SetKey(ctx, "", domain.ProviderOpenRouter, openroutertest.DefaultAPIKey)

	sel, err := svc.SaveChoices(ctx, "", map[domain.ModelType]domain.SelectionChoice{
		domain.TypeText:  {Model: "openai/gpt-4o-mini", Fallbacks: []string{"anthropic/claude-3-haiku"}},
		domain.TypeAudio: {Model: "openai/whisper-1", Fallbacks: []string{"openai/gpt-4o-mini-transcribe"}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("text:", sel[domain.TypeText].ModelID, "then", sel[domain.TypeText].Fallbacks)

	// A fallback must serve the type: the error names it by its index.
	_, err = svc.SaveChoices(ctx, "", map[domain.ModelType]domain.SelectionChoice{
		domain.TypeText: {Model: "openai/gpt-4o-mini", Fallbacks: []string{"openai/whisper-1"}},
	})
	fmt.Println(err)

	// The first text model is down: OpenRouter serves the fallback.
	upstream.SetFault(openroutertest.RouteChat, openroutertest.Fault{Model: "openai/gpt-4o-mini", Status: 503})
	resp, err := svc.Complete(ctx, "", &domain.ChatRequest{
		Model:    "text",
		Messages: []domain.Message{{Role: "user", Content: domain.TextContent("Hello")}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("chat answered by:", resp.Model)

	// whisper-1 answers 503: aimodels tries the next audio model itself.
	upstream.SetFault(openroutertest.RouteTranscriptions, openroutertest.Fault{Model: "openai/whisper-1", Status: 503})
	tr, err := svc.Transcribe(ctx, "", &domain.TranscriptionRequest{Audio: []byte("RIFF....WAVEfmt "), Format: "wav"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("transcribed by:", tr.Model)
	// Output:
	// text: openai/gpt-4o-mini then [anthropic/claude-3-haiku]
	// validation error: text.fallbacks[0]: model "openai/whisper-1" does not serve text
	// chat answered by: anthropic/claude-3-haiku
	// transcribed by: openai/gpt-4o-mini-transcribe
}
