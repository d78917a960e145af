package core_test

import (
	"context"
	"errors"
	"github.com/aimodels/aimodels/adapters/memstore"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang/mock/gomock"

	"github.com/aimodels/aimodels/core"
	"github.com/aimodels/aimodels/core/domain"
	"github.com/aimodels/aimodels/ports/mocks"
)

const testKey = "sk-or-v1-0123456789abcdef0123456789abcdef"

type fixture struct {
	svc   *core.Service
	gw    *mocks.MockGateway
	store *memstore.Store
	clock *fakeClock
}

func newFixture(t *testing.T, opts core.Options) *fixture {
	t.Helper()
	ctrl := gomock.NewController(t)
	f := &fixture{gw: mocks.NewMockGateway(ctrl), store: memstore.New(), clock: newClock()}
	svc, err := core.New(core.Deps{Gateway: f.gw, Keys: f.store, Selections: f.store, Prompts: f.store, Cipher: &xorCipher{keyID: 1}}, withClock(opts, f.clock))
	if err != nil {
		t.Fatal(err)
	}
	f.svc = svc
	return f
}

// expectKeyCheck expects the GET /key that saving a key makes, answered
// by err (nil: the key is verified).
func (f *fixture) expectKeyCheck(err error) {
	f.gw.EXPECT().KeyInfo(gomock.Any(), gomock.Any()).Return(domain.KeyInfo{}, err).Times(1)
}

func (f *fixture) withKey(t *testing.T) {
	t.Helper()
	f.expectKeyCheck(nil)
	if _, err := f.svc.SetKey(context.Background(), "", domain.ProviderOpenRouter, "  "+testKey+"\n"); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) catalogOnce() {
	f.gw.EXPECT().ListModels(gomock.Any(), gomock.Any()).Return(testModels(), nil).Times(1)
}

func TestNewRequiresPorts(t *testing.T) {
	if _, err := core.New(core.Deps{}, core.Options{}); err == nil {
		t.Fatal("New with no ports succeeded")
	}
}

func TestCatalogCachedForTTL(t *testing.T) {
	f := newFixture(t, core.Options{CatalogTTL: time.Minute})
	ctx := context.Background()
	f.gw.EXPECT().ListModels(gomock.Any(), gomock.Any()).Return(testModels(), nil).Times(2)
	v1, err := f.svc.Catalog(ctx, false)
	if err != nil || v1.Catalog.Len() != 5 || v1.Stale {
		t.Fatalf("first fetch: %+v %v", v1, err)
	}
	f.clock.Advance(59 * time.Second)
	if v, _ := f.svc.Catalog(ctx, false); v.Version != v1.Version {
		t.Fatalf("cache not used within TTL: version %d → %d", v1.Version, v.Version)
	}
	f.clock.Advance(2 * time.Second)
	v2, err := f.svc.Catalog(ctx, false)
	if err != nil || v2.Version == v1.Version {
		t.Fatalf("expired catalog not refetched: %v %v", v2.Version, err)
	}
}

func TestCatalogRefreshForcesFetch(t *testing.T) {
	f := newFixture(t, core.Options{})
	f.gw.EXPECT().ListModels(gomock.Any(), gomock.Any()).Return(testModels(), nil).Times(2)
	ctx := context.Background()
	if _, err := f.svc.Catalog(ctx, false); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Catalog(ctx, true); err != nil {
		t.Fatal(err)
	}
}

