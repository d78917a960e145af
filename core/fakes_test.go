package core_test

import (
	"bytes"
	"context"
	"errors"
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

// memStore is an in-memory KeyStore, SelectionStore and PromptStore used
// where the test is about the core's behaviour, not a store's calls.
type memStore struct {
	mu            sync.Mutex
	keys          map[string]domain.StoredKey
	sels          map[string]domain.SavedSelection
	prompts       map[int64]domain.Prompt
	nextID        int64
	failReplaceAt int
	replaces      int
	onReplace     func() // runs after a successful ReplaceCiphertexts, unlocked
}

func newMemStore() *memStore {
	return &memStore{keys: map[string]domain.StoredKey{}, sels: map[string]domain.SavedSelection{}, prompts: map[int64]domain.Prompt{}}
}

func (m *memStore) SaveKey(_ context.Context, k *domain.StoredKey) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	old, ok := m.keys[k.Scope+"|"+k.Provider]
	if ok {
		k.ID = old.ID
	} else {
		m.nextID++
		k.ID = m.nextID
	}
	m.keys[k.Scope+"|"+k.Provider] = *k
	return nil
}

func (m *memStore) GetKey(_ context.Context, scope, provider string) (*domain.StoredKey, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k, ok := m.keys[scope+"|"+provider]
	if !ok {
		return nil, &domain.StoreError{Kind: domain.ErrNotFound, Op: "get key"}
	}
	return &k, nil
}

func (m *memStore) DeleteKey(_ context.Context, scope, provider string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.keys[scope+"|"+provider]; !ok {
		return &domain.StoreError{Kind: domain.ErrNotFound, Op: "delete key"}
	}
	delete(m.keys, scope+"|"+provider)
	return nil
}

func (m *memStore) ListKeys(_ context.Context, scope string) ([]domain.StoredKey, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []domain.StoredKey
	for _, k := range m.keys {
		if k.Scope == scope {
			out = append(out, k)
		}
	}
	return out, nil
}

func (m *memStore) KeysAfter(_ context.Context, after int64, limit int) ([]domain.StoredKey, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []domain.StoredKey
	for id := after + 1; id <= m.nextID && len(out) < limit; id++ {
		for _, k := range m.keys {
			if k.ID == id {
				out = append(out, k)
			}
		}
	}
	return out, nil
}

var errInjected = errors.New("injected failure")

func (m *memStore) ReplaceCiphertexts(_ context.Context, keys []domain.StoredKey) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.replaces++
	if m.failReplaceAt > 0 && m.replaces == m.failReplaceAt {
		return errInjected
	}
	for _, k := range keys {
		cur := m.keys[k.Scope+"|"+k.Provider]
		cur.Ciphertext, cur.KeyID = k.Ciphertext, k.KeyID
		m.keys[k.Scope+"|"+k.Provider] = cur
	}
	if hook := m.onReplace; hook != nil {
		m.onReplace = nil
		m.mu.Unlock()
		hook()
		m.mu.Lock()
	}
	return nil
}

func (m *memStore) GetSelections(_ context.Context, scope string) ([]domain.SavedSelection, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []domain.SavedSelection
	for _, s := range m.sels {
		if s.Scope == scope {
			out = append(out, s)
		}
	}
	return out, nil
}

func (m *memStore) SaveSelection(_ context.Context, s *domain.SavedSelection) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sels[s.Scope+"|"+string(s.Type)] = *s
	return nil
}

func (m *memStore) SaveSelections(ctx context.Context, sels []domain.SavedSelection) error {
	for i := range sels {
		if err := m.SaveSelection(ctx, &sels[i]); err != nil {
			return err
		}
	}
	return nil
}

func (m *memStore) ListPrompts(_ context.Context, scope string, t domain.ModelType) ([]domain.Prompt, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []domain.Prompt
	for _, p := range m.prompts {
		if p.Scope == scope && (t == "" || p.Type == t) {
			out = append(out, p)
		}
	}
	return out, nil
}

func (m *memStore) GetPrompt(_ context.Context, scope string, id int64) (*domain.Prompt, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p, ok := m.prompts[id]
	if !ok || p.Scope != scope {
		return nil, &domain.StoreError{Kind: domain.ErrNotFound, Op: "get prompt"}
	}
	return &p, nil
}

func (m *memStore) CreatePrompt(_ context.Context, p *domain.Prompt) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, q := range m.prompts {
		if q.Scope == p.Scope && q.Name == p.Name {
			return &domain.StoreError{Kind: domain.ErrConflict, Op: "create prompt"}
		}
	}
	m.nextID++
	p.ID = m.nextID
	m.prompts[p.ID] = *p
	return nil
}

func (m *memStore) UpdatePrompt(_ context.Context, p *domain.Prompt) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.prompts[p.ID]; !ok {
		return &domain.StoreError{Kind: domain.ErrNotFound, Op: "update prompt"}
	}
	m.prompts[p.ID] = *p
	return nil
}

func (m *memStore) DeletePrompt(_ context.Context, scope string, id int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if p, ok := m.prompts[id]; !ok || p.Scope != scope {
		return &domain.StoreError{Kind: domain.ErrNotFound, Op: "delete prompt"}
	}
	delete(m.prompts, id)
	return nil
}

// testModels is a small catalog built by the classification rules.
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
