package core_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang/mock/gomock"

	"github.com/aimodels/aimodels/adapters/memstore"

	"github.com/aimodels/aimodels/core"
	"github.com/aimodels/aimodels/core/domain"
)

func TestSaveChoicesFallbacks(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, core.Options{})
	f.catalogOnce()
	text := func(model string, fb ...string) map[domain.ModelType]domain.SelectionChoice {
		return map[domain.ModelType]domain.SelectionChoice{domain.TypeText: {Model: model, Fallbacks: fb}}
	}
	sel, err := f.svc.SaveChoices(ctx, "", text("openai/gpt-4o", "openai/gpt-3.5-turbo", "google/gemini-audio"))
	if err != nil {
		t.Fatal(err)
	}
	if got := sel[domain.TypeText].Fallbacks; !slices.Equal(got, []string{"openai/gpt-3.5-turbo", "google/gemini-audio"}) {
		t.Fatalf("fallbacks %q", got)
	}
	for _, c := range []struct {
		fb    []string
		field string
	}{
		{[]string{"openai/gpt-3.5-turbo", "nobody/has-this"}, "text.fallbacks[1]"},
		{[]string{"openai/whisper-1"}, "text.fallbacks[0]"}, // does not serve text
		{[]string{"openai/gpt-4o"}, "text.fallbacks[0]"},    // the model itself
		{[]string{"openai/gpt-3.5-turbo", "openai/gpt-3.5-turbo"}, "text.fallbacks[1]"},
		{[]string{"a/1", "a/2", "a/3", "a/4"}, "text.fallbacks"},
	} {
		_, err := f.svc.SaveChoices(ctx, "", text("openai/gpt-4o", c.fb...))
		var ve *domain.ValidationError
		if !errors.As(err, &ve) || ve.Field != c.field {
			t.Fatalf("fallbacks %q: err %v, want a validation error of %s", c.fb, err, c.field)
		}
	}
	sel, _ = f.svc.Selection(ctx, "")
	if got := sel[domain.TypeText].Fallbacks; len(got) != 2 {
		t.Fatalf("a refused save changed the fallbacks to %q", got)
	}
	// The plain form keeps them, less the new model.
	sel, err = f.svc.SaveSelection(ctx, "", map[domain.ModelType]string{domain.TypeText: "google/gemini-audio"})
	if err != nil {
		t.Fatal(err)
	}
	if e := sel[domain.TypeText]; e.ModelID != "google/gemini-audio" || !slices.Equal(e.Fallbacks, []string{"openai/gpt-3.5-turbo"}) {
		t.Fatalf("after a plain save: %s %q", e.ModelID, e.Fallbacks)
	}
	// An empty list clears them.
	sel, err = f.svc.SaveChoices(ctx, "", text("openai/gpt-4o"))
	if err != nil || sel[domain.TypeText].Fallbacks != nil {
		t.Fatalf("after clearing: %q %v", sel[domain.TypeText].Fallbacks, err)
	}
}

func TestChatSendsModelsList(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, core.Options{})
	f.withKey(t)
	f.catalogOnce()
	if _, err := f.svc.SaveChoices(ctx, "", map[domain.ModelType]domain.SelectionChoice{
		domain.TypeText: {Model: "openai/gpt-4o", Fallbacks: []string{"openai/gpt-3.5-turbo"}}}); err != nil {
		t.Fatal(err)
	}
	var got [][]string
	f.gw.EXPECT().ChatCompletion(gomock.Any(), gomock.Any(), gomock.Any()).DoAndReturn(
		func(_ context.Context, _ domain.APIKey, r *domain.ChatRequest) (*domain.ChatResponse, error) {
			got = append(got, r.Models)
			return &domain.ChatResponse{Model: r.Model}, nil
		}).Times(4)
	for _, r := range []*domain.ChatRequest{chat("text"), chat("openai/gpt-4o"), {Model: "text", Messages: chat("").Messages, Models: []string{"x/y"}}} {
		if _, err := f.svc.Complete(ctx, "", r); err != nil {
			t.Fatal(err)
		}
	}
	withExtra := chat("text")
	withExtra.Extra = map[string]json.RawMessage{"models": json.RawMessage(`["their/own"]`)}
	if _, err := f.svc.Complete(ctx, "", withExtra); err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"openai/gpt-4o", "openai/gpt-3.5-turbo"}, nil, {"x/y"}, nil}
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Fatalf("models sent %q, want %q", got, want)
	}
}

