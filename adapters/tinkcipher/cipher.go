package tinkcipher

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/google/tink/go/aead"
	"github.com/google/tink/go/insecurecleartextkeyset"
	"github.com/google/tink/go/keyset"
	tinkpb "github.com/google/tink/go/proto/tink_go_proto"
	"github.com/google/tink/go/tink"

	"github.com/aimodels/aimodels/core/domain"
	"github.com/aimodels/aimodels/ports"
)

// Errors of key management. They are returned wrapped with context; test
// them with errors.Is.
var (
	// ErrPrimaryKey: the primary key cannot be disabled.
	ErrPrimaryKey = errors.New("tinkcipher: the primary key cannot be disabled")
	// ErrUnknownKey: the keyset has no key with that id.
	ErrUnknownKey = errors.New("tinkcipher: no such key in the keyset")
	// ErrNotPersistable: the keyset came from somewhere it cannot be
	// written back to (an environment variable), so changing it would
	// lose the new key on restart.
	ErrNotPersistable = errors.New("tinkcipher: keyset has no writable destination")
	// ErrBadKeyset: the keyset could not be read or is not an AES-GCM AEAD keyset.
	ErrBadKeyset = errors.New("tinkcipher: bad keyset")
)

// Cipher is Tink AEAD encryption of secrets over one keyset. It is safe
// for concurrent use.
type Cipher struct {
	st atomic.Pointer[state]

	mu      sync.Mutex // serialises keyset changes
	path    string     // file the keyset is persisted to ("" = none)
	master  tink.AEAD  // encrypts the file, nil = cleartext
	memOnly bool       // changes live only in memory (New, Generate)
}

// state is one keyset version and its primitive.
type state struct {
	handle  *keyset.Handle
	aead    tink.AEAD
	primary uint32
}

var (
	_ ports.Cipher     = (*Cipher)(nil)
	_ ports.KeyRotator = (*Cipher)(nil)
)

func newState(h *keyset.Handle) (*state, error) {
	if h == nil {
		return nil, fmt.Errorf("%w: nil handle", ErrBadKeyset)
	}
	p, err := aead.New(h)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadKeyset, err)
	}
	return &state{handle: h, aead: p, primary: h.KeysetInfo().GetPrimaryKeyId()}, nil
}

// New returns a Cipher over handle, an AEAD keyset. Key changes
// (AddPrimaryKey, DisableKey) stay in memory unless PersistTo is called.
func New(handle *keyset.Handle) (*Cipher, error) {
	st, err := newState(handle)
	if err != nil {
		return nil, err
	}
	c := &Cipher{memOnly: true}
	c.st.Store(st)
	return c, nil
}

// Generate returns a Cipher over a new keyset with one AES-256-GCM key.
// Persist it with PersistTo or WriteFile, or it is lost with the process.
func Generate() (*Cipher, error) {
	h, err := keyset.NewHandle(aead.AES256GCMKeyTemplate())
	if err != nil {
		return nil, fmt.Errorf("tinkcipher: generate keyset: %w", err)
	}
	return New(h)
}

// LoadFile reads the JSON keyset file at path: encrypted under master
// when master is non-nil, cleartext otherwise. Key changes are written
// back to path.
func LoadFile(path string, master tink.AEAD) (*Cipher, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("tinkcipher: read keyset file: %w", err)
	}
	h, err := parseKeyset(b, master)
	if err != nil {
		return nil, fmt.Errorf("keyset file %s: %w", path, err)
	}
	c, err := New(h)
	if err != nil {
		return nil, err
	}
	c.path, c.master, c.memOnly = path, master, false
	return c, nil
}

