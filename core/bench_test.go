package core_test

import (
	"context"
	"github.com/aimodels/aimodels/adapters/memstore"
	"testing"

	"github.com/aimodels/aimodels/core"
	"github.com/aimodels/aimodels/core/domain"
	"github.com/aimodels/aimodels/ports"
)

// stubGateway answers at once, so a benchmark measures the core's own cost.
type stubGateway struct {
	models []domain.Model
	resp   domain.ChatResponse
}

func (g *stubGateway) ListModels(context.Context, domain.APIKey) ([]domain.Model, error) {
	return g.models, nil
}
func (g *stubGateway) KeyInfo(context.Context, domain.APIKey) (domain.KeyInfo, error) {
	return domain.KeyInfo{}, nil
}
func (g *stubGateway) Credits(context.Context, domain.APIKey) (domain.Credits, error) {
	return domain.Credits{}, nil
}
func (g *stubGateway) ChatCompletion(_ context.Context, _ domain.APIKey, r *domain.ChatRequest) (*domain.ChatResponse, error) {
	return &g.resp, nil
}
func (g *stubGateway) ChatCompletionStream(context.Context, domain.APIKey, *domain.ChatRequest) (ports.ChatStream, error) {
	return nil, nil
}
func (g *stubGateway) Transcribe(context.Context, domain.APIKey, *domain.TranscriptionRequest) (*domain.Transcription, error) {
	return &domain.Transcription{}, nil
}

// BenchmarkCompleteCoreOverhead is the core's own cost of one completion
// with model "text": selection lookup, key load and decrypt, validation,
// model resolution. The gateway returns at once (no HTTP round trip);
// the stores are warm in-process caches, as in a running server.
func BenchmarkCompleteCoreOverhead(b *testing.B) {
	st := memstore.New()
	gw := &stubGateway{models: testModels(), resp: domain.ChatResponse{Choices: []domain.Choice{{Content: "ok"}}}}
	svc, err := core.New(core.Deps{Gateway: gw, Keys: st, Selections: st, Prompts: st, Cipher: &xorCipher{keyID: 1}}, core.Options{})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if _, err := svc.SetKey(ctx, "", domain.ProviderOpenRouter, testKey); err != nil {
		b.Fatal(err)
	}
	if _, err := svc.SaveSelection(ctx, "", map[domain.ModelType]string{domain.TypeText: "openai/gpt-4o"}); err != nil {
		b.Fatal(err)
	}
	req := chat("text")
	if _, err := svc.Complete(ctx, "", req); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := svc.Complete(ctx, "", req); err != nil {
			b.Fatal(err)
		}
	}
}
