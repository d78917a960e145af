package core_test

import (
	"context"
	"errors"
	"slices"
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
	reads := countCalls(f, "DefaultPrompts")
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

// A prompt a request names costs no store query per request either: each
// reference ("name", "name@2") is read once per SettingsTTL; a write
// through this process is seen at once, one through another process
// within SettingsTTL.
func TestNamedPromptCached(t *testing.T) {
	f := newFixture(t, core.Options{SettingsTTL: 5 * time.Second})
	f.withKey(t)
	ctx := context.Background()
	reads := countCalls(f, "GetPromptByName", "GetPromptVersion")
	var system atomic.Value
	f.gw.EXPECT().ChatCompletion(gomock.Any(), gomock.Any(), gomock.Any()).DoAndReturn(
		func(_ context.Context, _ domain.APIKey, req *domain.ChatRequest) (*domain.ChatResponse, error) {
			system.Store(req.Messages[0].Content.Text)
			return &domain.ChatResponse{Model: req.Model}, nil
		}).AnyTimes()
	f.gw.EXPECT().ListModels(gomock.Any(), gomock.Any()).Return(testModels(), nil).AnyTimes()
	ask := func(ref string) (string, error) {
		t.Helper()
		_, err := f.svc.Complete(ctx, "", &domain.ChatRequest{Model: "text", Prompt: ref,
			Messages: []domain.Message{{Role: "user", Content: domain.TextContent("hi")}}})
		if err != nil {
			return "", err
		}
		return system.Load().(string), nil
	}
	p, err := f.svc.CreatePrompt(ctx, "", domain.Prompt{Name: "style", Type: domain.TypeText, Text: "Be brief."})
	if err != nil {
		t.Fatal(err)
	}
	p.Text = "Be very brief."
	if p, err = f.svc.UpdatePrompt(ctx, "", *p); err != nil {
		t.Fatal(err)
	}
	before := reads.Load()
	for range 100 {
		if got, err := ask("style"); err != nil || got != "Be very brief." {
			t.Fatalf("style: %q %v", got, err)
		}
		if got, err := ask("style@1"); err != nil || got != "Be brief." {
			t.Fatalf("style@1: %q %v", got, err)
		}
	}
	// "style" once, "style@1" twice (the prompt, then its version 1).
	if n := reads.Load() - before; n != 3 {
		t.Fatalf("%d store reads for 200 requests naming 2 references, want 3", n)
	}

	// Another replica edits it: seen here only after SettingsTTL.
	other := core.NewPrompts(f.store, core.Options{})
	p.Text = "Answer in one word."
	if _, err := other.UpdatePrompt(ctx, "", *p); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(4 * time.Second)
	if got, _ := ask("style"); got != "Be very brief." {
		t.Fatalf("within SettingsTTL: %q, want the cached text", got)
	}
	f.clock.Advance(2 * time.Second)
	if got, _ := ask("style"); got != "Answer in one word." {
		t.Fatalf("after SettingsTTL: %q, want the other replica's text", got)
	}

	// A delete through this process is seen at once, by every reference.
	if err := f.svc.DeletePrompt(ctx, "", p.ID); err != nil {
		t.Fatal(err)
	}
	for _, ref := range []string{"style", "style@1"} {
		if _, err := ask(ref); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("%s after a local delete: %v, want ErrNotFound", ref, err)
		}
	}
}

// countCalls counts the fixture store's calls of the methods.
func countCalls(f *fixture, methods ...string) *atomic.Int64 {
	var n atomic.Int64
	f.store.SetHook(func(_ context.Context, method string) error {
		if slices.Contains(methods, method) {
			n.Add(1)
		}
		return nil
	})
	return &n
}