func TestCatalogServesStaleOnFailure(t *testing.T) {
	f := newFixture(t, core.Options{CatalogTTL: time.Minute, CatalogRetryAfter: 10 * time.Second})
	ctx := context.Background()
	down := &upstreamError{Kind: domain.ErrUpstreamUnavailable, Status: 503}
	gomock.InOrder(
		f.gw.EXPECT().ListModels(gomock.Any(), gomock.Any()).Return(testModels(), nil),
		f.gw.EXPECT().ListModels(gomock.Any(), gomock.Any()).Return(nil, down),
		f.gw.EXPECT().ListModels(gomock.Any(), gomock.Any()).Return(testModels()[:2], nil),
	)
	good, err := f.svc.Catalog(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(2 * time.Minute)
	stale, err := f.svc.Catalog(ctx, false)
	if err != nil {
		t.Fatalf("failed refresh with a good catalog cached returned error %v", err)
	}
	if !stale.Stale || !errors.Is(stale.StaleReason, domain.ErrUpstreamUnavailable) || stale.Catalog.Len() != good.Catalog.Len() {
		t.Fatalf("want last good catalog marked stale, got stale=%v reason=%v len=%d", stale.Stale, stale.StaleReason, stale.Catalog.Len())
	}
	// Within the retry back-off the upstream is not asked again.
	f.clock.Advance(5 * time.Second)
	if v, _ := f.svc.Catalog(ctx, false); !v.Stale {
		t.Fatal("stale flag lost during back-off")
	}
	f.clock.Advance(6 * time.Second)
	fresh, err := f.svc.Catalog(ctx, false)
	if err != nil || fresh.Stale || fresh.Catalog.Len() != 2 {
		t.Fatalf("recovery: stale=%v len=%d err=%v", fresh.Stale, fresh.Catalog.Len(), err)
	}
}

func TestCatalogColdFailureIsTyped(t *testing.T) {
	f := newFixture(t, core.Options{})
	f.gw.EXPECT().ListModels(gomock.Any(), gomock.Any()).Return(nil, &upstreamError{Kind: domain.ErrTimeout})
	_, err := f.svc.Catalog(context.Background(), false)
	if !errors.Is(err, domain.ErrTimeout) {
		t.Fatalf("got %v, want ErrTimeout", err)
	}
}

func TestCatalogColdStampedeSharesOneFetch(t *testing.T) {
	f := newFixture(t, core.Options{})
	var calls atomic.Int32
	release := make(chan struct{})
	f.gw.EXPECT().ListModels(gomock.Any(), gomock.Any()).DoAndReturn(func(context.Context, domain.APIKey) ([]domain.Model, error) {
		calls.Add(1)
		<-release
		return testModels(), nil
	}).AnyTimes()
	// The fetch is held until every caller has started: whichever callers
	// reach the cache before the release share the one fetch, and any
	// that come after it find the fetched catalog, so the count is 1
	// however the goroutines are scheduled.
	var wg, started sync.WaitGroup
	errs := make(chan error, 100)
	for range 100 {
		wg.Add(1)
		started.Add(1)
		go func() {
			defer wg.Done()
			started.Done()
			v, err := f.svc.Catalog(context.Background(), false)
			if err == nil && v.Catalog.Len() != 5 {
				err = errors.New("wrong catalog")
			}
			errs <- err
		}()
	}
	started.Wait()
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := calls.Load(); n != 1 {
		t.Fatalf("100 cold callers made %d upstream fetches, want 1", n)
	}
}

func TestCatalogCallerCancelDoesNotCancelSharedFetch(t *testing.T) {
	f := newFixture(t, core.Options{})
	release, entered := make(chan struct{}), make(chan struct{})
	f.gw.EXPECT().ListModels(gomock.Any(), gomock.Any()).DoAndReturn(func(ctx context.Context, _ domain.APIKey) ([]domain.Model, error) {
		close(entered)
		<-release
		return testModels(), ctx.Err()
	}).Times(1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { _, err := f.svc.Catalog(ctx, false); done <- err }()
	<-entered // the caller's fetch is running and cannot finish before release
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled caller got %v", err)
	}
	close(release)
	v, err := f.svc.Catalog(context.Background(), false)
	if err != nil || v.Catalog.Len() != 5 {
		t.Fatalf("shared fetch was cancelled with the first caller: %v", err)
	}
}

func TestSelectionDefaultsAndSave(t *testing.T) {
	f := newFixture(t, core.Options{})
	f.catalogOnce()
	ctx := context.Background()
	sel, err := f.svc.Selection(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	want := map[domain.ModelType]string{domain.TypeText: "openai/gpt-3.5-turbo", domain.TypeImage: "openai/gpt-4o", domain.TypeAudio: "openai/whisper-1"}
	for ty, id := range want {
		e := sel[ty]
		if e.ModelID != id || e.Saved || !e.Recommended || e.Model == nil {
			t.Errorf("%s default = %+v, want recommended %s", ty, e, id)
		}
	}
	sel, err = f.svc.SaveSelection(ctx, "", map[domain.ModelType]string{domain.TypeText: "openai/gpt-4o", domain.TypeAudio: "google/gemini-audio"})
	if err != nil {
		t.Fatal(err)
	}
	if e := sel[domain.TypeText]; e.ModelID != "openai/gpt-4o" || !e.Saved || e.Recommended || e.SavedAt.IsZero() {
		t.Errorf("saved text = %+v", e)
	}
	if e := sel[domain.TypeImage]; e.Saved || e.ModelID != "openai/gpt-4o" {
		t.Errorf("image should still be the default: %+v", e)
	}
	rows, _ := f.store.GetSelections(ctx, domain.DefaultScope)
	if len(rows) != 2 {
		t.Fatalf("stored %d rows, want 2", len(rows))
	}
	for _, r := range rows {
		if r.Type == domain.TypeText && (r.ModelName != "GPT-4o" || r.PromptCost != "$2.50/1M tokens") {
			t.Errorf("snapshot not kept: %+v", r)
		}
	}
}

func TestRecommendedDefaultNeverMissingModel(t *testing.T) {
	f := newFixture(t, core.Options{Preferences: map[domain.ModelType][]string{domain.TypeText: {"nope/missing"}}})
	f.gw.EXPECT().ListModels(gomock.Any(), gomock.Any()).Return(testModels()[2:3], nil)
	sel, err := f.svc.Selection(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if e := sel[domain.TypeText]; e.ModelID != "" || e.Model != nil {
		t.Fatalf("text default without any text model = %+v", e)
	}
	if e := sel[domain.TypeAudio]; e.ModelID != "openai/whisper-1" {
		t.Fatalf("audio default = %+v", e)
	}
}

func TestSaveSelectionValidation(t *testing.T) {
	cases := []struct {
		name    string
		choices map[domain.ModelType]string
		want    error
	}{
		{"unknown model", map[domain.ModelType]string{domain.TypeText: "nope/none"}, domain.ErrModelNotFound},
		{"wrong type", map[domain.ModelType]string{domain.TypeImage: "openai/gpt-3.5-turbo"}, domain.ErrModelTypeMismatch},
		{"embedding is no text model", map[domain.ModelType]string{domain.TypeText: "openai/text-embedding-3-small"}, domain.ErrModelTypeMismatch},
		{"unknown type", map[domain.ModelType]string{"video": "openai/gpt-4o"}, domain.ErrValidation},
		{"empty", map[domain.ModelType]string{}, domain.ErrValidation},
		{"one bad of two saves nothing", map[domain.ModelType]string{domain.TypeText: "openai/gpt-4o", domain.TypeAudio: "openai/gpt-3.5-turbo"}, domain.ErrModelTypeMismatch},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t, core.Options{})
			f.gw.EXPECT().ListModels(gomock.Any(), gomock.Any()).Return(testModels(), nil).AnyTimes()
			_, err := f.svc.SaveSelection(context.Background(), "", c.choices)
			if !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
			if rows, _ := f.store.GetSelections(context.Background(), domain.DefaultScope); len(rows) != 0 {
				t.Fatalf("invalid selection stored %d rows", len(rows))
			}
		})
	}
}

