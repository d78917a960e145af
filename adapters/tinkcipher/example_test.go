package tinkcipher_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/aimodels/aimodels/adapters/tinkcipher"
	"github.com/aimodels/aimodels/core/domain"
)

// Encrypt an API key bound to its row, then decrypt it.
func ExampleCipher_Encrypt() {
	c, err := tinkcipher.Generate()
	if err != nil {
		panic(err)
	}
	ad := domain.AssociatedData("default", domain.ProviderOpenRouter)
	ct, keyID, err := c.Encrypt([]byte("sk-or-v1-example-key"), ad)
	if err != nil {
		panic(err)
	}
	pt, err := c.Decrypt(ct, ad)
	fmt.Println(string(pt), err, keyID == c.PrimaryKeyID())

	_, err = c.Decrypt(ct, domain.AssociatedData("other-tenant", domain.ProviderOpenRouter))
	fmt.Println(err != nil)
	// Output:
	// sk-or-v1-example-key <nil> true
	// true
}

// Load the keyset file, creating it on first run, and rotate to a new
// primary key; ciphertexts of the old key still decrypt.
func ExampleLoadOrGenerate() {
	dir, _ := os.MkdirTemp("", "keyset")
	defer os.RemoveAll(dir)
	c, generated, err := tinkcipher.LoadOrGenerate(filepath.Join(dir, "keyset.json"), nil)
	if err != nil {
		panic(err)
	}
	old := c.PrimaryKeyID()
	newID, err := c.AddPrimaryKey(context.Background())
	if err != nil {
		panic(err)
	}
	fmt.Println(generated, newID != old, len(c.Keys()))
	// Output: true true 2
}
