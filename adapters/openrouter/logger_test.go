package openrouter_test

import (
	"github.com/aimodels/aimodels/test/testenv"

	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/aimodels/aimodels/adapters/openrouter"
	"github.com/aimodels/aimodels/core/domain"
	"github.com/aimodels/aimodels/test/openroutertest"
)

func TestLogsNeverContainTheKey(t *testing.T) {
	s := newFake(t)
	var buf testenv.SyncBuffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := newClient(t, s, openrouter.WithLogger(logger))
	ctx := context.Background()
	wrong := domain.APIKey("sk-or-v1-wrong-secret-9999999999999999")

	s.SetFault(openroutertest.RouteKey, openroutertest.Fault{Status: 503, Times: 2})
	if _, err := c.KeyInfo(ctx, testKey); err != nil {
		t.Fatal(err)
	}
	if _, err := c.KeyInfo(ctx, wrong); err == nil {
		t.Fatal("wrong key accepted")
	}
	s.SetFault(openroutertest.RouteChat, openroutertest.Fault{ResetConnection: true})
	if _, err := c.ChatCompletion(ctx, testKey, chatRequest("openai/gpt-4o")); err == nil {
		t.Fatal("reset connection succeeded")
	}
	out := buf.String()
	for _, want := range []string{"retrying request", "openrouter request", "status=401", "cannot reach OpenRouter"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	for _, secret := range []string{testKey.Reveal(), wrong.Reveal(), "Bearer"} {
		if strings.Contains(out, secret) {
			t.Fatalf("log contains %q:\n%s", secret, out)
		}
	}
}
