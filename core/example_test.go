package core_test

import (
	"context"
	"fmt"
	"github.com/aimodels/aimodels/adapters/memstore"
	"os"
	"path/filepath"

	"github.com/aimodels/aimodels/adapters/gormstore"
	"github.com/aimodels/aimodels/adapters/openrouter"
	"github.com/aimodels/aimodels/adapters/tinkcipher"
	"github.com/aimodels/aimodels/core"
	"github.com/aimodels/aimodels/core/domain"
	"github.com/aimodels/aimodels/test/openroutertest"
)

// Example wires the core to real adapters (a fake OpenRouter stands in for
// the real one), stores a key, picks the text model and sends a request.
func Example() {
	ctx := context.Background()
	upstream := openroutertest.New()
	defer upstream.Close()

	dir, _ := os.MkdirTemp("", "aimodels-example")
	defer os.RemoveAll(dir)
	store, err := gormstore.Open(ctx, gormstore.Config{Driver: gormstore.DriverSQLite, DSN: filepath.Join(dir, "aimodels.db")})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer store.Close()
	cipher, err := tinkcipher.Generate()
	if err != nil {
		fmt.Println(err)
		return
	}
	gw, _ := openrouter.New(openrouter.WithBaseURL(upstream.URL()))
	defer gw.Close()

	svc, err := core.New(core.Deps{Gateway: gw, Keys: store, Selections: store, Prompts: store, Cipher: cipher, Pinger: store}, core.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	status, _ := svc.SetKey(ctx, "acme", domain.ProviderOpenRouter, openroutertest.DefaultAPIKey)
	fmt.Println("stored:", status.Masked)

	sel, _ := svc.SaveSelection(ctx, "acme", map[domain.ModelType]string{domain.TypeText: "openai/gpt-4o-mini"})
	fmt.Println("text model:", sel[domain.TypeText].ModelID, "audio default:", sel[domain.TypeAudio].ModelID)

	resp, err := svc.Complete(ctx, "acme", &domain.ChatRequest{
		Model:    "text",
		Messages: []domain.Message{{Role: "user", Content: domain.TextContent("Tell me a joke")}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("answered by:", resp.Model)
	// Output:
	// stored: sk-or-v1-…cdef
	// text model: openai/gpt-4o-mini audio default: openai/whisper-1
	// answered by: openai/gpt-4o-mini
}

// ExampleService_TestConnection shows a failed check reported in words
// rather than as an error.
func ExampleService_TestConnection() {
	upstream := openroutertest.New()
	defer upstream.Close()
	gw, _ := openrouter.New(openrouter.WithBaseURL(upstream.URL()))
	defer gw.Close()
	st := memstore.New()
	svc, _ := core.New(core.Deps{Gateway: gw, Keys: st, Selections: st, Prompts: st, Cipher: &xorCipher{keyID: 1}}, core.Options{})

	ctx := context.Background()
	fmt.Println(svc.TestConnection(ctx, "").Status)
	_, _ = svc.SetKey(ctx, "", domain.ProviderOpenRouter, "sk-or-v1-this-key-is-not-known-upstream")
	r := svc.TestConnection(ctx, "")
	fmt.Println(r.Status, r.Success)
	// Output:
	// no_key
	// invalid_key false
}