func TestTranscriptionFallsBack(t *testing.T) {
	ctx := context.Background()
	audio := []byte("RIFF....WAVEfmt ")
	for _, c := range []struct {
		name   string
		first  error
		served string
		calls  int
	}{
		{"503 falls back", &upstreamError{Kind: domain.ErrUpstreamUnavailable, Status: 503}, "google/gemini-audio", 1},
		{"429 falls back", &upstreamError{Kind: domain.ErrRateLimited, Status: 429}, "google/gemini-audio", 1},
		{"no endpoints falls back", &upstreamError{Kind: domain.ErrModelNotFound, Status: 404}, "google/gemini-audio", 1},
		{"401 does not", &upstreamError{Kind: domain.ErrInvalidKey, Status: 401}, "", 0},
		{"402 does not", &upstreamError{Kind: domain.ErrInsufficientCredits, Status: 402}, "", 0},
		{"400 does not", &upstreamError{Kind: domain.ErrUpstreamRejected, Status: 400}, "", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t, core.Options{})
			f.withKey(t)
			f.catalogOnce()
			if _, err := f.svc.SaveChoices(ctx, "", map[domain.ModelType]domain.SelectionChoice{
				domain.TypeAudio: {Model: "openai/whisper-1", Fallbacks: []string{"google/gemini-audio"}}}); err != nil {
				t.Fatal(err)
			}
			f.gw.EXPECT().Transcribe(gomock.Any(), gomock.Any(), gomock.Any()).DoAndReturn(
				func(_ context.Context, _ domain.APIKey, r *domain.TranscriptionRequest) (*domain.Transcription, error) {
					if !r.SendOnce {
						t.Error("the first of two models was sent with the gateway's retries")
					}
					return nil, c.first
				})
			// The fallback is a chat model that accepts audio: asked by chat.
			f.gw.EXPECT().ChatCompletion(gomock.Any(), gomock.Any(), gomock.Any()).DoAndReturn(
				func(_ context.Context, _ domain.APIKey, r *domain.ChatRequest) (*domain.ChatResponse, error) {
					if r.Model != "google/gemini-audio" || !r.HasPart(domain.PartInputAudio) || r.SendOnce {
						t.Errorf("fallback request %+v", r)
					}
					return &domain.ChatResponse{Choices: []domain.Choice{{Content: "hello"}}}, nil
				}).Times(c.calls)
			tr, err := f.svc.Transcribe(ctx, "", &domain.TranscriptionRequest{Audio: audio, Format: "wav"})
			if c.served == "" {
				if !errors.Is(err, c.first.(*upstreamError).Kind) {
					t.Fatalf("err %v, want the first model's", err)
				}
				return
			}
			if err != nil || tr.Model != c.served || tr.Text != "hello" {
				t.Fatalf("%+v %v", tr, err)
			}
		})
	}
}