func TestKeysEncryptedMaskedAndScoped(t *testing.T) {
	f := newFixture(t, core.Options{})
	ctx := context.Background()
	f.expectKeyCheck(nil)
	st, err := f.svc.SetKey(ctx, "acme", domain.ProviderOpenRouter, testKey)
	if err != nil {
		t.Fatal(err)
	}
	if st.Masked != "sk-or-v1-…cdef" || !st.Configured || strings.Contains(st.Masked, "0123456789") {
		t.Fatalf("status %+v", st)
	}
	rec, err := f.store.GetKey(ctx, "acme", domain.ProviderOpenRouter)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(rec.Ciphertext), testKey) {
		t.Fatal("store holds the plaintext key")
	}
	list, _ := f.svc.KeyStatuses(ctx, "other")
	if len(list) != 1 || list[0].Configured {
		t.Fatalf("other scope sees a key: %+v", list)
	}
	for _, bad := range []string{"", "   ", "xq7z", "sk-or-v1-has space in it 12345", strings.Repeat("x", 600), "sk-or-v1-ключ-0123456789"} {
		if _, err := f.svc.SetKey(ctx, "", domain.ProviderOpenRouter, bad); !errors.Is(err, domain.ErrValidation) {
			t.Errorf("SetKey(%q) = %v, want validation error", bad, err)
		} else if len(bad) > 4 && strings.Contains(err.Error(), bad) {
			t.Errorf("error repeats the key: %v", err)
		}
	}
	if _, err := f.svc.SetKey(ctx, "", "openai", testKey); !errors.Is(err, domain.ErrValidation) {
		t.Errorf("unknown provider accepted: %v", err)
	}
	if err := f.svc.DeleteKey(ctx, "acme", domain.ProviderOpenRouter); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.DeleteKey(ctx, "acme", domain.ProviderOpenRouter); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
}

func TestMovedCiphertextDoesNotDecrypt(t *testing.T) {
	f := newFixture(t, core.Options{SettingsTTL: -1})
	ctx := context.Background()
	f.expectKeyCheck(nil)
	if _, err := f.svc.SetKey(ctx, "a", domain.ProviderOpenRouter, testKey); err != nil {
		t.Fatal(err)
	}
	rec, _ := f.store.GetKey(ctx, "a", domain.ProviderOpenRouter)
	moved := *rec
	moved.Scope = "b"
	moved.ID = 0
	_ = f.store.SaveKey(ctx, &moved)
	res := f.svc.TestConnection(ctx, "b")
	if res.Success || res.Status != domain.ConnKeyUnreadable {
		t.Fatalf("moved ciphertext: %+v", res)
	}
}

