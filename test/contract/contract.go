package contract

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aimodels/aimodels/core/domain"
	"github.com/aimodels/aimodels/ports"
)

// Stores bundles the store ports under test, usually one value behind all.
type Stores struct {
	Keys       ports.KeyStore
	Selections ports.SelectionStore
	Prompts    ports.PromptStore
	Pinger     ports.Pinger
	// Usage is the usage ledger's store; nil skips its rules.
	Usage ports.UsageStore
	// Snapshots is the catalog snapshot store; nil skips its rules.
	Snapshots ports.CatalogSnapshotStore
	// Migrate re-runs the store's migrations; nil when it has none.
	Migrate func(ctx context.Context) error
	// CountRows returns the number of rows of a table (api_keys,
	// openrouter_models, prompts) over every scope; nil skips the
	// row-count checks that the ports cannot express.
	CountRows func(ctx context.Context, table string) (int, error)
	// Close closes the store, after which every call must fail with
	// domain.ErrStoreUnavailable; nil skips that check.
	Close func() error
}

// Factory returns fresh, empty stores for one subtest; it registers its
// own cleanup with t.
type Factory func(t *testing.T) Stores

// Run runs the whole contract against stores made by newStores.
func Run(t *testing.T, newStores Factory) {
	t.Run("Ping", func(t *testing.T) { testPing(t, newStores(t)) })
	t.Run("Keys", func(t *testing.T) { testKeys(t, newStores(t)) })
	t.Run("KeysRotationPaging", func(t *testing.T) { testKeysAfter(t, newStores(t)) })
	t.Run("Selections", func(t *testing.T) { testSelections(t, newStores(t)) })
	t.Run("Prompts", func(t *testing.T) { testPrompts(t, newStores(t)) })
	t.Run("ScopeIsolation", func(t *testing.T) { testScopes(t, newStores(t)) })
	t.Run("ConcurrentSameRow", func(t *testing.T) { testConcurrentSameRow(t, newStores(t)) })
	t.Run("ConcurrentScopes", func(t *testing.T) { testConcurrentScopes(t, newStores(t)) })
	t.Run("MigrationsIdempotent", func(t *testing.T) { testMigrate(t, newStores(t)) })
	t.Run("KeyRules", func(t *testing.T) { testKeyRules(t, newStores(t)) })
	t.Run("ReplaceCiphertextsRules", func(t *testing.T) { testReplaceRules(t, newStores(t)) })
	t.Run("SelectionRules", func(t *testing.T) { testSelectionRules(t, newStores(t)) })
	t.Run("SaveSelectionsAllOrNone", func(t *testing.T) { testSaveSelectionsRules(t, newStores(t)) })
	t.Run("SelectionFallbacks", func(t *testing.T) { testSelectionFallbacks(t, newStores(t)) })
	t.Run("ConcurrentBatches", func(t *testing.T) { testConcurrentBatches(t, newStores(t)) })
	t.Run("PromptRules", func(t *testing.T) { testPromptRules(t, newStores(t)) })
	t.Run("PromptPages", func(t *testing.T) { testPromptPages(t, newStores(t)) })
	t.Run("PromptByName", func(t *testing.T) { testPromptByName(t, newStores(t)) })
	t.Run("PromptNamesNFC", func(t *testing.T) { testPromptNamesNFC(t, newStores(t)) })
	t.Run("PromptVersions", func(t *testing.T) { testPromptVersions(t, newStores(t)) })
	t.Run("PromptDefaults", func(t *testing.T) { testPromptDefaults(t, newStores(t)) })
	t.Run("PromptConcurrency", func(t *testing.T) { testPromptConcurrency(t, newStores(t)) })
	t.Run("CancelledContext", func(t *testing.T) { testCancelled(t, newStores(t)) })
	t.Run("Unavailable", func(t *testing.T) { testUnavailable(t, newStores(t)) })
	runUsage(t, newStores)
	runCatalog(t, newStores)
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func wantKind(t *testing.T, err, kind error, what string) {
	t.Helper()
	if !errors.Is(err, kind) {
		t.Fatalf("%s: err = %v, want %v", what, err, kind)
	}
	var se *domain.StoreError
	if !errors.As(err, &se) {
		t.Fatalf("%s: err %T is not a *domain.StoreError", what, err)
	}
}

func must(t *testing.T, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func testPing(t *testing.T, s Stores) {
	if s.Pinger == nil {
		t.Skip("no Pinger")
	}
	must(t, s.Pinger.Ping(ctxT(t)), "ping")
}

func key(scope, provider, ct string, id uint32) *domain.StoredKey {
	return &domain.StoredKey{Scope: scope, Provider: provider, Ciphertext: []byte(ct), KeyID: id, Hint: "sk-or-v1-…" + ct[len(ct)-2:]}
}

func testKeys(t *testing.T, s Stores) {
	ctx := ctxT(t)
	_, err := s.Keys.GetKey(ctx, "default", domain.ProviderOpenRouter)
	wantKind(t, err, domain.ErrNotFound, "get missing key")
	wantKind(t, s.Keys.DeleteKey(ctx, "default", domain.ProviderOpenRouter), domain.ErrNotFound, "delete missing key")

	k := key("default", domain.ProviderOpenRouter, "cipher-1", 7)
	must(t, s.Keys.SaveKey(ctx, k), "save")
	if k.ID == 0 || k.CreatedAt.IsZero() || k.UpdatedAt.IsZero() {
		t.Fatalf("save did not set id and timestamps: %+v", k)
	}
	got, err := s.Keys.GetKey(ctx, "default", domain.ProviderOpenRouter)
	must(t, err, "get")
	if string(got.Ciphertext) != "cipher-1" || got.KeyID != 7 || got.Hint != k.Hint || got.ID != k.ID {
		t.Fatalf("got %+v", got)
	}
	if !got.CreatedAt.Equal(k.CreatedAt) {
		t.Fatalf("created_at %v, saved %v", got.CreatedAt, k.CreatedAt)
	}

	time.Sleep(2 * time.Millisecond)
	k2 := key("default", domain.ProviderOpenRouter, "cipher-2", 8)
	must(t, s.Keys.SaveKey(ctx, k2), "replace")
	if k2.ID != k.ID {
		t.Fatalf("replace changed the id: %d -> %d", k.ID, k2.ID)
	}
	got, err = s.Keys.GetKey(ctx, "default", domain.ProviderOpenRouter)
	must(t, err, "get replaced")
	if string(got.Ciphertext) != "cipher-2" || got.KeyID != 8 {
		t.Fatalf("replace not applied: %+v", got)
	}
	if !got.CreatedAt.Equal(k.CreatedAt) || !got.UpdatedAt.After(k.UpdatedAt) {
		t.Fatalf("timestamps after replace: created %v (was %v), updated %v (was %v)", got.CreatedAt, k.CreatedAt, got.UpdatedAt, k.UpdatedAt)
	}

	must(t, s.Keys.SaveKey(ctx, key("default", "openai", "cipher-3", 8)), "save second provider")
	list, err := s.Keys.ListKeys(ctx, "default")
	must(t, err, "list")
	if len(list) != 2 || list[0].Provider != "openai" || list[1].Provider != domain.ProviderOpenRouter {
		t.Fatalf("list = %+v", list)
	}

	must(t, s.Keys.DeleteKey(ctx, "default", domain.ProviderOpenRouter), "delete")
	_, err = s.Keys.GetKey(ctx, "default", domain.ProviderOpenRouter)
	wantKind(t, err, domain.ErrNotFound, "get deleted key")
	list, err = s.Keys.ListKeys(ctx, "default")
	must(t, err, "list after delete")
	if len(list) != 1 {
		t.Fatalf("list after delete = %+v", list)
	}
}

func testKeysAfter(t *testing.T, s Stores) {
	ctx := ctxT(t)
	for i := range 25 {
		must(t, s.Keys.SaveKey(ctx, key(fmt.Sprintf("scope-%02d", i), domain.ProviderOpenRouter, fmt.Sprintf("ct-%02d", i), 1)), "save")
	}
	var all []domain.StoredKey
	var after int64
	for {
		b, err := s.Keys.KeysAfter(ctx, after, 10)
		must(t, err, "keys after")
		if len(b) == 0 {
			break
		}
		for i := 1; i < len(b); i++ {
			if b[i].ID <= b[i-1].ID {
				t.Fatal("KeysAfter not ordered by id")
			}
		}
		all = append(all, b...)
		after = b[len(b)-1].ID
	}
	if len(all) != 25 {
		t.Fatalf("paged %d keys, want 25", len(all))
	}

	// Replace all of the first ten in one batch.
	batch := slices.Clone(all[:10])
	for i := range batch {
		batch[i].Ciphertext = []byte("new-" + string(batch[i].Ciphertext))
		batch[i].KeyID = 2
	}
	must(t, s.Keys.ReplaceCiphertexts(ctx, batch), "replace ciphertexts")
	for _, k := range batch {
		got, err := s.Keys.GetKey(ctx, k.Scope, k.Provider)
		must(t, err, "get replaced")
		if string(got.Ciphertext) != string(k.Ciphertext) || got.KeyID != 2 {
			t.Fatalf("key %d not replaced: %+v", k.ID, got)
		}
	}

	// A key saved again after it was read keeps its newer value.
	stale := all[20]
	must(t, s.Keys.SaveKey(ctx, key(stale.Scope, stale.Provider, "fresh-value", 3)), "save fresh")
	stale.Ciphertext, stale.KeyID = []byte("rotated-stale"), 2
	must(t, s.Keys.ReplaceCiphertexts(ctx, []domain.StoredKey{stale}), "replace stale")
	got, err := s.Keys.GetKey(ctx, stale.Scope, stale.Provider)
	must(t, err, "get fresh")
	if string(got.Ciphertext) != "fresh-value" {
		t.Fatalf("rotation overwrote a newer key: %q", got.Ciphertext)
	}
}

func sel(scope string, mt domain.ModelType, id string) *domain.SavedSelection {
	return &domain.SavedSelection{Scope: scope, Type: mt, ModelID: id, ModelName: "Name of " + id, PromptCost: "$0.50/1M tokens", CompletionCost: "$1.50/1M tokens"}
}

func testSelections(t *testing.T, s Stores) {
	ctx := ctxT(t)
	got, err := s.Selections.GetSelections(ctx, "default")
	must(t, err, "get empty")
	if len(got) != 0 {
		t.Fatalf("empty scope has %v", got)
	}
	must(t, s.Selections.SaveSelection(ctx, sel("default", domain.TypeText, "openai/gpt-3.5-turbo")), "save text")
	must(t, s.Selections.SaveSelection(ctx, sel("default", domain.TypeAudio, "openai/whisper-1")), "save audio")
	first := sel("default", domain.TypeText, "anthropic/claude-3-haiku")
	must(t, s.Selections.SaveSelection(ctx, first), "replace text")
	if first.SavedAt.IsZero() {
		t.Fatal("SavedAt not set")
	}
	got, err = s.Selections.GetSelections(ctx, "default")
	must(t, err, "get")
	m := map[domain.ModelType]domain.SavedSelection{}
	for _, g := range got {
		m[g.Type] = g
	}
	if len(got) != 2 || m[domain.TypeText].ModelID != "anthropic/claude-3-haiku" || m[domain.TypeAudio].ModelID != "openai/whisper-1" {
		t.Fatalf("selections = %+v", got)
	}
	if tx := m[domain.TypeText]; tx.ModelName != "Name of anthropic/claude-3-haiku" || tx.PromptCost != "$0.50/1M tokens" ||
		tx.CompletionCost != "$1.50/1M tokens" || tx.Scope != "default" || !tx.SavedAt.Equal(first.SavedAt) {
		t.Fatalf("snapshot not kept: %+v (saved at %v)", tx, first.SavedAt)
	}
	if n := count(t, s, "openrouter_models"); n >= 0 && n != 2 {
		t.Fatalf("%d selection rows, want 2", n)
	}
}

func count(t *testing.T, s Stores, table string) int {
	t.Helper()
	if s.CountRows == nil {
		return -1
	}
	n, err := s.CountRows(ctxT(t), table)
	must(t, err, "count "+table)
	return n
}

func prompt(scope, name string, mt domain.ModelType, text string) *domain.Prompt {
	return &domain.Prompt{Scope: scope, Name: name, Type: mt, Text: text}
}

func testPrompts(t *testing.T, s Stores) {
	ctx := ctxT(t)
	_, err := s.Prompts.GetPrompt(ctx, "default", 12345)
	wantKind(t, err, domain.ErrNotFound, "get missing prompt")
	wantKind(t, s.Prompts.DeletePrompt(ctx, "default", 12345), domain.ErrNotFound, "delete missing prompt")
	wantKind(t, s.Prompts.UpdatePrompt(ctx, prompt("default", "x", domain.TypeText, "x")), domain.ErrNotFound, "update missing prompt")

	long := repeat("Ünïcødé ✓ ", 9000) // ~100 KB, beyond MySQL TEXT's 64 KB
	a := prompt("default", "Summarise", domain.TypeText, long)
	must(t, s.Prompts.CreatePrompt(ctx, a), "create a")
	if a.ID == 0 || a.CreatedAt.IsZero() {
		t.Fatalf("create did not set id/timestamps: %+v", a)
	}
	b := prompt("default", "Describe", domain.TypeImage, "Describe the image.")
	must(t, s.Prompts.CreatePrompt(ctx, b), "create b")
	wantKind(t, s.Prompts.CreatePrompt(ctx, prompt("default", "Summarise", domain.TypeAudio, "dup")), domain.ErrConflict, "duplicate name")

	got, err := s.Prompts.GetPrompt(ctx, "default", a.ID)
	must(t, err, "get a")
	if got.Text != long || got.Name != "Summarise" || got.Type != domain.TypeText {
		t.Fatalf("get a = name %q type %q text len %d", got.Name, got.Type, len(got.Text))
	}
	list, err := s.Prompts.ListPrompts(ctx, "default", domain.PromptQuery{})
	must(t, err, "list")
	if len(list) != 2 || list[0].Name != "Describe" || list[1].Name != "Summarise" {
		t.Fatalf("list not by name: %v", names(list))
	}
	list, err = s.Prompts.ListPrompts(ctx, "default", domain.PromptQuery{Type: domain.TypeImage})
	must(t, err, "list image")
	if len(list) != 1 || list[0].ID != b.ID {
		t.Fatalf("type filter: %v", names(list))
	}

	time.Sleep(2 * time.Millisecond)
	upd := prompt("default", "Summarise briefly", domain.TypeAudio, "new text")
	upd.ID = a.ID
	must(t, s.Prompts.UpdatePrompt(ctx, upd), "update")
	if !upd.CreatedAt.Equal(a.CreatedAt) || !upd.UpdatedAt.After(a.UpdatedAt) {
		t.Fatalf("update timestamps: %+v vs %+v", upd, a)
	}
	got, err = s.Prompts.GetPrompt(ctx, "default", a.ID)
	must(t, err, "get updated")
	if got.Name != "Summarise briefly" || got.Type != domain.TypeAudio || got.Text != "new text" {
		t.Fatalf("update not applied: %+v", got)
	}
	same := *got
	must(t, s.Prompts.UpdatePrompt(ctx, &same), "update with unchanged values")
	clash := *got
	clash.Name = "Describe"
	wantKind(t, s.Prompts.UpdatePrompt(ctx, &clash), domain.ErrConflict, "rename onto an existing name")

	must(t, s.Prompts.DeletePrompt(ctx, "default", b.ID), "delete")
	_, err = s.Prompts.GetPrompt(ctx, "default", b.ID)
	wantKind(t, err, domain.ErrNotFound, "get deleted")
}

func repeat(s string, n int) string {
	b := make([]byte, 0, len(s)*n)
	for range n {
		b = append(b, s...)
	}
	return string(b)
}

func names(ps []domain.Prompt) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Name)
	}
	return out
}

