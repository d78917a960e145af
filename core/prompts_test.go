package core_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang/mock/gomock"

	"github.com/aimodels/aimodels/core"
	"github.com/aimodels/aimodels/core/domain"
)

// The default prompt costs no store query per request: the scope's
// defaults are read once per SettingsTTL; a write through this process
// is seen at once, a write through another process (another Prompts on
// the same store) within SettingsTTL.
func TestDefaultPromptCached(t *testing.T) {
	f := newFixture(t, core.Options{SettingsTTL: 5 * time.Second})
	f.withKey(t)
	ctx := context.Background()
	var reads atomic.Int64
	f.store.SetHook(func(_ context.Context, method string) error {
		if method == "DefaultPrompts" {
			reads.Add(1)
		}
		return nil
	})
	var system atomic.Value
	f.gw.EXPECT().ChatCompletion(gomock.Any(), gomock.Any(), gomock.Any()).DoAndReturn(
		func(_ context.Context, _ domain.APIKey, req *domain.ChatRequest) (*domain.ChatResponse, error) {
			s := ""
			if req.Messages[0].Role == "system" {
				s = req.Messages[0].Content.Text
			}
			system.Store(s)
			return &domain.ChatResponse{Model: req.Model}, nil
		}).AnyTimes()
	ask := func() string {
		t.Helper()
		_, err := f.svc.Complete(ctx, "", &domain.ChatRequest{Model: "openai/gpt-4o-mini", Messages: []domain.Message{{Role: "user", Content: domain.TextContent("hi")}}})
		if err != nil {
			t.Fatal(err)
		}
		// An explicit model id never gets the default.
		if s := system.Load().(string); s != "" {
			t.Fatalf("explicit model got system %q", s)
		}
		_, err = f.svc.Complete(ctx, "", &domain.ChatRequest{Model: "text", Messages: []domain.Message{{Role: "user", Content: domain.TextContent("hi")}}})
		if err != nil {
			t.Fatal(err)
		}
		return system.Load().(string)
	}
	f.gw.EXPECT().ListModels(gomock.Any(), gomock.Any()).Return(testModels(), nil).AnyTimes()

	p, err := f.svc.CreatePrompt(ctx, "", domain.Prompt{Name: "style", Type: domain.TypeText, Text: "Be brief.", Default: true})
	if err != nil {
		t.Fatal(err)
	}
	before := reads.Load()
	for range 100 {
		if got := ask(); got != "Be brief." {
			t.Fatalf("system %q, want the default", got)
		}
	}
	if n := reads.Load() - before; n != 1 {
		t.Fatalf("%d store reads of the defaults for 100 requests, want 1", n)
	}

	// Another replica unmarks it: seen here only after SettingsTTL.
	other := core.NewPrompts(f.store, core.Options{})
	p.Default = false
	if _, err := other.UpdatePrompt(ctx, "", *p); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(4 * time.Second)
	if got := ask(); got != "Be brief." {
		t.Fatalf("within SettingsTTL: system %q, want the cached default", got)
	}
	f.clock.Advance(2 * time.Second)
	if got := ask(); got != "" {
		t.Fatalf("after SettingsTTL: system %q, want none", got)
	}

	// A write through this process is seen at once.
	p.Default = true
	if _, err := f.svc.UpdatePrompt(ctx, "", *p); err != nil {
		t.Fatal(err)
	}
	if got := ask(); got != "Be brief." {
		t.Fatalf("after a local write: system %q, want the default at once", got)
	}
}