func TestBalance(t *testing.T) {
	d := domain.MustDecimal
	ptr := func(s string) *domain.Decimal { v := d(s); return &v }
	cases := []struct {
		name         string
		info         domain.KeyInfo
		credits      domain.Credits
		creditsErr   error
		wantBalance  string
		wantUsage    string
		creditsKnown bool
		wantErr      error
	}{
		{"credits known", domain.KeyInfo{Usage: d("1")}, domain.Credits{TotalCredits: d("300"), TotalUsage: d("60.73895567")}, nil, "239.26104433", "60.73895567", true, nil},
		{"key limit lower", domain.KeyInfo{Usage: d("1"), LimitRemaining: ptr("10")}, domain.Credits{TotalCredits: d("300"), TotalUsage: d("60")}, nil, "10", "60", true, nil},
		{"credits refused 403", domain.KeyInfo{Usage: d("0.65"), LimitRemaining: ptr("4.35")}, domain.Credits{}, &upstreamError{Kind: domain.ErrForbidden, Status: 403}, "4.35", "0.65", false, nil},
		{"credits refused 401", domain.KeyInfo{Usage: d("0.5")}, domain.Credits{}, &upstreamError{Kind: domain.ErrInvalidKey, Status: 401}, "0", "0.5", false, nil},
		{"credits down", domain.KeyInfo{}, domain.Credits{}, &upstreamError{Kind: domain.ErrUpstreamUnavailable}, "0", "0", false, domain.ErrUpstreamUnavailable},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t, core.Options{})
			f.withKey(t)
			f.gw.EXPECT().KeyInfo(gomock.Any(), domain.APIKey(testKey)).Return(c.info, nil)
			f.gw.EXPECT().Credits(gomock.Any(), domain.APIKey(testKey)).Return(c.credits, c.creditsErr)
			b, err := f.svc.Balance(context.Background(), "")
			if c.wantErr != nil {
				if !errors.Is(err, c.wantErr) {
					t.Fatalf("got %v, want %v", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if b.Balance.String() != c.wantBalance || b.Usage.String() != c.wantUsage || b.CreditsKnown != c.creditsKnown {
				t.Fatalf("balance %+v", b)
			}
		})
	}
}

func TestBalanceWithoutKey(t *testing.T) {
	f := newFixture(t, core.Options{})
	if _, err := f.svc.Balance(context.Background(), ""); !errors.Is(err, domain.ErrNoAPIKey) {
		t.Fatalf("got %v", err)
	}
}

func TestTestConnectionStatuses(t *testing.T) {
	cases := []struct {
		err  error
		want domain.ConnectionStatus
	}{
		{nil, domain.ConnSuccess},
		{&upstreamError{Kind: domain.ErrInvalidKey, Status: 401, Message: "User not found."}, domain.ConnInvalidKey},
		{&upstreamError{Kind: domain.ErrRateLimited, Status: 429, Wait: 3 * time.Second}, domain.ConnRateLimited},
		{&upstreamError{Kind: domain.ErrInsufficientCredits, Status: 402}, domain.ConnInsufficientCredit},
		{&upstreamError{Kind: domain.ErrUpstreamUnavailable}, domain.ConnNetworkError},
		{&upstreamError{Kind: domain.ErrTimeout}, domain.ConnTimeout},
		{&upstreamError{Kind: domain.ErrBadUpstreamResponse}, domain.ConnUpstreamError},
	}
	for _, c := range cases {
		t.Run(string(c.want), func(t *testing.T) {
			f := newFixture(t, core.Options{})
			f.withKey(t)
			f.gw.EXPECT().KeyInfo(gomock.Any(), domain.APIKey(testKey)).Return(domain.KeyInfo{Label: "x"}, c.err)
			r := f.svc.TestConnection(context.Background(), "")
			if r.Status != c.want || r.Success != (c.err == nil) || r.Message == "" {
				t.Fatalf("got %+v", r)
			}
			if strings.Contains(r.Message, testKey) {
				t.Fatal("message contains the key")
			}
		})
	}
	f := newFixture(t, core.Options{})
	if r := f.svc.TestConnection(context.Background(), ""); r.Status != domain.ConnNoKey || r.Success {
		t.Fatalf("no key: %+v", r)
	}
}

func chat(model string) *domain.ChatRequest {
	return &domain.ChatRequest{Model: model, Messages: []domain.Message{{Role: "user", Content: domain.TextContent("hi")}}}
}

func TestCompleteResolvesTypeToSelection(t *testing.T) {
	f := newFixture(t, core.Options{})
	f.withKey(t)
	f.catalogOnce()
	ctx := context.Background()
	if _, err := f.svc.SaveSelection(ctx, "", map[domain.ModelType]string{domain.TypeText: "openai/gpt-4o"}); err != nil {
		t.Fatal(err)
	}
	var got []string
	f.gw.EXPECT().ChatCompletion(gomock.Any(), domain.APIKey(testKey), gomock.Any()).DoAndReturn(
		func(_ context.Context, _ domain.APIKey, r *domain.ChatRequest) (*domain.ChatResponse, error) {
			got = append(got, r.Model)
			return &domain.ChatResponse{Model: r.Model, Choices: []domain.Choice{{Content: "ok"}}}, nil
		}).Times(3)
	for _, m := range []string{"text", "image", "mistralai/mistral-small"} {
		if _, err := f.svc.Complete(ctx, "", chat(m)); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"openai/gpt-4o", "openai/gpt-4o", "mistralai/mistral-small"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("models sent upstream %v, want %v", got, want)
	}
}