// LoadEnv reads a JSON keyset (or its standard base64 encoding) from the
// environment variable varName, encrypted under master when non-nil. The
// keyset cannot be changed in place: AddPrimaryKey and DisableKey return
// ErrNotPersistable until PersistTo gives it a file.
func LoadEnv(varName string, master tink.AEAD) (*Cipher, error) {
	v := strings.TrimSpace(os.Getenv(varName))
	if v == "" {
		return nil, fmt.Errorf("%w: environment variable %s is empty", ErrBadKeyset, varName)
	}
	b := []byte(v)
	if !strings.HasPrefix(v, "{") {
		d, err := base64.StdEncoding.DecodeString(v)
		if err != nil {
			return nil, fmt.Errorf("%w: %s is neither keyset JSON nor base64", ErrBadKeyset, varName)
		}
		b = d
	}
	h, err := parseKeyset(b, master)
	if err != nil {
		return nil, fmt.Errorf("keyset from %s: %w", varName, err)
	}
	c, err := New(h)
	if err != nil {
		return nil, err
	}
	c.master, c.memOnly = master, false
	return c, nil
}

// LoadOrGenerate loads the cleartext keyset file at path, or, when it does
// not exist, generates a keyset, writes it there (mode 0600) and reports
// generated. A cleartext keyset on disk is for development: it logs a
// warning saying so. Two processes starting together end up with the
// same keyset: the file is created exclusively and the loser loads it.
func LoadOrGenerate(path string, logger *slog.Logger) (*Cipher, bool, error) {
	return LoadOrGenerateWithMaster(path, nil, logger)
}

// LoadOrGenerateWithMaster is LoadOrGenerate with the file encrypted
// under master (cleartext when master is nil).
func LoadOrGenerateWithMaster(path string, master tink.AEAD, logger *slog.Logger) (*Cipher, bool, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	warn := func(msg string) {
		if master == nil {
			logger.Warn(msg, "path", path)
		}
	}
	c, err := LoadFile(path, master)
	if err == nil {
		warn("tinkcipher: using a cleartext keyset file; this is for development, use a master key (KMS) in production")
		return c, false, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, false, err
	}
	c, err = Generate()
	if err != nil {
		return nil, false, err
	}
	data, err := c.serialize(master)
	if err != nil {
		return nil, false, err
	}
	if err := createExclusive(path, data); err != nil {
		if errors.Is(err, os.ErrExist) { // another process won the race
			c, err := LoadFile(path, master)
			return c, false, err
		}
		return nil, false, err
	}
	c.path, c.master, c.memOnly = path, master, false
	warn("tinkcipher: generated a new cleartext keyset file; this is for development, use a master key (KMS) in production, and back the file up: without it stored secrets cannot be decrypted")
	return c, true, nil
}

// MasterFromFile loads a cleartext AEAD keyset file and returns its
// primitive, for use as the master (key-encryption) AEAD of another
// keyset file.
func MasterFromFile(path string) (tink.AEAD, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("tinkcipher: read master keyset: %w", err)
	}
	h, err := parseKeyset(b, nil)
	if err != nil {
		return nil, fmt.Errorf("master keyset %s: %w", path, err)
	}
	p, err := aead.New(h)
	if err != nil {
		return nil, fmt.Errorf("%w: master keyset %s: %v", ErrBadKeyset, path, err)
	}
	return p, nil
}

func parseKeyset(b []byte, master tink.AEAD) (*keyset.Handle, error) {
	r := keyset.NewJSONReader(bytes.NewReader(b))
	var (
		h   *keyset.Handle
		err error
	)
	if master != nil {
		h, err = keyset.Read(r, master)
	} else {
		h, err = insecurecleartextkeyset.Read(r)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadKeyset, err)
	}
	return h, nil
}

// PersistTo makes path (encrypted under master when non-nil) the file
// that keyset changes are written to, and writes the current keyset
// there now.
func (c *Cipher) PersistTo(path string, master tink.AEAD) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	data, err := c.serializeHandle(c.st.Load().handle, master)
	if err != nil {
		return err
	}
	if err := writeAtomic(path, data); err != nil {
		return err
	}
	c.path, c.master, c.memOnly = path, master, false
	return nil
}

// WriteFile writes the current keyset to path (encrypted under master
// when non-nil) atomically with mode 0600, without changing where later
// changes are persisted.
func (c *Cipher) WriteFile(path string, master tink.AEAD) error {
	data, err := c.serialize(master)
	if err != nil {
		return err
	}
	return writeAtomic(path, data)
}

