package core_test

import (
	"bytes"
	"sync"
	"time"

	"github.com/aimodels/aimodels/core"
	"github.com/aimodels/aimodels/core/domain"
	"github.com/aimodels/aimodels/ports"
)

// fakeClock is a settable clock.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *fakeClock { return &fakeClock{now: time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// xorCipher is a toy authenticated cipher for core tests: the ciphertext
// is keyID byte + AD length-prefixed + XORed plaintext. It checks the
// associated data like a real AEAD, which is what the core relies on.
type xorCipher struct{ keyID uint32 }

func (c *xorCipher) Encrypt(pt, ad []byte) ([]byte, uint32, error) {
	out := []byte{byte(c.keyID), byte(len(ad))}
	out = append(out, ad...)
	for _, b := range pt {
		out = append(out, b^0x5a)
	}
	return out, c.keyID, nil
}

func (c *xorCipher) Decrypt(ct, ad []byte) ([]byte, error) {
	if len(ct) < 2 || len(ct) < 2+int(ct[1]) || !bytes.Equal(ct[2:2+int(ct[1])], ad) {
		return nil, domain.ErrDecrypt
	}
	body := ct[2+int(ct[1]):]
	out := make([]byte, len(body))
	for i, b := range body {
		out[i] = b ^ 0x5a
	}
	return out, nil
}

func testModels() []domain.Model {
	mk := func(id, name string, in, out []string, prompt, completion string) domain.Model {
		display, provider := domain.SplitName(id, name)
		return domain.Model{ID: id, Name: display, Provider: provider, InputModalities: in, OutputModalities: out,
			Types: domain.Classify(in, out), Pricing: domain.Pricing{Prompt: domain.ParsePrice(prompt), Completion: domain.ParsePrice(completion)}}
	}
	return []domain.Model{
		mk("openai/gpt-3.5-turbo", "OpenAI: GPT-3.5 Turbo", []string{"text"}, []string{"text"}, "0.0000005", "0.0000015"),
		mk("openai/gpt-4o", "OpenAI: GPT-4o", []string{"text", "image"}, []string{"text"}, "0.0000025", "0.00001"),
		mk("openai/whisper-1", "OpenAI: Whisper 1", []string{"audio"}, []string{"transcription"}, "0.006", "0"),
		mk("google/gemini-audio", "Google: Gemini Audio", []string{"text", "audio"}, []string{"text"}, "0.0000001", "0.0000004"),
		mk("openai/text-embedding-3-small", "OpenAI: Embedding", []string{"text"}, []string{"embeddings"}, "0.00000002", "0"),
	}
}

// upstreamError is what a gateway returns: a domain kind, the status it
// came with, and how long to wait when the upstream said so.
type upstreamError struct {
	Kind    error
	Status  int
	Message string
	Wait    time.Duration
}

func (e *upstreamError) Error() string             { return e.Kind.Error() + ": " + e.Message }
func (e *upstreamError) Unwrap() error             { return e.Kind }
func (e *upstreamError) RetryAfter() time.Duration { return e.Wait }

func withClock(o core.Options, c ports.Clock) core.Options {
	o.Clock = c
	return o
}
