package openrouter_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aimodels/aimodels/adapters/openrouter"
	"github.com/aimodels/aimodels/core/domain"
	"github.com/aimodels/aimodels/test/openroutertest"
)

// List the catalog and show the recommended text model's prices.
func ExampleClient_ListModels() {
	fake := openroutertest.New()
	defer fake.Close()
	c, err := openrouter.New(openrouter.WithBaseURL(fake.URL()))
	if err != nil {
		panic(err)
	}
	defer c.Close()
	models, err := c.ListModels(context.Background(), "")
	if err != nil {
		panic(err)
	}
	cat := domain.NewCatalog(models, time.Now())
	m := domain.RecommendedModel(cat, domain.TypeText, domain.DefaultPreferences[domain.TypeText])
	fmt.Println(m.ID, m.PromptCost(), m.CompletionCost())
	// Output: openai/gpt-5-nano $0.05/1M tokens $0.40/1M tokens
}

// Errors are typed: test them with errors.Is.
func ExampleClient_KeyInfo() {
	fake := openroutertest.New()
	defer fake.Close()
	c, _ := openrouter.New(openrouter.WithBaseURL(fake.URL()))
	defer c.Close()

	_, err := c.KeyInfo(context.Background(), "sk-or-v1-not-a-real-key-000000")
	fmt.Println(errors.Is(err, domain.ErrInvalidKey))
	// Output: true
}

// Send a chat completion.
func ExampleClient_ChatCompletion() {
	fake := openroutertest.New()
	defer fake.Close()
	c, _ := openrouter.New(openrouter.WithBaseURL(fake.URL()), openrouter.WithAppAttribution("https://example.com", "Example"))
	defer c.Close()
	resp, err := c.ChatCompletion(context.Background(), openroutertest.DefaultAPIKey, &domain.ChatRequest{
		Model:    "openai/gpt-3.5-turbo",
		Messages: []domain.Message{{Role: "user", Content: domain.TextContent("Tell me a joke.")}},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(resp.Model, resp.Choices[0].FinishReason)
	// Output: openai/gpt-3.5-turbo stop
}
