package core_test

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aimodels/aimodels/adapters/memstore"
	"github.com/aimodels/aimodels/adapters/openrouter"
	"github.com/aimodels/aimodels/core"
	"github.com/aimodels/aimodels/core/domain"
	"github.com/aimodels/aimodels/test/openroutertest"
)

// ExampleRequests_Complete_namedPrompt stores a prompt with placeholders,
// edits it (its first text stays as version 1), and sends two requests
// that name it with values for its placeholders: the current version and
// version 1 pinned with "@1". The filled text is the system message the
// upstream receives, before the caller's messages.
func ExampleRequests_Complete_namedPrompt() {
	upstream := openroutertest.New()
	defer upstream.Close()
	gw, _ := openrouter.New(openrouter.WithBaseURL(upstream.URL()))
	defer gw.Close()
	st := memstore.New()
	svc, _ := core.New(core.Deps{Gateway: gw, Keys: st, Selections: st, Prompts: st, Cipher: &xorCipher{keyID: 1}}, core.Options{})
	ctx := context.Background()
	_, _ = svc.SetKey(ctx, "", domain.ProviderOpenRouter, openroutertest.DefaultAPIKey)

	p, _ := svc.CreatePrompt(ctx, "", domain.Prompt{Name: "reply-to-customer", Type: domain.TypeText,
		Text: "Reply to {{customer}} in a {{tone}} tone."})
	p.Text = "Write to {{customer}}, {{tone}} and brief."
	p, _ = svc.UpdatePrompt(ctx, "", *p)
	fmt.Println("version:", p.Version, "placeholders:", p.Placeholders())

	for _, ref := range []string{"reply-to-customer", "reply-to-customer@1"} {
		_, err := svc.Complete(ctx, "", &domain.ChatRequest{
			Model:     "text",
			Prompt:    ref,
			Variables: map[string]string{"customer": "Анна", "tone": "warm"},
			Messages:  []domain.Message{{Role: "user", Content: domain.TextContent("Where is my order?")}},
		})
		if err != nil {
			fmt.Println(err)
			return
		}
		reqs := upstream.Requests()
		var sent struct {
			Messages []struct{ Role, Content string }
		}
		_ = json.Unmarshal(reqs[len(reqs)-1].Body, &sent)
		fmt.Printf("%s → %s: %s\n", ref, sent.Messages[0].Role, sent.Messages[0].Content)
	}

	_, err := svc.Complete(ctx, "", &domain.ChatRequest{Model: "text", Prompt: "reply-to-customer",
		Variables: map[string]string{"customer": "Анна"},
		Messages:  []domain.Message{{Role: "user", Content: domain.TextContent("Hi")}}})
	fmt.Println(err)
	// Output:
	// version: 2 placeholders: [customer tone]
	// reply-to-customer → system: Write to Анна, warm and brief.
	// reply-to-customer@1 → system: Reply to Анна in a warm tone.
	// validation error: variables: prompt "reply-to-customer" needs a value for tone
}
