package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/tink/go/aead"
	"github.com/google/tink/go/insecurecleartextkeyset"
	"github.com/google/tink/go/keyset"
	"github.com/google/tink/go/tink"

	"github.com/aimodels/aimodels/adapters/gormstore"
	"github.com/aimodels/aimodels/adapters/openrouter"
	"github.com/aimodels/aimodels/adapters/tinkcipher"
	"github.com/aimodels/aimodels/core"
)

// openStore opens MySQL when a DSN is set, else SQLite in the data dir.
func openStore(ctx context.Context, cfg *config, log *slog.Logger) (*gormstore.Store, string, error) {
	if cfg.MySQLDSN != "" {
		st, err := gormstore.Open(ctx, gormstore.Config{Driver: gormstore.DriverMySQL, DSN: cfg.MySQLDSN, Logger: log})
		return st, "mysql", err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, "", fmt.Errorf("data dir: %w", err)
	}
	path := filepath.Join(cfg.DataDir, "aimodels.db")
	st, err := gormstore.Open(ctx, gormstore.Config{Driver: gormstore.DriverSQLite, DSN: path, Logger: log})
	return st, "sqlite " + path, err
}

// masterAEAD loads the key-encryption keyset, when configured.
func masterAEAD(cfg *config) (tink.AEAD, error) {
	if cfg.MasterKeysetFile == "" {
		return nil, nil
	}
	f, err := os.Open(cfg.MasterKeysetFile)
	if err != nil {
		return nil, fmt.Errorf("master keyset: %w", err)
	}
	defer f.Close()
	h, err := insecurecleartextkeyset.Read(keyset.NewJSONReader(f))
	if err != nil {
		return nil, fmt.Errorf("master keyset %s: %w", cfg.MasterKeysetFile, err)
	}
	a, err := aead.New(h)
	if err != nil {
		return nil, fmt.Errorf("master keyset %s: %w", cfg.MasterKeysetFile, err)
	}
	return a, nil
}

// openCipher loads the keyset from the environment variable named by
// KeysetEnv, or from the keyset file, generating the file on first run.
func openCipher(cfg *config, log *slog.Logger, generate bool) (*tinkcipher.Cipher, error) {
	master, err := masterAEAD(cfg)
	if err != nil {
		return nil, err
	}
	if cfg.KeysetEnv != "" {
		return tinkcipher.LoadEnv(cfg.KeysetEnv, master)
	}
	path := cfg.keysetPath()
	if !generate {
		return tinkcipher.LoadFile(path, master)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("keyset dir: %w", err)
	}
	c, generated, err := tinkcipher.LoadOrGenerateWithMaster(path, master, log)
	if err != nil {
		return nil, err
	}
	// tinkcipher warns of a cleartext keyset file itself, generated or
	// loaded, naming its path; one encrypted under a master it writes
	// silently.
	if generated && master != nil {
		log.Warn("generated a new keyset file, encrypted under the master keyset; back it up: without it the stored API keys cannot be decrypted", "path", path)
	}
	return c, nil
}

// newGateway builds the OpenRouter client of cfg.
func newGateway(cfg *config, log *slog.Logger) (*openrouter.Client, error) {
	opts := []openrouter.Option{
		openrouter.WithBaseURL(strings.TrimRight(cfg.BaseURL, "/")),
		openrouter.WithTimeout(cfg.UpstreamTimeout),
		openrouter.WithAppAttribution("https://github.com/aimodels/aimodels", "aimodels"),
		openrouter.WithLogger(log),
	}
	if cfg.upstream != nil {
		opts = append(opts, openrouter.WithHTTPClient(&http.Client{Transport: cfg.upstream}))
	}
	return openrouter.New(opts...)
}

// app is the wired service with what must be closed at the end.
type app struct {
	svc    *core.Service
	store  *gormstore.Store
	gw     *openrouter.Client
	cipher *tinkcipher.Cipher
}

// reloadKeyset reads the keyset file again (after `aimodels keyset rotate`
// in another process) and logs what happened; the keyset in use stays
// when the file cannot be read.
func (a *app) reloadKeyset(ctx context.Context, log *slog.Logger) {
	changed, err := a.cipher.Reload(ctx)
	switch {
	case errors.Is(err, tinkcipher.ErrNotPersistable):
		log.Warn("SIGHUP: the keyset comes from the environment and cannot be reloaded; restart to load a new one")
	case err != nil:
		log.Error("SIGHUP: keyset not reloaded; the current one stays in use", "error", err)
	case changed:
		log.Info("SIGHUP: keyset reloaded", "primary_key_id", a.cipher.PrimaryKeyID(), "keys", len(a.cipher.Keys()))
	default:
		log.Info("SIGHUP: keyset unchanged")
	}
}

// Close closes the gateway and the store.
func (a *app) Close() {
	if a.gw != nil {
		a.gw.Close()
	}
	if a.store != nil {
		_ = a.store.Close()
	}
}

// wire opens the store and the keyset and builds the service on them.
func wire(ctx context.Context, cfg *config, log *slog.Logger) (*app, error) {
	a := &app{}
	st, where, err := openStore(ctx, cfg, log)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	a.store = st
	log.Info("store ready", "database", where)
	cipher, err := openCipher(cfg, log, true)
	if err != nil {
		a.Close()
		return nil, fmt.Errorf("keyset: %w", err)
	}
	a.cipher = cipher
	a.gw, err = newGateway(cfg, log)
	if err != nil {
		a.Close()
		return nil, fmt.Errorf("openrouter client: %w", err)
	}
	a.svc, err = core.New(core.Deps{
		Gateway: a.gw, Keys: st, Selections: st, Prompts: st, Cipher: cipher, Pinger: st,
	}, core.Options{Logger: log, CatalogTTL: cfg.CatalogTTL, SettingsTTL: cfg.SettingsTTL})
	if err != nil {
		a.Close()
		return nil, err
	}
	return a, nil
}