func testScopes(t *testing.T, s Stores) {
	ctx := ctxT(t)
	must(t, s.Keys.SaveKey(ctx, key("tenant-a", domain.ProviderOpenRouter, "ct-aa", 1)), "save a")
	must(t, s.Keys.SaveKey(ctx, key("tenant-b", domain.ProviderOpenRouter, "ct-bb", 1)), "save b")
	ga, err := s.Keys.GetKey(ctx, "tenant-a", domain.ProviderOpenRouter)
	must(t, err, "get a")
	if string(ga.Ciphertext) != "ct-aa" {
		t.Fatal("scope a sees scope b's key")
	}
	must(t, s.Keys.DeleteKey(ctx, "tenant-a", domain.ProviderOpenRouter), "delete a")
	if _, err := s.Keys.GetKey(ctx, "tenant-b", domain.ProviderOpenRouter); err != nil {
		t.Fatal("deleting scope a's key removed scope b's")
	}
	_, err = s.Keys.GetKey(ctx, "Tenant-B", domain.ProviderOpenRouter)
	wantKind(t, err, domain.ErrNotFound, "scopes are case-sensitive")
	lk, err := s.Keys.ListKeys(ctx, "tenant-b")
	must(t, err, "list keys b")
	if len(lk) != 1 || lk[0].Scope != "tenant-b" || string(lk[0].Ciphertext) != "ct-bb" {
		t.Fatalf("scope b keys: %+v", lk)
	}

	must(t, s.Selections.SaveSelection(ctx, sel("tenant-a", domain.TypeText, "a/model")), "sel a")
	must(t, s.Selections.SaveSelection(ctx, sel("tenant-b", domain.TypeText, "b/model")), "sel b")
	sa, err := s.Selections.GetSelections(ctx, "tenant-a")
	must(t, err, "get sel a")
	if len(sa) != 1 || sa[0].ModelID != "a/model" {
		t.Fatalf("scope a selections: %+v", sa)
	}
	sb, err := s.Selections.GetSelections(ctx, "tenant-b")
	must(t, err, "get sel b")
	if len(sb) != 1 || sb[0].ModelID != "b/model" || sb[0].Scope != "tenant-b" {
		t.Fatalf("scope b selections: %+v", sb)
	}

	pa := prompt("tenant-a", "Same name", domain.TypeText, "a")
	must(t, s.Prompts.CreatePrompt(ctx, pa), "prompt a")
	must(t, s.Prompts.CreatePrompt(ctx, prompt("tenant-b", "Same name", domain.TypeText, "b")), "same name in another scope")
	_, err = s.Prompts.GetPrompt(ctx, "tenant-b", pa.ID)
	wantKind(t, err, domain.ErrNotFound, "get another scope's prompt by id")
	wantKind(t, s.Prompts.DeletePrompt(ctx, "tenant-b", pa.ID), domain.ErrNotFound, "delete another scope's prompt")
	other := *pa
	other.Scope, other.Text = "tenant-b", "hijack"
	wantKind(t, s.Prompts.UpdatePrompt(ctx, &other), domain.ErrNotFound, "update another scope's prompt")
	lb, err := s.Prompts.ListPrompts(ctx, "tenant-b", domain.PromptQuery{})
	must(t, err, "list b")
	if len(lb) != 1 || lb[0].Text != "b" {
		t.Fatalf("scope b prompts: %+v", lb)
	}

	// The empty scope is the default scope.
	must(t, s.Selections.SaveSelection(ctx, sel("", domain.TypeImage, "openai/gpt-4o")), "sel empty scope")
	sd, err := s.Selections.GetSelections(ctx, domain.DefaultScope)
	must(t, err, "get default")
	if len(sd) != 1 || sd[0].Scope != domain.DefaultScope {
		t.Fatalf("empty scope did not map to default: %+v", sd)
	}
}