func TestCompleteErrors(t *testing.T) {
	f := newFixture(t, core.Options{})
	ctx := context.Background()
	if _, err := f.svc.Complete(ctx, "", chat("text")); !errors.Is(err, domain.ErrNoAPIKey) {
		t.Fatalf("no key: %v", err)
	}
	if _, err := f.svc.Complete(ctx, "", &domain.ChatRequest{Model: "text"}); !errors.Is(err, domain.ErrValidation) {
		t.Fatalf("no messages: %v", err)
	}
	f.withKey(t)
	f.catalogOnce()
	f.gw.EXPECT().ChatCompletion(gomock.Any(), gomock.Any(), gomock.Any()).Return(nil, &upstreamError{Kind: domain.ErrInsufficientCredits, Status: 402})
	if _, err := f.svc.Complete(ctx, "", chat("text")); !errors.Is(err, domain.ErrInsufficientCredits) {
		t.Fatalf("402: %v", err)
	}
}

func TestAudioRoutingByModelKind(t *testing.T) {
	ctx := context.Background()
	audio := []byte("RIFF....WAVEfmt ")
	t.Run("speech-to-text model uses the transcription endpoint", func(t *testing.T) {
		f := newFixture(t, core.Options{})
		f.withKey(t)
		f.catalogOnce()
		f.gw.EXPECT().Transcribe(gomock.Any(), domain.APIKey(testKey), gomock.Any()).DoAndReturn(
			func(_ context.Context, _ domain.APIKey, r *domain.TranscriptionRequest) (*domain.Transcription, error) {
				if r.Model != "openai/whisper-1" || string(r.Audio) != string(audio) {
					t.Errorf("request %+v", r)
				}
				return &domain.Transcription{Text: "hello"}, nil
			})
		tr, err := f.svc.Transcribe(ctx, "", &domain.TranscriptionRequest{Audio: audio, Format: "WAV"})
		if err != nil || tr.Text != "hello" || tr.Model != "openai/whisper-1" {
			t.Fatalf("%+v %v", tr, err)
		}
	})
	t.Run("audio-input chat model gets an input_audio part", func(t *testing.T) {
		f := newFixture(t, core.Options{})
		f.withKey(t)
		f.catalogOnce()
		if _, err := f.svc.SaveSelection(ctx, "", map[domain.ModelType]string{domain.TypeAudio: "google/gemini-audio"}); err != nil {
			t.Fatal(err)
		}
		f.gw.EXPECT().ChatCompletion(gomock.Any(), domain.APIKey(testKey), gomock.Any()).DoAndReturn(
			func(_ context.Context, _ domain.APIKey, r *domain.ChatRequest) (*domain.ChatResponse, error) {
				if r.Model != "google/gemini-audio" || !r.HasPart(domain.PartInputAudio) || r.Messages[0].Content.Parts[0].Text == "" {
					t.Errorf("request %+v", r)
				}
				return &domain.ChatResponse{Choices: []domain.Choice{{Content: "hello there"}}}, nil
			})
		tr, err := f.svc.Transcribe(ctx, "", &domain.TranscriptionRequest{Audio: audio, Format: "wav"})
		if err != nil || tr.Text != "hello there" {
			t.Fatalf("%+v %v", tr, err)
		}
	})
	t.Run("chat with model audio on a speech-to-text model transcribes", func(t *testing.T) {
		f := newFixture(t, core.Options{})
		f.withKey(t)
		f.catalogOnce()
		f.gw.EXPECT().Transcribe(gomock.Any(), gomock.Any(), gomock.Any()).Return(&domain.Transcription{Text: "spoken"}, nil)
		req := &domain.ChatRequest{Model: "audio", Messages: []domain.Message{{Role: "user", Content: domain.Content{Parts: []domain.ContentPart{
			{Type: domain.PartInputAudio, InputAudio: &domain.InputAudio{Data: "UklGRg==", Format: "wav"}}}}}}}
		resp, err := f.svc.Complete(ctx, "", req)
		if err != nil || resp.Text() != "spoken" || resp.Model != "openai/whisper-1" {
			t.Fatalf("%+v %v", resp, err)
		}
	})
	t.Run("a text-only model cannot transcribe", func(t *testing.T) {
		f := newFixture(t, core.Options{})
		f.withKey(t)
		f.catalogOnce()
		_, err := f.svc.Transcribe(ctx, "", &domain.TranscriptionRequest{Model: "openai/gpt-3.5-turbo", Audio: audio, Format: "wav"})
		if !errors.Is(err, domain.ErrModelTypeMismatch) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("bad audio is a validation error", func(t *testing.T) {
		f := newFixture(t, core.Options{})
		for _, r := range []*domain.TranscriptionRequest{{Format: "wav"}, {Audio: audio, Format: "exe"}} {
			if _, err := f.svc.Transcribe(ctx, "", r); !errors.Is(err, domain.ErrValidation) {
				t.Fatalf("got %v", err)
			}
		}
	})
}

func TestSettingsCacheSeesOtherReplicaWithinTTL(t *testing.T) {
	f := newFixture(t, core.Options{SettingsTTL: 5 * time.Second})
	f.catalogOnce()
	ctx := context.Background()
	if _, err := f.svc.Selection(ctx, ""); err != nil {
		t.Fatal(err)
	}
	// Another replica writes straight to the shared store.
	_ = f.store.SaveSelection(ctx, &domain.SavedSelection{Scope: domain.DefaultScope, Type: domain.TypeText, ModelID: "openai/gpt-4o"})
	sel, _ := f.svc.Selection(ctx, "")
	if sel[domain.TypeText].Saved {
		t.Fatal("cache bypassed before TTL (test premise)")
	}
	f.clock.Advance(6 * time.Second)
	sel, _ = f.svc.Selection(ctx, "")
	if !sel[domain.TypeText].Saved || sel[domain.TypeText].ModelID != "openai/gpt-4o" {
		t.Fatalf("other replica's write not seen after TTL: %+v", sel[domain.TypeText])
	}
}

func TestPrompts(t *testing.T) {
	f := newFixture(t, core.Options{})
	ctx := context.Background()
	p, err := f.svc.CreatePrompt(ctx, "", domain.Prompt{Name: " greet ", Type: domain.TypeText, Text: "Say hi"})
	if err != nil || p.ID == 0 || p.Name != "greet" || p.CreatedAt.IsZero() {
		t.Fatalf("%+v %v", p, err)
	}
	if _, err := f.svc.CreatePrompt(ctx, "", domain.Prompt{Name: "greet", Type: domain.TypeText, Text: "x"}); !errors.Is(err, domain.ErrConflict) {
		t.Fatalf("duplicate: %v", err)
	}
	for _, bad := range []domain.Prompt{{Type: domain.TypeText, Text: "x"}, {Name: "n", Type: "video", Text: "x"}, {Name: "n", Type: domain.TypeText}, {Name: strings.Repeat("я", 201), Type: domain.TypeText, Text: "x"}, {Name: "bad\xff", Type: domain.TypeText, Text: "x"}} {
		if _, err := f.svc.CreatePrompt(ctx, "", bad); !errors.Is(err, domain.ErrValidation) {
			t.Errorf("%+v accepted: %v", bad, err)
		}
	}
	p.Text = "Say hello"
	if _, err := f.svc.UpdatePrompt(ctx, "", *p); err != nil {
		t.Fatal(err)
	}
	got, _ := f.svc.GetPrompt(ctx, "", p.ID)
	if got.Text != "Say hello" {
		t.Fatalf("update lost: %+v", got)
	}
	if page, _ := f.svc.ListPrompts(ctx, "", domain.TypeImage, "", 0); len(page.Prompts) != 0 {
		t.Fatalf("type filter: %v", page)
	}
	if _, err := f.svc.GetPrompt(ctx, "elsewhere", p.ID); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("other scope reads prompt: %v", err)
	}
	if err := f.svc.DeletePrompt(ctx, "", p.ID); err != nil {
		t.Fatal(err)
	}
}

func TestCatalogFetchedWithDefaultScopeKey(t *testing.T) {
	f := newFixture(t, core.Options{})
	f.gw.EXPECT().ListModels(gomock.Any(), domain.APIKey("")).Return(testModels(), nil)
	if _, err := f.svc.Catalog(context.Background(), false); err != nil {
		t.Fatal(err)
	}
	f.withKey(t)
	f.gw.EXPECT().ListModels(gomock.Any(), domain.APIKey(testKey)).Return(testModels(), nil)
	if _, err := f.svc.Catalog(context.Background(), true); err != nil {
		t.Fatal(err)
	}
}

func TestCatalogGatewayPanicReleasesWaiters(t *testing.T) {
	f := newFixture(t, core.Options{})
	f.gw.EXPECT().ListModels(gomock.Any(), gomock.Any()).DoAndReturn(func(context.Context, domain.APIKey) ([]domain.Model, error) {
		panic("boom")
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := f.svc.Catalog(ctx, false)
	if err == nil || errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "panicked") {
		t.Fatalf("got %v", err)
	}
}

func TestBalanceDoesNotWaitForCreditsWhenKeyFails(t *testing.T) {
	f := newFixture(t, core.Options{})
	f.withKey(t)
	f.gw.EXPECT().KeyInfo(gomock.Any(), gomock.Any()).Return(domain.KeyInfo{}, &upstreamError{Kind: domain.ErrInvalidKey})
	f.gw.EXPECT().Credits(gomock.Any(), gomock.Any()).DoAndReturn(func(ctx context.Context, _ domain.APIKey) (domain.Credits, error) {
		<-ctx.Done() // a /credits call stuck in retries
		return domain.Credits{}, ctx.Err()
	})
	begin := time.Now()
	_, err := f.svc.Balance(context.Background(), "")
	if !errors.Is(err, domain.ErrInvalidKey) || time.Since(begin) > 2*time.Second {
		t.Fatalf("err %v after %v", err, time.Since(begin))
	}
}

// TestSelectionAvailabilityIsCheckedOrUnknown: a saved model is checked
// against the catalog; when the catalog cannot be fetched at all the
// entry says so (Checked false) instead of claiming it was found.
func TestSelectionAvailabilityIsCheckedOrUnknown(t *testing.T) {
	ctx := context.Background()
	save := func(f *fixture, id string) {
		if err := f.store.SaveSelection(ctx, &domain.SavedSelection{Scope: domain.DefaultScope, Type: domain.TypeText, ModelID: id, SavedAt: time.Unix(1, 0)}); err != nil {
			t.Fatal(err)
		}
	}

	down := newFixture(t, core.Options{})
	save(down, "openai/gpt-4o")
	down.gw.EXPECT().ListModels(gomock.Any(), gomock.Any()).Return(nil, &upstreamError{Kind: domain.ErrUpstreamUnavailable, Status: 503}).AnyTimes()
	sel, err := down.svc.Selection(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if e := sel[domain.TypeText]; !e.Saved || !e.Available || e.Checked || e.Model != nil {
		t.Fatalf("catalog down: %+v, want available but not checked", e)
	}

	up := newFixture(t, core.Options{})
	save(up, "gone/model")
	up.catalogOnce()
	sel, err = up.svc.Selection(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if e := sel[domain.TypeText]; e.Available || !e.Checked {
		t.Fatalf("model missing from the catalog: %+v, want checked and unavailable", e)
	}
	if e := sel[domain.TypeImage]; !e.Available || !e.Checked || e.Model == nil {
		t.Fatalf("default in the catalog: %+v, want checked and available", e)
	}
}

// disablingCipher is xorCipher with keys that can be disabled, as a
// rotation with -disable-old does in another process.
type disablingCipher struct {
	xorCipher
	mu       sync.Mutex
	disabled map[byte]bool
}

func (c *disablingCipher) Decrypt(ct, ad []byte) ([]byte, error) {
	c.mu.Lock()
	off := len(ct) > 0 && c.disabled[ct[0]]
	c.mu.Unlock()
	if off {
		return nil, domain.ErrDecrypt
	}
	return c.xorCipher.Decrypt(ct, ad)
}

// TestCachedKeyRecordReadAgainAfterRotation: a key record cached before
// a rotation re-encrypted it (and disabled the old key) is read from the
// store again instead of failing until the cache expires.
func TestCachedKeyRecordReadAgainAfterRotation(t *testing.T) {
	ctrl := gomock.NewController(t)
	gw := mocks.NewMockGateway(ctrl)
	store := memstore.New()
	keys := &countingKeys{Store: store}
	clock := newClock()
	cipher := &disablingCipher{xorCipher: xorCipher{keyID: 1}, disabled: map[byte]bool{}}
	svc, err := core.New(core.Deps{Gateway: gw, Keys: keys, Selections: store, Prompts: store, Cipher: cipher}, core.Options{Clock: clock, SettingsTTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	gw.EXPECT().KeyInfo(gomock.Any(), domain.APIKey(testKey)).Return(domain.KeyInfo{}, nil).Times(1) // the check on save
	if _, err := svc.SetKey(ctx, "", domain.ProviderOpenRouter, testKey); err != nil {
		t.Fatal(err)
	}
	gw.EXPECT().KeyInfo(gomock.Any(), domain.APIKey(testKey)).Return(domain.KeyInfo{}, nil).Times(4)
	gw.EXPECT().Credits(gomock.Any(), domain.APIKey(testKey)).Return(domain.Credits{}, nil).Times(4)
	if _, err := svc.Balance(ctx, ""); err != nil { // caches the record
		t.Fatal(err)
	}

	// Another process rotates: re-encrypts under key 2, disables key 1.
	rec, err := store.GetKey(ctx, domain.DefaultScope, domain.ProviderOpenRouter)
	if err != nil {
		t.Fatal(err)
	}
	ct, id, _ := (&xorCipher{keyID: 2}).Encrypt([]byte(testKey), domain.AssociatedData(rec.Scope, rec.Provider))
	rec.Ciphertext, rec.KeyID = ct, id
	if err := store.SaveKey(ctx, rec); err != nil {
		t.Fatal(err)
	}
	cipher.mu.Lock()
	cipher.disabled[1] = true
	cipher.mu.Unlock()

	if _, err := svc.Balance(ctx, ""); err != nil {
		t.Fatalf("after the rotation, with the old record cached: %v", err)
	}
	if _, err := svc.Balance(ctx, ""); err != nil {
		t.Fatalf("the fresh record is cached again: %v", err)
	}

	// A record that cannot be decrypted at all is still an error, and it
	// is read again at most once per settings TTL, not on every request.
	clock.Advance(2 * time.Hour)
	if _, err := svc.Balance(ctx, ""); err != nil { // refills the cache
		t.Fatal(err)
	}
	cipher.mu.Lock()
	cipher.disabled[2] = true
	cipher.mu.Unlock()
	before := keys.reads.Load()
	for range 20 {
		if _, err := svc.Balance(ctx, ""); !errors.Is(err, domain.ErrDecrypt) {
			t.Fatalf("undecryptable record: %v", err)
		}
	}
	if n := keys.reads.Load() - before; n != 1 {
		t.Fatalf("%d store reads for 20 failing requests, want 1", n)
	}
	clock.Advance(2 * time.Hour)
	if _, err := svc.Balance(ctx, ""); !errors.Is(err, domain.ErrDecrypt) {
		t.Fatalf("undecryptable record: %v", err)
	}
}

// countingKeys counts the store's key reads.
type countingKeys struct {
	*memstore.Store
	reads atomic.Int32
}

func (c *countingKeys) GetKey(ctx context.Context, scope, provider string) (*domain.StoredKey, error) {
	c.reads.Add(1)
	return c.Store.GetKey(ctx, scope, provider)
}

// Prompts come a page at a time, in name order, each page continuing
// exactly after the last; a scope keeps at most MaxPromptsPerScope.
func TestPromptPagesAndCap(t *testing.T) {
	f := newFixture(t, core.Options{MaxPromptsPerScope: 7})
	ctx := context.Background()
	for _, n := range []string{"g", "b", "e", "a", "f", "c", "d"} {
		if _, err := f.svc.CreatePrompt(ctx, "", domain.Prompt{Name: n, Type: domain.TypeText, Text: "t"}); err != nil {
			t.Fatal(err)
		}
	}
	_, err := f.svc.CreatePrompt(ctx, "", domain.Prompt{Name: "h", Type: domain.TypeText, Text: "t"})
	var ve *domain.ValidationError
	if !errors.As(err, &ve) || ve.Field != "prompts" {
		t.Fatalf("the 8th prompt of a scope capped at 7: %v", err)
	}
	if _, err := f.svc.CreatePrompt(ctx, "other", domain.Prompt{Name: "h", Type: domain.TypeText, Text: "t"}); err != nil {
		t.Fatalf("the cap is per scope: %v", err)
	}
	var names []string
	cursor, pages := "", 0
	for {
		page, err := f.svc.ListPrompts(ctx, "", "", cursor, 3)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, p := range page.Prompts {
			names = append(names, p.Name)
		}
		if page.Next == "" {
			break
		}
		cursor = page.Next
	}
	if got := strings.Join(names, ""); got != "abcdefg" || pages != 3 {
		t.Fatalf("pages gave %q in %d pages", got, pages)
	}
	if page, _ := f.svc.ListPrompts(ctx, "", "", "", 0); len(page.Prompts) != 7 || page.Next != "" {
		t.Fatalf("default page: %d, next %q", len(page.Prompts), page.Next)
	}
	for _, bad := range []struct {
		cursor string
		limit  int
	}{{"", 501}, {"", -1}, {"not-base64!", 0}, {"eHl6", 0}} {
		if _, err := f.svc.ListPrompts(ctx, "", "", bad.cursor, bad.limit); !errors.Is(err, domain.ErrValidation) {
			t.Errorf("%+v: %v", bad, err)
		}
	}
}

// TestSavedChoicesNeedNoCatalog: the saved choices come from the store
// alone (the metrics read them periodically): no catalog fetch, so a
// server left alone makes no upstream call. The gateway mock fails on
// any call.
func TestSavedChoicesNeedNoCatalog(t *testing.T) {
	f := newFixture(t, core.Options{})
	ctx := context.Background()
	if err := f.store.SaveSelection(ctx, &domain.SavedSelection{Scope: domain.DefaultScope, Type: domain.TypeText,
		ModelID: "openai/gpt-4o", Fallbacks: []string{"google/gemini-2.5-flash"}}); err != nil {
		t.Fatal(err)
	}
	got, err := f.svc.SavedChoices(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ModelID != "openai/gpt-4o" || len(got[0].Fallbacks) != 1 {
		t.Fatalf("saved choices: %+v", got)
	}
	got[0].Fallbacks[0] = "changed"
	if again, _ := f.svc.SavedChoices(ctx, ""); again[0].Fallbacks[0] != "google/gemini-2.5-flash" {
		t.Fatal("the caller changed the cached choices")
	}
}