func (c *Cipher) serialize(master tink.AEAD) ([]byte, error) {
	return c.serializeHandle(c.st.Load().handle, master)
}

func (c *Cipher) serializeHandle(h *keyset.Handle, master tink.AEAD) ([]byte, error) {
	var buf bytes.Buffer
	w := keyset.NewJSONWriter(&buf)
	var err error
	if master != nil {
		err = h.Write(w, master)
	} else {
		err = insecurecleartextkeyset.Write(h, w)
	}
	if err != nil {
		return nil, fmt.Errorf("tinkcipher: serialize keyset: %w", err)
	}
	return buf.Bytes(), nil
}

// Encrypt encrypts plaintext bound to associatedData under the primary
// key and returns the ciphertext and the primary key's id.
func (c *Cipher) Encrypt(plaintext, associatedData []byte) ([]byte, uint32, error) {
	st := c.st.Load()
	ct, err := st.aead.Encrypt(plaintext, associatedData)
	if err != nil {
		return nil, 0, fmt.Errorf("tinkcipher: encrypt: %w", err)
	}
	return ct, st.primary, nil
}

// Decrypt returns the plaintext of ciphertext, which must have been made
// with the same associatedData by an enabled key of the keyset. Any
// failure wraps domain.ErrDecrypt.
func (c *Cipher) Decrypt(ciphertext, associatedData []byte) (pt []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			pt, err = nil, fmt.Errorf("tinkcipher: decrypt: %w", domain.ErrDecrypt)
		}
	}()
	st := c.st.Load()
	pt, err = st.aead.Decrypt(ciphertext, associatedData)
	if err != nil {
		// Tink's message says only "decryption failed"; keep it.
		return nil, fmt.Errorf("tinkcipher: decrypt: %w: %v", domain.ErrDecrypt, err)
	}
	return pt, nil
}

// PrimaryKeyID returns the id of the key new ciphertexts use.
func (c *Cipher) PrimaryKeyID() uint32 { return c.st.Load().primary }

// KeyInfo describes one key of the keyset (never its material).
type KeyInfo struct {
	ID      uint32
	Status  string // ENABLED, DISABLED or DESTROYED
	Primary bool
}

// Keys lists the keyset's keys.
func (c *Cipher) Keys() []KeyInfo {
	st := c.st.Load()
	info := st.handle.KeysetInfo()
	out := make([]KeyInfo, 0, len(info.GetKeyInfo()))
	for _, k := range info.GetKeyInfo() {
		out = append(out, KeyInfo{ID: k.GetKeyId(), Status: k.GetStatus().String(), Primary: k.GetKeyId() == info.GetPrimaryKeyId()})
	}
	return out
}

// AddPrimaryKey adds a new AES-256-GCM key, makes it primary, persists
// the keyset and only then starts encrypting with it; older keys still
// decrypt. It returns the new key's id.
func (c *Cipher) AddPrimaryKey(ctx context.Context) (uint32, error) {
	var id uint32
	err := c.change(ctx, func(m *keyset.Manager) error {
		var err error
		if id, err = m.Add(aead.AES256GCMKeyTemplate()); err != nil {
			return err
		}
		return m.SetPrimary(id)
	})
	if err != nil {
		return 0, fmt.Errorf("tinkcipher: add primary key: %w", err)
	}
	return id, nil
}

// DisableKey disables the non-primary key keyID and persists the keyset;
// ciphertexts of that key no longer decrypt. Disabling the primary key
// wraps ErrPrimaryKey, an unknown key ErrUnknownKey.
func (c *Cipher) DisableKey(ctx context.Context, keyID uint32) error {
	err := c.change(ctx, func(m *keyset.Manager) error {
		st := c.st.Load()
		if keyID == st.primary {
			return ErrPrimaryKey
		}
		found := false
		for _, k := range st.handle.KeysetInfo().GetKeyInfo() {
			if k.GetKeyId() == keyID {
				found = k.GetStatus() != tinkpb.KeyStatusType_DESTROYED
			}
		}
		if !found {
			return ErrUnknownKey
		}
		return m.Disable(keyID)
	})
	if err != nil {
		return fmt.Errorf("tinkcipher: disable key %d: %w", keyID, err)
	}
	return nil
}