func testConcurrentSameRow(t *testing.T, s Stores) {
	ctx := ctxT(t)
	const n = 50
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for i := range n {
		wg.Go(func() {
			if err := s.Selections.SaveSelection(ctx, sel("busy", domain.TypeText, fmt.Sprintf("model/%02d", i))); err != nil {
				errs <- fmt.Errorf("selection %d: %w", i, err)
			}
		})
		wg.Go(func() {
			if err := s.Keys.SaveKey(ctx, key("busy", domain.ProviderOpenRouter, fmt.Sprintf("ct-%02d", i), uint32(i+1))); err != nil {
				errs <- fmt.Errorf("key %d: %w", i, err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	got, err := s.Selections.GetSelections(ctx, "busy")
	must(t, err, "get")
	if len(got) != 1 {
		t.Fatalf("%d selection rows, want 1", len(got))
	}
	k, err := s.Keys.GetKey(ctx, "busy", domain.ProviderOpenRouter)
	must(t, err, "get key")
	if fmt.Sprintf("ct-%02d", k.KeyID-1) != string(k.Ciphertext) {
		t.Fatalf("torn key row: ciphertext %q with key id %d", k.Ciphertext, k.KeyID)
	}
	if n := count(t, s, "openrouter_models"); n >= 0 && n != 1 {
		t.Fatalf("%d rows in openrouter_models, want 1", n)
	}
	if n := count(t, s, "api_keys"); n >= 0 && n != 1 {
		t.Fatalf("%d rows in api_keys, want 1", n)
	}
	// After the storm, a plain write is the last write and wins.
	must(t, s.Selections.SaveSelection(ctx, sel("busy", domain.TypeText, "final/model")), "final save")
	got, err = s.Selections.GetSelections(ctx, "busy")
	must(t, err, "get final")
	if len(got) != 1 || got[0].ModelID != "final/model" {
		t.Fatalf("last write lost: %+v", got)
	}
}

func testConcurrentScopes(t *testing.T, s Stores) {
	ctx := ctxT(t)
	const n = 50
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			if err := s.Selections.SaveSelection(ctx, sel(fmt.Sprintf("scope-%02d", i), domain.TypeAudio, "openai/whisper-1")); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for i := range n {
		got, err := s.Selections.GetSelections(ctx, fmt.Sprintf("scope-%02d", i))
		must(t, err, "get")
		if len(got) != 1 {
			t.Fatalf("scope %d has %d rows", i, len(got))
		}
	}
	if c := count(t, s, "openrouter_models"); c >= 0 && c != n {
		t.Fatalf("%d rows, want %d", c, n)
	}
}

func testMigrate(t *testing.T, s Stores) {
	if s.Migrate == nil {
		t.Skip("store has no migrations")
	}
	ctx := ctxT(t)
	must(t, s.Selections.SaveSelection(ctx, sel("default", domain.TypeText, "keep/me")), "save")
	must(t, s.Migrate(ctx), "second migrate")
	must(t, s.Migrate(ctx), "third migrate")
	got, err := s.Selections.GetSelections(ctx, "default")
	must(t, err, "get")
	if len(got) != 1 || got[0].ModelID != "keep/me" {
		t.Fatalf("migrating again touched data: %+v", got)
	}
}