// BenchmarkCompleteWithFallbacks is BenchmarkCompleteCoreOverhead for a
// type with fallbacks: the models list comes from the cached selection,
// so it costs no allocation and no store read per request.
func BenchmarkCompleteWithFallbacks(b *testing.B) {
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
	if _, err := svc.SaveChoices(ctx, "", map[domain.ModelType]domain.SelectionChoice{
		domain.TypeText: {Model: "openai/gpt-4o", Fallbacks: []string{"openai/gpt-3.5-turbo", "google/gemini-audio"}}}); err != nil {
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

type countingSelections struct {
	*memstore.Store
	reads atomic.Int32
}

func (c *countingSelections) GetSelections(ctx context.Context, scope string) ([]domain.SavedSelection, error) {
	c.reads.Add(1)
	return c.Store.GetSelections(ctx, scope)
}

// TestFallbacksReadFromTheCache: requests to a type with fallbacks read
// the selection from the store once per SettingsTTL, as without; another
// replica's new fallbacks are used once the TTL has passed.
func TestFallbacksReadFromTheCache(t *testing.T) {
	ctx := context.Background()
	clock := newClock()
	st := memstore.New()
	sels := &countingSelections{Store: st}
	gw := &stubGateway{models: testModels(), resp: domain.ChatResponse{Choices: []domain.Choice{{Content: "ok"}}}}
	var sent [][]string
	rec := &recordingGateway{stubGateway: gw, sent: &sent}
	svc, err := core.New(core.Deps{Gateway: rec, Keys: st, Selections: sels, Prompts: st, Cipher: &xorCipher{keyID: 1}},
		core.Options{Clock: clock, SettingsTTL: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SetKey(ctx, "", domain.ProviderOpenRouter, testKey); err != nil {
		t.Fatal(err)
	}
	if err := st.SaveSelection(ctx, &domain.SavedSelection{Type: domain.TypeText, ModelID: "openai/gpt-4o", Fallbacks: []string{"openai/gpt-3.5-turbo"}}); err != nil {
		t.Fatal(err)
	}
	for range 20 {
		if _, err := svc.Complete(ctx, "", chat("text")); err != nil {
			t.Fatal(err)
		}
	}
	if n := sels.reads.Load(); n != 1 {
		t.Fatalf("20 requests read the selection %d times, want 1", n)
	}
	// Another replica changes the fallbacks.
	if err := st.SaveSelection(ctx, &domain.SavedSelection{Type: domain.TypeText, ModelID: "openai/gpt-4o", Fallbacks: []string{"google/gemini-audio"}}); err != nil {
		t.Fatal(err)
	}
	clock.Advance(6 * time.Second)
	if _, err := svc.Complete(ctx, "", chat("text")); err != nil {
		t.Fatal(err)
	}
	if got := sent[len(sent)-1]; !slices.Equal(got, []string{"openai/gpt-4o", "google/gemini-audio"}) || sent[0][1] != "openai/gpt-3.5-turbo" {
		t.Fatalf("models sent %q then %q", sent[0], got)
	}
}

// recordingGateway is a stubGateway that keeps each chat's models list.
type recordingGateway struct {
	*stubGateway
	sent *[][]string
}

func (g *recordingGateway) ChatCompletion(ctx context.Context, key domain.APIKey, r *domain.ChatRequest) (*domain.ChatResponse, error) {
	*g.sent = append(*g.sent, r.Models)
	return g.stubGateway.ChatCompletion(ctx, key, r)
}

// TestAudioChatModelsListSkipsSpeechToText: a chat to "audio" whose model
// is a chat model sends no speech-to-text fallback in the models list.
func TestAudioChatModelsListSkipsSpeechToText(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, core.Options{})
	f.withKey(t)
	f.catalogOnce()
	if _, err := f.svc.SaveChoices(ctx, "", map[domain.ModelType]domain.SelectionChoice{
		domain.TypeAudio: {Model: "google/gemini-audio", Fallbacks: []string{"openai/whisper-1"}}}); err != nil {
		t.Fatal(err)
	}
	f.gw.EXPECT().ChatCompletion(gomock.Any(), gomock.Any(), gomock.Any()).DoAndReturn(
		func(_ context.Context, _ domain.APIKey, r *domain.ChatRequest) (*domain.ChatResponse, error) {
			if r.Model != "google/gemini-audio" || r.Models != nil {
				t.Errorf("sent %s with models %q", r.Model, r.Models)
			}
			return &domain.ChatResponse{Model: r.Model}, nil
		})
	if _, err := f.svc.Complete(ctx, "", chat("audio")); err != nil {
		t.Fatal(err)
	}
}