// Reload reads the keyset file again and swaps it in, so that a running
// process uses a rotation made by another one (`aimodels keyset rotate`).
// changed reports whether the keys differ from the ones in use. A file
// that cannot be read or parsed leaves the current keyset in place. A
// keyset without a file (from the environment, or generated in memory)
// returns ErrNotPersistable.
func (c *Cipher) Reload(ctx context.Context) (changed bool, err error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.path == "" {
		return false, ErrNotPersistable
	}
	b, err := os.ReadFile(c.path)
	if err != nil {
		return false, fmt.Errorf("tinkcipher: read keyset file: %w", err)
	}
	h, err := parseKeyset(b, c.master)
	if err != nil {
		return false, fmt.Errorf("keyset file %s: %w", c.path, err)
	}
	st, err := newState(h)
	if err != nil {
		return false, err
	}
	cur := c.st.Load()
	if !hasKey(st.handle, cur.primary) {
		// Not a later version of this keyset (a rotation keeps every key,
		// at worst disabled): another keyset, or a wrong file.
		return false, fmt.Errorf("%w: keyset file %s lacks key %d, the primary in use; not a rotation of this keyset", ErrBadKeyset, c.path, cur.primary)
	}
	changed = keysetInfo(st.handle) != keysetInfo(cur.handle)
	c.st.Store(st)
	return changed, nil
}

func hasKey(h *keyset.Handle, id uint32) bool {
	for _, k := range h.KeysetInfo().GetKeyInfo() {
		if k.GetKeyId() == id {
			return true
		}
	}
	return false
}

// keysetInfo describes a keyset's keys (ids, status, primary), never
// their material.
func keysetInfo(h *keyset.Handle) string {
	info := h.KeysetInfo()
	out := fmt.Sprint(info.GetPrimaryKeyId())
	for _, k := range info.GetKeyInfo() {
		out += fmt.Sprintf(" %d:%s", k.GetKeyId(), k.GetStatus())
	}
	return out
}

// change applies fn to a copy of the keyset, persists the result, then
// swaps it in.
func (c *Cipher) change(ctx context.Context, fn func(*keyset.Manager) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.memOnly && c.path == "" {
		return ErrNotPersistable
	}
	m := keyset.NewManagerFromHandle(c.st.Load().handle)
	if err := fn(m); err != nil {
		return err
	}
	h, err := m.Handle()
	if err != nil {
		return err
	}
	st, err := newState(h)
	if err != nil {
		return err
	}
	if c.path != "" {
		data, err := c.serializeHandle(h, c.master)
		if err != nil {
			return err
		}
		if err := writeAtomic(c.path, data); err != nil {
			return err
		}
	}
	c.st.Store(st)
	return nil
}

// writeAtomic replaces path with data: temporary file in the same
// directory, mode 0600, fsync, rename, fsync of the directory.
func writeAtomic(path string, data []byte) error {
	tmp, err := writeTemp(path, data)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("tinkcipher: replace keyset file: %w", err)
	}
	syncDir(filepath.Dir(path))
	return nil
}

// createExclusive writes path atomically only if it does not exist yet
// (os.ErrExist otherwise): the complete file appears at once via link.
func createExclusive(path string, data []byte) error {
	tmp, err := writeTemp(path, data)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, os.ErrExist) {
			return err
		}
		return fmt.Errorf("tinkcipher: create keyset file: %w", err)
	}
	syncDir(filepath.Dir(path))
	return nil
}

func writeTemp(path string, data []byte) (string, error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return "", fmt.Errorf("tinkcipher: write keyset file: %w", err)
	}
	name := f.Name()
	fail := func(err error) (string, error) {
		_ = f.Close()
		_ = os.Remove(name)
		return "", fmt.Errorf("tinkcipher: write keyset file: %w", err)
	}
	if err := f.Chmod(0o600); err != nil {
		return fail(err)
	}
	if _, err := f.Write(data); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		_ = os.Remove(name)
		return "", fmt.Errorf("tinkcipher: write keyset file: %w", err)
	}
	return name, nil
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}
