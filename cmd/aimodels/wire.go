package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/google/tink/go/aead"
	"github.com/google/tink/go/insecurecleartextkeyset"
	"github.com/google/tink/go/keyset"
	"github.com/google/tink/go/tink"

	"github.com/aimodels/aimodels/adapters/gormstore"
	"github.com/aimodels/aimodels/adapters/metrics"
	"github.com/aimodels/aimodels/adapters/openrouter"
	"github.com/aimodels/aimodels/adapters/tinkcipher"
	"github.com/aimodels/aimodels/core"
	"github.com/aimodels/aimodels/ports"
)

// storeConfig is the store of cfg: MySQL when a DSN is set, else SQLite
// in the data dir (created); where describes it for the log.
func storeConfig(cfg *config, log *slog.Logger) (sc gormstore.Config, where string, err error) {
	if cfg.MySQLDSN != "" {
		return gormstore.Config{Driver: gormstore.DriverMySQL, DSN: cfg.MySQLDSN, Logger: log}, "mysql", nil
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return gormstore.Config{}, "", fmt.Errorf("data dir: %w", err)
	}
	path := filepath.Join(cfg.DataDir, "aimodels.db")
	return gormstore.Config{Driver: gormstore.DriverSQLite, DSN: path, Logger: log}, "sqlite " + path, nil
}

// openStore opens the store of cfg, applying pending migrations when
// migrate is set, else only checking that there are none.
func openStore(ctx context.Context, cfg *config, log *slog.Logger, migrate bool) (*gormstore.Store, string, error) {
	sc, where, err := storeConfig(cfg, log)
	if err != nil {
		return nil, "", err
	}
	sc.SkipMigrations = !migrate
	st, err := gormstore.Open(ctx, sc)
	return st, where, err
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

// neededKeys is what the stored ciphertexts need of a keyset: the ids of
// the keys they were encrypted with (sorted), and how many there are.
type neededKeys struct {
	IDs     []uint32
	Secrets int
}

// storedKeyIDs reads every stored key (all scopes, a page at a time) for
// the keyset key ids their ciphertexts were made with.
func storedKeyIDs(ctx context.Context, st ports.KeyStore) (neededKeys, error) {
	const page = 500
	var need neededKeys
	seen := map[uint32]bool{}
	var after int64
	for {
		keys, err := st.KeysAfter(ctx, after, page)
		if err != nil {
			return neededKeys{}, err
		}
		for _, k := range keys {
			need.Secrets++
			if !seen[k.KeyID] {
				seen[k.KeyID] = true
				need.IDs = append(need.IDs, k.KeyID)
			}
			after = k.ID
		}
		if len(keys) < page {
			break
		}
	}
	slices.Sort(need.IDs)
	return need, nil
}

// MissingKeysetError is a keyset file that does not exist while the store
// holds ciphertexts: generating a new keyset would make them unreadable.
type MissingKeysetError struct {
	Path string
	Need neededKeys
}

func (e *MissingKeysetError) Error() string {
	return fmt.Sprintf("keyset file %s does not exist, but the store holds %d encrypted API keys made with keyset key ids %v: "+
		"restore that keyset file there (or point AIMODELS_KEYSET_FILE at it); a new keyset would make every stored key unreadable",
		e.Path, e.Need.Secrets, e.Need.IDs)
}

// WrongKeysetError is a keyset that lacks (or has disabled) keys the
// stored ciphertexts were made with: another keyset, or an old copy.
type WrongKeysetError struct {
	Source  string // the file, or the environment variable
	Need    neededKeys
	Missing []uint32 // needed ids the keyset has not enabled
	Have    []uint32 // the ids of the keyset's enabled keys
}

func (e *WrongKeysetError) Error() string {
	return fmt.Sprintf("keyset %s has no enabled key %v, which the store's %d encrypted API keys need (they were made with keys %v; the keyset has %v): "+
		"it is another keyset or an old copy; use the keyset the keys were saved with",
		e.Source, e.Missing, e.Need.Secrets, e.Need.IDs, e.Have)
}

// checkKeysetFiles runs before the keyset is loaded: a keyset file that
// does not exist is generated only when the store holds no ciphertext
// (else a MissingKeysetError), and a keyset or master keyset file that
// other users can read is warned of.
func checkKeysetFiles(cfg *config, need neededKeys, log *slog.Logger) error {
	warnMode := func(what, path string) {
		if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
			log.Warn(what+" is readable by other users of this machine; make it private (chmod 600)", "path", path, "mode", fmt.Sprintf("%#o", fi.Mode().Perm()))
		}
	}
	if cfg.MasterKeysetFile != "" {
		warnMode("the master keyset file", cfg.MasterKeysetFile)
	}
	if cfg.KeysetEnv != "" {
		return nil
	}
	path := cfg.keysetPath()
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		if need.Secrets > 0 {
			return &MissingKeysetError{Path: path, Need: need}
		}
		return nil
	}
	warnMode("the keyset file", path)
	return nil
}

