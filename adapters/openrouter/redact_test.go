package openrouter

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aimodels/aimodels/core/domain"
	"github.com/aimodels/aimodels/test/openroutertest"
)

func TestUpstreamErrorsNeverCarryTheKey(t *testing.T) {
	fake := openroutertest.New()
	defer fake.Close()
	key := domain.APIKey(fake.APIKey())
	echoed := `{"error":{"code":400,"message":"bad key ` + fake.APIKey() + `","metadata":{"raw":"got ` + fake.APIKey() + `","list":["` + fake.APIKey() + `"]}}}`
	c, err := New(WithBaseURL(fake.URL()))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	fake.SetFault(openroutertest.RouteChat, openroutertest.Fault{Status: 400, Body: []byte(echoed)})
	_, err = c.ChatCompletion(ctx, key, &domain.ChatRequest{Model: "x/y", Messages: []domain.Message{{Role: "user", Content: domain.TextContent("hi")}}})
	var ue *Error
	if !errors.As(err, &ue) || !errors.Is(err, domain.ErrUpstreamRejected) {
		t.Fatalf("got %v", err)
	}
	if strings.Contains(err.Error(), fake.APIKey()) || strings.Contains(ue.Message, fake.APIKey()) || metadataContains(ue.Metadata, fake.APIKey()) {
		t.Fatalf("key survives in %q %v", err, ue.Metadata)
	}
	if !strings.Contains(ue.Message, redacted) {
		t.Fatalf("message lost its content: %q", ue.Message)
	}

	fake.SetFault(openroutertest.RouteKey, openroutertest.Fault{Status: 200, Body: []byte(echoed)})
	if _, err := c.KeyInfo(ctx, key); err == nil || strings.Contains(err.Error(), fake.APIKey()) {
		t.Fatalf("error in a 200 body: %v", err)
	}
}

func TestRedactKeyLeavesOtherErrorsAlone(t *testing.T) {
	base := &Error{Kind: domain.ErrTimeout, Message: "slow"}
	if got := redactKey(base, "sk-or-v1-secret-secret"); got != error(base) {
		t.Fatal("an error without the key was copied")
	}
	if got := redactKey(errors.New("x sk-or-v1-secret-secret y"), "sk-or-v1-secret-secret"); got.Error() != "x [REDACTED] y" {
		t.Fatalf("plain error: %v", got)
	}
	cause := &Error{Kind: domain.ErrBadUpstreamResponse, Message: "bad body", Err: errors.New("near sk-or-v1-secret-secret")}
	var got *Error
	if !errors.As(redactKey(cause, "sk-or-v1-secret-secret"), &got) || strings.Contains(got.Err.Error(), "secret-secret") {
		t.Fatalf("cause not redacted: %v", got.Err)
	}
	if redactKey(nil, "k") != nil || redactKey(base, "") != error(base) {
		t.Fatal("nil or empty key")
	}
}
