package tinkcipher_test

import (
	"testing"

	"github.com/aimodels/aimodels/adapters/tinkcipher"
)

// BenchmarkDecrypt is the cost of decrypting one stored API key with the
// AEAD primitive built once (as the server does: tinkcipher.New builds
// it when the keyset is loaded, not per call).
func BenchmarkDecrypt(b *testing.B) {
	c, err := tinkcipher.Generate()
	if err != nil {
		b.Fatal(err)
	}
	pt := []byte("sk-or-v1-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
	ct, _, err := c.Encrypt(pt, ad)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(pt)))
	for b.Loop() {
		if _, err := c.Decrypt(ct, ad); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncrypt is the cost of encrypting one API key (a key save).
func BenchmarkEncrypt(b *testing.B) {
	c, err := tinkcipher.Generate()
	if err != nil {
		b.Fatal(err)
	}
	pt := []byte("sk-or-v1-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
	b.ReportAllocs()
	b.SetBytes(int64(len(pt)))
	for b.Loop() {
		if _, _, err := c.Encrypt(pt, ad); err != nil {
			b.Fatal(err)
		}
	}
}
