package openrouter_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aimodels/aimodels/adapters/openrouter"
	"github.com/aimodels/aimodels/core/domain"
	"github.com/aimodels/aimodels/test/openroutertest"
)

// Chat completions are billed and not idempotent: they are sent again only
// when they certainly did not run upstream.
func TestInferenceRetryPolicy(t *testing.T) {
	chat := &domain.ChatRequest{Model: "openai/gpt-4o-mini", Messages: []domain.Message{{Role: "user", Content: domain.TextContent("hi")}}}
	cases := []struct {
		name      string
		fault     openroutertest.Fault
		wantCount int
		wantErr   error
	}{
		{"503 is retried", openroutertest.Fault{Status: 503, Times: 1}, 2, nil},
		{"429 is retried", openroutertest.Fault{Status: 429, RetryAfter: "0", Times: 1}, 2, nil},
		{"502 may have run: not retried", openroutertest.Fault{Status: 502, Times: 1}, 1, domain.ErrUpstreamUnavailable},
		{"504 may have run: not retried", openroutertest.Fault{Status: 504, Times: 1}, 1, domain.ErrTimeout},
		{"reset after sending: not retried", openroutertest.Fault{ResetConnection: true, Times: 1}, 1, domain.ErrUpstreamUnavailable},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fake := newFake(t)
			cl := newClient(t, fake, openrouter.WithRetry(3, time.Millisecond, 5*time.Millisecond, time.Second))
			fake.SetFault(openroutertest.RouteChat, c.fault)
			_, err := cl.ChatCompletion(context.Background(), domain.APIKey(fake.APIKey()), chat)
			if n := fake.RequestCount(openroutertest.RouteChat); n != c.wantCount {
				t.Fatalf("%d upstream requests, want %d (err %v)", n, c.wantCount, err)
			}
			if c.wantErr == nil && err != nil || c.wantErr != nil && !errors.Is(err, c.wantErr) {
				t.Fatalf("err %v, want %v", err, c.wantErr)
			}
		})
	}
}

// GETs are idempotent: a reset or a 502 is tried again.
func TestReadRetryPolicy(t *testing.T) {
	for _, f := range []openroutertest.Fault{{Status: 502, Times: 1}, {ResetConnection: true, Times: 1}} {
		fake := newFake(t)
		cl := newClient(t, fake, openrouter.WithRetry(3, time.Millisecond, 5*time.Millisecond, time.Second))
		fake.SetFault(openroutertest.RouteKey, f)
		if _, err := cl.KeyInfo(context.Background(), domain.APIKey(fake.APIKey())); err != nil {
			t.Fatalf("%+v: %v", f, err)
		}
		if n := fake.RequestCount(openroutertest.RouteKey); n < 2 {
			t.Fatalf("%+v: %d requests, want a retry", f, n)
		}
	}
}

// A request that exhausts its retries must not close the pooled
// connections of other requests (retryablehttp closes idle connections of
// its client when it gives up).
func TestGivingUpKeepsThePool(t *testing.T) {
	fake := newFake(t)
	cl := newClient(t, fake, openrouter.WithRetry(1, time.Millisecond, 2*time.Millisecond, time.Second))
	ctx := context.Background()
	key := domain.APIKey(fake.APIKey())
	if _, err := cl.KeyInfo(ctx, key); err != nil { // opens a pooled connection
		t.Fatal(err)
	}
	fake.SetFault(openroutertest.RouteCredits, openroutertest.Fault{Status: 503})
	if _, err := cl.Credits(ctx, key); !errors.Is(err, domain.ErrUpstreamUnavailable) {
		t.Fatalf("credits: %v", err)
	}
	fake.ClearFaults()
	before := fake.Connections()
	if _, err := cl.KeyInfo(ctx, key); err != nil {
		t.Fatal(err)
	}
	if after := fake.Connections(); after != before {
		t.Fatalf("a new connection was dialled (%d → %d): the pool was closed", before, after)
	}
}
