package memstore_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/aimodels/aimodels/adapters/memstore"
	"github.com/aimodels/aimodels/core/domain"
)

// A store in memory: save the text model of the default scope, read it
// back, then make the next call fail as an unreachable database would.
func Example() {
	ctx := context.Background()
	s := memstore.New()

	err := s.SaveSelection(ctx, &domain.SavedSelection{Type: domain.TypeText, ModelID: "openai/gpt-4o-mini"})
	if err != nil {
		panic(err)
	}
	sels, _ := s.GetSelections(ctx, domain.DefaultScope)
	fmt.Println(sels[0].Scope, sels[0].Type, sels[0].ModelID)

	_, err = s.GetKey(ctx, domain.DefaultScope, domain.ProviderOpenRouter)
	fmt.Println(errors.Is(err, domain.ErrNotFound))

	s.FailNext(&domain.StoreError{Kind: domain.ErrStoreUnavailable, Op: "get selections"})
	_, err = s.GetSelections(ctx, domain.DefaultScope)
	fmt.Println(errors.Is(err, domain.ErrStoreUnavailable))
	_, err = s.GetSelections(ctx, domain.DefaultScope)
	fmt.Println(err)
	// Output:
	// default text openai/gpt-4o-mini
	// true
	// true
	// <nil>
}

// Fail the third ReplaceCiphertexts of a key rotation, the way a test of
// the rotation makes it stop half-way.
func ExampleStore_SetHook() {
	ctx := context.Background()
	s := memstore.New()
	errInjected := errors.New("injected failure")
	replaces := 0
	s.SetHook(func(_ context.Context, method string) error {
		if method != "ReplaceCiphertexts" {
			return nil
		}
		if replaces++; replaces == 3 {
			return errInjected
		}
		return nil
	})
	for i := range 4 {
		err := s.ReplaceCiphertexts(ctx, nil)
		fmt.Println(i+1, err)
	}
	// Output:
	// 1 <nil>
	// 2 <nil>
	// 3 injected failure
	// 4 <nil>
}
