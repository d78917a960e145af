package core_test

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/golang/mock/gomock"

	"github.com/aimodels/aimodels/adapters/memstore"
	"github.com/aimodels/aimodels/core"
	"github.com/aimodels/aimodels/core/domain"
	"github.com/aimodels/aimodels/ports"
	"github.com/aimodels/aimodels/ports/mocks"
)

func newLedgerFixture(t *testing.T) *fixture {
	t.Helper()
	ctrl := gomock.NewController(t)
	f := &fixture{gw: mocks.NewMockGateway(ctrl), store: memstore.New(), clock: newClock()}
	svc, err := core.New(core.Deps{Gateway: f.gw, Keys: f.store, Selections: f.store, Prompts: f.store, Cipher: &xorCipher{keyID: 1}, Usage: f.store},
		core.Options{Clock: f.clock, Ledger: core.LedgerOptions{FlushEvery: time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svc.Close(context.Background()) })
	f.svc = svc
	return f
}

func (f *fixture) rows(t *testing.T) []domain.UsageEvent {
	t.Helper()
	if err := f.svc.Ledger().Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	rows, err := f.store.ListUsage(context.Background(), "default", domain.UsageListQuery{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// fakeStream serves chunks then io.EOF, advancing the clock before each,
// and reports meta as the OpenRouter stream does.
type fakeStream struct {
	clock  *fakeClock
	chunks int
	meta   domain.StreamMeta
	closed bool
}

func (s *fakeStream) Recv() (domain.StreamChunk, error) {
	s.clock.Advance(100 * time.Millisecond)
	if s.chunks == 0 {
		return domain.StreamChunk{}, io.EOF
	}
	s.chunks--
	return domain.StreamChunk{Data: []byte(`{}`)}, nil
}
func (s *fakeStream) Close() error                  { s.closed = true; return nil }
func (s *fakeStream) StreamMeta() domain.StreamMeta { return s.meta }

var _ ports.StreamMetaReporter = (*fakeStream)(nil)

func TestRequestsRecordUsage(t *testing.T) {
	f := newLedgerFixture(t)
	f.withKey(t)
	f.catalogOnce()
	ctx := context.Background()
	if _, err := f.svc.SaveSelection(ctx, "", map[domain.ModelType]string{domain.TypeText: "openai/gpt-4o"}); err != nil {
		t.Fatal(err)
	}
	f.gw.EXPECT().ChatCompletion(gomock.Any(), gomock.Any(), gomock.Any()).DoAndReturn(
		func(_ context.Context, _ domain.APIKey, r *domain.ChatRequest) (*domain.ChatResponse, error) {
			f.clock.Advance(250 * time.Millisecond)
			return &domain.ChatResponse{ID: "gen-1", Model: "openai/gpt-4o-2024", Provider: "OpenAI",
				Usage: domain.Usage{PromptTokens: 31, CompletionTokens: 21, CachedTokens: 4, ReasoningTokens: 2, Cost: domain.MustDecimal("0.000669")}}, nil
		})
	if _, err := f.svc.Complete(ctx, "", chat("text")); err != nil {
		t.Fatal(err)
	}
	f.gw.EXPECT().ChatCompletion(gomock.Any(), gomock.Any(), gomock.Any()).Return(nil, &upstreamError{Kind: domain.ErrRateLimited, Status: 429})
	if _, err := f.svc.Complete(ctx, "", chat("mistralai/mistral-small")); !errors.Is(err, domain.ErrRateLimited) {
		t.Fatal(err)
	}
	st := &fakeStream{clock: f.clock, chunks: 3, meta: domain.StreamMeta{ID: "gen-s", Model: "openai/gpt-4o", Provider: "Azure",
		Usage: domain.Usage{PromptTokens: 43, CompletionTokens: 36, ReasoningTokens: 13, Cost: domain.MustDecimal("0.000669")}, HasUsage: true}}
	f.gw.EXPECT().ChatCompletionStream(gomock.Any(), gomock.Any(), gomock.Any()).Return(st, nil)
	s, err := f.svc.Stream(ctx, "", chat("text"))
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := s.Recv(); err != nil {
			break
		}
	}
	_ = s.Close()
	f.gw.EXPECT().Transcribe(gomock.Any(), gomock.Any(), gomock.Any()).Return(&domain.Transcription{Text: "hi",
		Usage: domain.TranscriptionUsage{Cost: domain.MustDecimal("0.0001"), Seconds: 1.5}}, nil)
	if _, err := f.svc.Transcribe(ctx, "", &domain.TranscriptionRequest{Model: "openai/whisper-1", Audio: []byte("RIFF"), Format: "wav"}); err != nil {
		t.Fatal(err)
	}
	// Refused before anything is sent: no row.
	if _, err := f.svc.Complete(ctx, "", &domain.ChatRequest{Model: "text"}); !errors.Is(err, domain.ErrValidation) {
		t.Fatal(err)
	}

	rows := f.rows(t)
	if len(rows) != 4 {
		t.Fatalf("%d rows, want 4: %+v", len(rows), rows)
	}
	by := map[domain.UsageEndpoint][]domain.UsageEvent{}
	for _, r := range rows {
		by[r.Endpoint] = append(by[r.Endpoint], r)
	}
	var ok, failed domain.UsageEvent
	for _, r := range by[domain.EndpointChat] {
		if r.Outcome == domain.OutcomeOK {
			ok = r
		} else {
			failed = r
		}
	}
	if ok.Type != "text" || ok.RequestedModel != "openai/gpt-4o" || ok.Model != "openai/gpt-4o-2024" || ok.GenerationID != "gen-1" ||
		ok.Provider != "OpenAI" || ok.Cost.String() != "0.000669" || ok.Latency != 250*time.Millisecond ||
		ok.Tokens != (domain.UsageTokens{Prompt: 31, Completion: 21, Cached: 4, Reasoning: 2}) {
		t.Fatalf("chat row %+v", ok)
	}
	if failed.Type != domain.UsageTypeExplicit || failed.Outcome != "rate_limited" || failed.RequestedModel != "mistralai/mistral-small" || !failed.Cost.IsZero() {
		t.Fatalf("failed row %+v", failed)
	}
	sr := by[domain.EndpointStream]
	if len(sr) != 1 || sr[0].TTFT != 100*time.Millisecond || sr[0].Latency != 400*time.Millisecond || sr[0].Outcome != "ok" ||
		sr[0].GenerationID != "gen-s" || sr[0].Provider != "Azure" || sr[0].Tokens.Reasoning != 13 || sr[0].Cost.String() != "0.000669" {
		t.Fatalf("stream row %+v", sr)
	}
	tr := by[domain.EndpointTranscription]
	if len(tr) != 1 || tr[0].Type != domain.UsageTypeExplicit || tr[0].AudioSeconds != 1.5 || tr[0].Cost.String() != "0.0001" || tr[0].Model != "openai/whisper-1" {
		t.Fatalf("transcription row %+v", tr)
	}
}

func TestStreamClosedEarlyIsCanceled(t *testing.T) {
	f := newLedgerFixture(t)
	f.withKey(t)
	st := &fakeStream{clock: f.clock, chunks: 5}
	f.gw.EXPECT().ChatCompletionStream(gomock.Any(), gomock.Any(), gomock.Any()).Return(st, nil)
	f.gw.EXPECT().ListModels(gomock.Any(), gomock.Any()).Return(testModels(), nil).AnyTimes()
	s, err := f.svc.Stream(context.Background(), "", chat("openai/gpt-4o"))
	if err != nil {
		t.Fatal(err)
	}
	_, _ = s.Recv()
	_ = s.Close()
	_ = s.Close()
	rows := f.rows(t)
	if len(rows) != 1 || rows[0].Outcome != "canceled" || !st.closed {
		t.Fatalf("rows %+v", rows)
	}
}

func TestBalanceBurnRateAndSnapshots(t *testing.T) {
	f := newLedgerFixture(t)
	f.withKey(t)
	ctx := context.Background()
	// 7 USD spent over the window (one day is outside it).
	now := f.clock.Now()
	evs := []domain.UsageEvent{
		{Key: "a", Scope: "default", Time: now.Add(-time.Hour), Type: "text", Outcome: "ok", Cost: domain.MustDecimal("3.5")},
		{Key: "b", Scope: "default", Time: now.AddDate(0, 0, -6), Type: "text", Outcome: "rate_limited", Cost: domain.MustDecimal("3.5")},
		{Key: "c", Scope: "default", Time: now.AddDate(0, 0, -7), Type: "text", Outcome: "ok", Cost: domain.MustDecimal("100")},
	}
	if err := f.store.InsertUsage(ctx, evs); err != nil {
		t.Fatal(err)
	}
	f.gw.EXPECT().KeyInfo(gomock.Any(), gomock.Any()).Return(domain.KeyInfo{}, nil).Times(3)
	f.gw.EXPECT().Credits(gomock.Any(), gomock.Any()).Return(domain.Credits{TotalCredits: domain.MustDecimal("20"), TotalUsage: domain.MustDecimal("5")}, nil).Times(3)
	b, err := f.svc.Balance(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if b.Burn == nil || b.Burn.PerDay.String() != "1" || b.Burn.DaysLeft == nil || b.Burn.DaysLeft.String() != "15" || b.Burn.WindowDays != 7 {
		t.Fatalf("burn %+v", b.Burn)
	}
	f.clock.Advance(30 * time.Second)
	if _, err := f.svc.Balance(ctx, ""); err != nil { // throttled: no snapshot
		t.Fatal(err)
	}
	f.clock.Advance(31 * time.Second)
	if _, err := f.svc.Balance(ctx, ""); err != nil {
		t.Fatal(err)
	}
	snaps, err := f.svc.BalanceHistory(ctx, "", now.Add(-time.Hour), now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(snaps) != 2 || snaps[0].Balance.String() != "15" || snaps[0].Used.String() != "5" || !snaps[0].Known {
		t.Fatalf("snapshots %+v", snaps)
	}
}

func TestUsageRequestsPages(t *testing.T) {
	f := newLedgerFixture(t)
	ctx := context.Background()
	var evs []domain.UsageEvent
	for i := range 7 {
		evs = append(evs, domain.UsageEvent{Key: string(rune('a' + i)), Scope: "default", Time: f.clock.Now().Add(time.Duration(i) * time.Minute), Type: "text", Outcome: "ok"})
	}
	if err := f.store.InsertUsage(ctx, evs); err != nil {
		t.Fatal(err)
	}
	seen := 0
	cursor := ""
	for pages := 0; pages < 10; pages++ {
		p, err := f.svc.UsageRequests(ctx, "", domain.UsageListQuery{Limit: 3}, cursor)
		if err != nil {
			t.Fatal(err)
		}
		seen += len(p.Events)
		if p.Next == "" {
			break
		}
		cursor = p.Next
	}
	if seen != 7 {
		t.Fatalf("paged %d rows, want 7", seen)
	}
	if _, err := f.svc.UsageRequests(ctx, "", domain.UsageListQuery{}, "garbage"); !errors.Is(err, domain.ErrValidation) {
		t.Fatalf("bad cursor: %v", err)
	}
	if _, err := f.svc.UsageRequests(ctx, "", domain.UsageListQuery{Limit: 501}, ""); !errors.Is(err, domain.ErrValidation) {
		t.Fatalf("limit 501: %v", err)
	}
}

func TestUsageRecordsThePromptApplied(t *testing.T) {
	f := newLedgerFixture(t)
	f.withKey(t)
	f.catalogOnce()
	ctx := context.Background()
	p, err := f.svc.CreatePrompt(ctx, "", domain.Prompt{Name: "greeter", Type: domain.TypeText, Text: "Be kind."})
	if err != nil {
		t.Fatal(err)
	}
	f.gw.EXPECT().ChatCompletion(gomock.Any(), gomock.Any(), gomock.Any()).Return(&domain.ChatResponse{Model: "openai/gpt-4o"}, nil)
	req := chat("text")
	req.Prompt = "greeter"
	if _, err := f.svc.Complete(ctx, "", req); err != nil {
		t.Fatal(err)
	}
	rows := f.rows(t)
	if len(rows) != 1 || rows[0].Prompt != "greeter" || rows[0].PromptVersion != p.Version || p.Version == 0 {
		t.Fatalf("rows %+v (prompt version %d)", rows, p.Version)
	}
}

func TestTryIsRecordedAsTry(t *testing.T) {
	f := newLedgerFixture(t)
	f.withKey(t)
	f.gw.EXPECT().ListModels(gomock.Any(), gomock.Any()).Return(testModels(), nil).AnyTimes()
	f.gw.EXPECT().ChatCompletion(gomock.Any(), gomock.Any(), gomock.Any()).Return(&domain.ChatResponse{Model: "openai/gpt-4o",
		Usage: domain.Usage{Cost: domain.MustDecimal("0.00001")}}, nil)
	if _, err := f.svc.Try(context.Background(), "", domain.TryRequest{Type: domain.TypeText, Model: "openai/gpt-4o"}); err != nil {
		t.Fatal(err)
	}
	rows := f.rows(t)
	if len(rows) != 1 || rows[0].Endpoint != domain.EndpointTry || rows[0].Type != domain.UsageTypeExplicit || rows[0].Cost.String() != "0.00001" {
		t.Fatalf("rows %+v", rows)
	}
}