// checkKeyset refuses a keyset without every key the stored ciphertexts
// need, enabled.
func checkKeyset(cfg *config, c *tinkcipher.Cipher, need neededKeys) error {
	enabled := map[uint32]bool{}
	var have []uint32
	for _, k := range c.Keys() {
		if k.Status == "ENABLED" {
			enabled[k.ID] = true
			have = append(have, k.ID)
		}
	}
	var missing []uint32
	for _, id := range need.IDs {
		if !enabled[id] {
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	source := cfg.keysetPath()
	if cfg.KeysetEnv != "" {
		source = "from " + cfg.KeysetEnv
	}
	slices.Sort(have)
	return &WrongKeysetError{Source: source, Need: need, Missing: missing, Have: have}
}

// newGateway builds the OpenRouter client of cfg.
func newGateway(cfg *config, log *slog.Logger) (*openrouter.Client, error) {
	opts := []openrouter.Option{
		openrouter.WithBaseURL(strings.TrimRight(cfg.BaseURL, "/")),
		openrouter.WithTimeout(cfg.UpstreamTimeout),
		openrouter.WithAppAttribution("https://github.com/aimodels/aimodels", "aimodels"),
		openrouter.WithLogger(log),
	}
	if cfg.metrics != nil {
		opts = append(opts, openrouter.WithObserver(cfg.metrics.UpstreamDone))
	}
	if cfg.upstream != nil {
		opts = append(opts, openrouter.WithHTTPClient(&http.Client{Transport: cfg.upstream}))
	}
	return openrouter.New(opts...)
}

// app is the wired service with what must be closed at the end.
type app struct {
	metrics *metrics.Metrics
	svc     *core.Service
	store   *gormstore.Store
	gw      *openrouter.Client
	cipher  *tinkcipher.Cipher
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

// wire opens the store and the keyset and builds the service on them. A
// keyset file is generated only when the store holds no ciphertext; a
// keyset that lacks a key the stored ciphertexts were made with is
// refused (see checkKeyset).
func wire(ctx context.Context, cfg *config, log *slog.Logger) (*app, error) {
	a := &app{}
	st, where, err := openStore(ctx, cfg, log, cfg.Migrate)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	a.store = st
	log.Info("store ready", "database", where)
	need, err := storedKeyIDs(ctx, st)
	if err != nil {
		a.Close()
		return nil, fmt.Errorf("read the stored keys: %w", err)
	}
	if err := checkKeysetFiles(cfg, need, log); err != nil {
		a.Close()
		return nil, err
	}
	cipher, err := openCipher(cfg, log, true)
	if err != nil {
		a.Close()
		return nil, fmt.Errorf("keyset: %w", err)
	}
	if err := checkKeyset(cfg, cipher, need); err != nil {
		a.Close()
		return nil, err
	}
	a.cipher = cipher
	cfg.metrics = metrics.New(metrics.Sources{
		Ledger: func() metrics.LedgerCounters {
			if a.svc == nil || a.svc.Ledger() == nil {
				return metrics.LedgerCounters{}
			}
			s := a.svc.Ledger().Stats()
			return metrics.LedgerCounters{Depth: s.Depth, Capacity: s.Capacity, Recorded: s.Recorded, Written: s.Written, Dropped: s.Dropped, Failure: s.WriteFailures}
		},
		Catalog: func() (time.Time, bool, bool) {
			if a.svc == nil {
				return time.Time{}, false, false
			}
			return a.svc.CatalogStatus()
		},
	})
	a.metrics = cfg.metrics
	a.gw, err = newGateway(cfg, log)
	if err != nil {
		a.Close()
		return nil, fmt.Errorf("openrouter client: %w", err)
	}
	a.svc, err = core.New(core.Deps{
		Gateway: a.gw, Keys: st, Selections: st, Prompts: st, Cipher: cipher, Pinger: st, Snapshots: st, Usage: st,
	}, core.Options{Logger: log, CatalogTTL: cfg.CatalogTTL, SettingsTTL: cfg.SettingsTTL,
		Ledger: core.LedgerOptions{Buffer: cfg.UsageBuffer, Retention: usageRetention(cfg.UsageRetention), Observe: cfg.metrics.ObserveUsage}})
	if err != nil {
		a.Close()
		return nil, err
	}
	return a, nil
}

// usageRetention is the ledger's retention of cfg's: 0 or less keeps rows forever.
func usageRetention(d time.Duration) time.Duration {
	if d <= 0 {
		return -1
	}
	return d
}

// watchSelection keeps the metrics' selected models (the model label's
// values) to the scope's saved choices and fallbacks, read every interval
// until ctx ends (a type left to its recommended default is not labelled).
func (a *app) watchSelection(ctx context.Context, scope string, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		// Saved choices only: Selection would fetch the catalog for the
		// defaults of unsaved types, an upstream call nobody asked for.
		if sel, err := a.svc.SavedChoices(ctx, scope); err == nil {
			var ids []string
			for _, e := range sel {
				if e.ModelID != "" {
					ids = append(ids, e.ModelID)
				}
				ids = append(ids, e.Fallbacks...)
			}
			a.metrics.SetSelectedModels(ids)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
