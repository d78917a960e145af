package gormstore_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/aimodels/aimodels/adapters/gormstore"
	"github.com/aimodels/aimodels/core/domain"
)

// Open an embedded SQLite store, save the text model of the default
// scope and read it back.
func ExampleOpen() {
	dir, _ := os.MkdirTemp("", "gormstore")
	defer os.RemoveAll(dir)
	ctx := context.Background()
	s, err := gormstore.Open(ctx, gormstore.Config{
		Driver: gormstore.DriverSQLite,
		DSN:    filepath.Join(dir, "aimodels.db"),
	})
	if err != nil {
		panic(err)
	}
	defer s.Close()

	err = s.SaveSelection(ctx, &domain.SavedSelection{Type: domain.TypeText, ModelID: "openai/gpt-4o-mini"})
	if err != nil {
		panic(err)
	}
	sel, _ := s.GetSelections(ctx, domain.DefaultScope)
	fmt.Println(sel[0].Type, sel[0].ModelID)

	_, err = s.GetKey(ctx, domain.DefaultScope, domain.ProviderOpenRouter)
	fmt.Println(errors.Is(err, domain.ErrNotFound))
	// Output:
	// text openai/gpt-4o-mini
	// true
}
