package core_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang/mock/gomock"

	"github.com/aimodels/aimodels/core"
	"github.com/aimodels/aimodels/core/domain"
	"github.com/aimodels/aimodels/ports/mocks"
)

func newFixtureWithSnapshots(t *testing.T, f0 *fixture) *fixture {
	t.Helper()
	ctrl := gomock.NewController(t)
	f := &fixture{gw: mocks.NewMockGateway(ctrl), clock: newClock()}
	f.store = f0.store
	if f0.clock != nil {
		f.clock = f0.clock
	}
	svc, err := core.New(core.Deps{Gateway: f.gw, Keys: f.store, Selections: f.store, Prompts: f.store, Cipher: &xorCipher{keyID: 1}, Snapshots: f.store},
		core.Options{Clock: f.clock})
	if err != nil {
		t.Fatal(err)
	}
	f.svc = svc
	return f
}

// The server remembers the catalog it served; a refresh says what was
// added, removed and repriced, and flags the saved choices concerned.
func TestCatalogChangesAndSelectionFlags(t *testing.T) {
	f := newFixtureWithSnapshots(t, newFixture(t, core.Options{}))
	ctx := context.Background()
	f.catalogOnce()
	v, err := f.svc.Catalog(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if v.Changes != nil {
		t.Fatalf("first catalog ever has changes: %+v", v.Changes)
	}
	if r := v.Recommended[domain.TypeAudio]; r.Model == nil || r.Model.ID != "openai/whisper-1" || r.Rule == "" {
		t.Fatalf("recommended audio = %+v", r)
	}
	first := v.Catalog.FetchedAt()
	if _, err := f.svc.SaveSelection(ctx, "", map[domain.ModelType]string{domain.TypeText: "openai/gpt-4o", domain.TypeAudio: "openai/whisper-1", domain.TypeImage: "openai/gpt-4o"}); err != nil {
		t.Fatal(err)
	}
	sel, _ := f.svc.Selection(ctx, "")
	for _, e := range sel {
		if e.Flag != nil {
			t.Fatalf("flag before any change: %+v", e)
		}
	}

	// OpenRouter now lists gpt-4o dearer, no whisper-1, and a new model.
	next := testModels()
	var kept []domain.Model
	for _, m := range next {
		switch m.ID {
		case "openai/gpt-4o":
			m.Pricing.Prompt = domain.ParsePrice("0.000003")
		case "openai/whisper-1":
			continue
		}
		kept = append(kept, m)
	}
	kept = append(kept, domain.Model{ID: "new/model", Name: "New", InputModalities: []string{"text"}, OutputModalities: []string{"text"},
		Types: []domain.ModelType{domain.TypeText}, Pricing: domain.Pricing{Prompt: domain.ParsePrice("0"), Completion: domain.ParsePrice("0")}})
	f.clock.Advance(time.Hour)
	f.gw.EXPECT().ListModels(gomock.Any(), gomock.Any()).Return(kept, nil).Times(1)
	v, err = f.svc.Catalog(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	ch := v.Changes
	second := v.Catalog.FetchedAt()
	if ch == nil || !ch.Since.Equal(first) || strings.Join(ch.Added, ",") != "new/model" || strings.Join(ch.Removed, ",") != "openai/whisper-1" ||
		len(ch.PriceChanged) != 1 || ch.PriceChanged[0] != (domain.PriceChange{ID: "openai/gpt-4o", Field: "prompt", Old: "0.0000025", New: "0.000003"}) {
		t.Fatalf("changes = %+v", ch)
	}
	sel, err = f.svc.Selection(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if fl := sel[domain.TypeAudio].Flag; fl == nil || fl.Kind != domain.FlagRemoved || !strings.Contains(fl.Detail, "no longer") {
		t.Errorf("audio flag = %+v", fl)
	}
	if fl := sel[domain.TypeText].Flag; fl == nil || fl.Kind != domain.FlagPriceChanged || !strings.Contains(fl.Detail, "$2.50/1M tokens → $3.00/1M tokens") {
		t.Errorf("text flag = %+v", fl)
	}
	// The same changes on the next read, without fetching or storing again.
	v2, _ := f.svc.Catalog(ctx, false)
	if v2.Changes != ch {
		t.Errorf("changes recomputed for the same catalog")
	}

	// A restarted server (same store) fetching the same catalog sees no
	// change since the one it served last.
	g := newFixtureWithSnapshots(t, f)
	g.gw.EXPECT().ListModels(gomock.Any(), gomock.Any()).Return(kept, nil).Times(1)
	v, err = g.svc.Catalog(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if v.Changes == nil || !v.Changes.Empty() || !v.Changes.Since.Equal(second) {
		t.Fatalf("after restart: %+v", v.Changes)
	}
}

// A failing snapshot store does not fail the catalog.
func TestCatalogChangesSurviveAStoreFailure(t *testing.T) {
	f := newFixtureWithSnapshots(t, newFixture(t, core.Options{}))
	f.catalogOnce()
	f.store.FailNext(&domain.StoreError{Kind: domain.ErrStoreUnavailable, Op: "x", Err: errors.New("down")})
	v, err := f.svc.Catalog(context.Background(), false)
	if err != nil || v.Catalog == nil {
		t.Fatalf("catalog with a failing snapshot store: %v", err)
	}
}

// Saving a key checks it with GET /key and keeps the outcome with it.
func TestSetKeyVerifies(t *testing.T) {
	cases := []struct {
		err    error
		status string
		reason string
	}{
		{nil, domain.VerificationVerified, ""},
		{&upstreamError{Kind: domain.ErrInvalidKey, Status: 401, Message: "User not found."}, domain.VerificationRejected, "rejected"},
		{&upstreamError{Kind: domain.ErrUpstreamUnavailable, Message: "dial tcp: connection refused"}, domain.VerificationUnchecked, "cannot be reached"},
		{&upstreamError{Kind: domain.ErrRateLimited, Status: 429, Wait: 20 * time.Second}, domain.VerificationUnchecked, "retry after 20s"},
		{context.DeadlineExceeded, domain.VerificationUnchecked, "in time"},
	}
	for _, c := range cases {
		f := newFixture(t, core.Options{})
		f.expectKeyCheck(c.err)
		st, err := f.svc.SetKey(context.Background(), "", domain.ProviderOpenRouter, testKey)
		if err != nil {
			t.Fatalf("%v: %v", c.err, err)
		}
		v := st.Verification
		if v.Status != c.status || !strings.Contains(v.Reason, c.reason) || !v.CheckedAt.Equal(f.clock.Now()) || strings.Contains(v.Reason, testKey) {
			t.Errorf("%v: verification = %+v", c.err, v)
		}
		list, err := f.svc.KeyStatuses(context.Background(), "")
		if err != nil || len(list) != 1 || list[0].Verification != v {
			t.Errorf("%v: listed %+v, %v", c.err, list, err)
		}
	}
}
