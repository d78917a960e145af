package contract

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aimodels/aimodels/core/domain"
)

// The tests of this file check the rules written on the store ports in
// ports/driven.go that the tests of contract.go leave out.

func wantValidation(t *testing.T, err error, what string) {
	t.Helper()
	var ve *domain.ValidationError
	if !errors.Is(err, domain.ErrValidation) || !errors.As(err, &ve) {
		t.Fatalf("%s: err = %v, want a *domain.ValidationError", what, err)
	}
}

// testKeyRules: input the store cannot hold, empty lists, the empty scope.
func testKeyRules(t *testing.T, s Stores) {
	ctx := ctxT(t)
	list, err := s.Keys.ListKeys(ctx, "nobody")
	must(t, err, "list an empty scope")
	if len(list) != 0 {
		t.Fatalf("empty scope lists %+v", list)
	}

	noProvider := key("default", "", "cipher-1", 1)
	wantValidation(t, s.Keys.SaveKey(ctx, noProvider), "save without provider")
	noCiphertext := key("default", domain.ProviderOpenRouter, "cipher-1", 1)
	noCiphertext.Ciphertext = nil
	wantValidation(t, s.Keys.SaveKey(ctx, noCiphertext), "save without ciphertext")
	if noCiphertext.ID != 0 || !noCiphertext.UpdatedAt.IsZero() {
		t.Fatalf("a failed save filled in its argument: %+v", noCiphertext)
	}
	_, err = s.Keys.GetKey(ctx, "default", domain.ProviderOpenRouter)
	wantKind(t, err, domain.ErrNotFound, "get after refused saves")
	_, err = s.Keys.KeysAfter(ctx, 0, 0)
	wantValidation(t, err, "keys after with limit 0")

	// The empty scope is the default scope.
	k := key("", domain.ProviderOpenRouter, "cipher-e", 1)
	k.ID = 424242 // ignored
	must(t, s.Keys.SaveKey(ctx, k), "save in the empty scope")
	if k.Scope != domain.DefaultScope || k.ID == 424242 {
		t.Fatalf("save in the empty scope: %+v", k)
	}
	if k.CreatedAt.Location() != time.UTC || k.UpdatedAt.Location() != time.UTC {
		t.Fatalf("timestamps not in UTC: %+v", k)
	}
	got, err := s.Keys.GetKey(ctx, domain.DefaultScope, domain.ProviderOpenRouter)
	must(t, err, "get from the default scope")
	if got.ID != k.ID || got.Scope != domain.DefaultScope {
		t.Fatalf("got %+v", got)
	}
	list, err = s.Keys.ListKeys(ctx, "")
	must(t, err, "list the empty scope")
	if len(list) != 1 || list[0].ID != k.ID {
		t.Fatalf("list of the empty scope = %+v", list)
	}
	must(t, s.Keys.DeleteKey(ctx, "", domain.ProviderOpenRouter), "delete from the empty scope")
	_, err = s.Keys.GetKey(ctx, domain.DefaultScope, domain.ProviderOpenRouter)
	wantKind(t, err, domain.ErrNotFound, "get after delete from the empty scope")
}

// testReplaceRules: ReplaceCiphertexts keeps UpdatedAt, skips keys saved
// again, deleted or missing since they were read and returns nil for
// them, replaces unconditionally without an UpdatedAt, and refuses a
// batch with a bad entry as a whole.
func testReplaceRules(t *testing.T, s Stores) {
	ctx := ctxT(t)
	must(t, s.Keys.ReplaceCiphertexts(ctx, nil), "replace nothing")
	for _, sc := range []string{"r-a", "r-b", "r-c", "r-d"} {
		must(t, s.Keys.SaveKey(ctx, key(sc, domain.ProviderOpenRouter, "old-"+sc, 1)), "save "+sc)
	}
	read, err := s.Keys.KeysAfter(ctx, 0, 10)
	must(t, err, "keys after")
	if len(read) != 4 {
		t.Fatalf("read %d keys, want 4", len(read))
	}
	byScope := map[string]domain.StoredKey{}
	for _, k := range read {
		byScope[k.Scope] = k
	}
	rotated := func(sc string) domain.StoredKey {
		k := byScope[sc]
		k.Ciphertext, k.KeyID = []byte("new-"+sc), 2
		return k
	}
	unchanged := func(what string) {
		t.Helper()
		for sc, want := range byScope {
			got, err := s.Keys.GetKey(ctx, sc, domain.ProviderOpenRouter)
			must(t, err, what)
			if string(got.Ciphertext) != string(want.Ciphertext) || got.KeyID != want.KeyID {
				t.Fatalf("%s: key %s changed to %q", what, sc, got.Ciphertext)
			}
		}
	}

	// A bad entry refuses the whole batch.
	wantValidation(t, s.Keys.ReplaceCiphertexts(ctx, []domain.StoredKey{rotated("r-a"), {Ciphertext: []byte("x"), KeyID: 2}}), "replace with an entry without ID")
	noCT := rotated("r-b")
	noCT.Ciphertext = nil
	wantValidation(t, s.Keys.ReplaceCiphertexts(ctx, []domain.StoredKey{rotated("r-a"), noCT}), "replace with an entry without ciphertext")
	unchanged("after refused batches")

	// Since the read: r-b is deleted, r-c and r-d are saved again.
	must(t, s.Keys.DeleteKey(ctx, "r-b", domain.ProviderOpenRouter), "delete r-b")
	must(t, s.Keys.SaveKey(ctx, key("r-c", domain.ProviderOpenRouter, "fresh-r-c", 3)), "save r-c again")
	must(t, s.Keys.SaveKey(ctx, key("r-d", domain.ProviderOpenRouter, "fresh-r-d", 3)), "save r-d again")
	d := rotated("r-d")
	d.UpdatedAt = time.Time{} // no UpdatedAt: replaced whatever happened since
	missing := rotated("r-a")
	missing.ID = byScope["r-d"].ID + 1_000_000
	must(t, s.Keys.ReplaceCiphertexts(ctx, []domain.StoredKey{rotated("r-a"), rotated("r-b"), rotated("r-c"), d, missing}),
		"replace with skipped keys")

	a, err := s.Keys.GetKey(ctx, "r-a", domain.ProviderOpenRouter)
	must(t, err, "get r-a")
	was := byScope["r-a"]
	if string(a.Ciphertext) != "new-r-a" || a.KeyID != 2 {
		t.Fatalf("r-a not replaced: %+v", a)
	}
	if !a.UpdatedAt.Equal(was.UpdatedAt) || !a.CreatedAt.Equal(was.CreatedAt) || a.Hint != was.Hint || a.ID != was.ID {
		t.Fatalf("replace changed more than the ciphertext: %+v, was %+v", a, was)
	}
	_, err = s.Keys.GetKey(ctx, "r-b", domain.ProviderOpenRouter)
	wantKind(t, err, domain.ErrNotFound, "a deleted key brought back")
	c, err := s.Keys.GetKey(ctx, "r-c", domain.ProviderOpenRouter)
	must(t, err, "get r-c")
	if string(c.Ciphertext) != "fresh-r-c" || c.KeyID != 3 {
		t.Fatalf("a key saved since the read was overwritten: %q", c.Ciphertext)
	}
	dk, err := s.Keys.GetKey(ctx, "r-d", domain.ProviderOpenRouter)
	must(t, err, "get r-d")
	if string(dk.Ciphertext) != "new-r-d" {
		t.Fatalf("a key without UpdatedAt was not replaced: %q", dk.Ciphertext)
	}
	all, err := s.Keys.KeysAfter(ctx, 0, 10)
	must(t, err, "keys after the replace")
	if len(all) != 3 {
		t.Fatalf("%d keys after the replace, want 3 (a missing ID must not be created)", len(all))
	}
}

// testSelectionRules: validation, order by type, SavedAt kept or set.
func testSelectionRules(t *testing.T, s Stores) {
	ctx := ctxT(t)
	wantValidation(t, s.Selections.SaveSelection(ctx, sel("rules", "video", "some/model")), "save an unknown type")
	noModel := sel("rules", domain.TypeText, "")
	wantValidation(t, s.Selections.SaveSelection(ctx, noModel), "save without model id")
	if !noModel.SavedAt.IsZero() {
		t.Fatal("a refused save set SavedAt")
	}
	got, err := s.Selections.GetSelections(ctx, "rules")
	must(t, err, "get after refused saves")
	if len(got) != 0 {
		t.Fatalf("refused saves stored %+v", got)
	}

	// A given SavedAt is kept, in UTC, to the microsecond.
	at := time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.FixedZone("UTC+1", 3600))
	text := sel("rules", domain.TypeText, "openai/gpt-3.5-turbo")
	text.SavedAt = at
	must(t, s.Selections.SaveSelection(ctx, text), "save text with SavedAt")
	want := at.UTC().Truncate(time.Microsecond)
	if !text.SavedAt.Equal(want) || text.SavedAt.Location() != time.UTC {
		t.Fatalf("SavedAt set to %v, want %v", text.SavedAt, want)
	}
	// A zero SavedAt is now.
	before := time.Now().UTC().Truncate(time.Microsecond)
	audio := sel("rules", domain.TypeAudio, "openai/whisper-1")
	must(t, s.Selections.SaveSelection(ctx, audio), "save audio")
	if audio.SavedAt.Before(before) || audio.SavedAt.After(time.Now()) || audio.SavedAt.Location() != time.UTC {
		t.Fatalf("SavedAt %v is not the time of the save (after %v)", audio.SavedAt, before)
	}
	must(t, s.Selections.SaveSelection(ctx, sel("rules", domain.TypeImage, "openai/gpt-4o")), "save image")

	got, err = s.Selections.GetSelections(ctx, "rules")
	must(t, err, "get")
	var types []domain.ModelType
	for _, g := range got {
		types = append(types, g.Type)
	}
	if fmt.Sprint(types) != "[audio image text]" {
		t.Fatalf("selections ordered %v, want [audio image text]", types)
	}
	if !got[2].SavedAt.Equal(want) || got[2].SavedAt.Location() != time.UTC || !got[0].SavedAt.Equal(audio.SavedAt) {
		t.Fatalf("stored SavedAt %v and %v, saved %v and %v", got[2].SavedAt, got[0].SavedAt, want, audio.SavedAt)
	}
}

// testSaveSelectionsRules: several types land together, a bad one saves
// none, an empty batch saves nothing.
func testSaveSelectionsRules(t *testing.T, s Stores) {
	ctx := ctxT(t)
	must(t, s.Selections.SaveSelections(ctx, nil), "save an empty batch")
	both := []domain.SavedSelection{*sel("", domain.TypeText, "openai/gpt-4o-mini"), *sel("", domain.TypeImage, "openai/gpt-4o")}
	must(t, s.Selections.SaveSelections(ctx, both), "save two types")
	for _, b := range both {
		if b.Scope != domain.DefaultScope || b.SavedAt.IsZero() {
			t.Fatalf("batch entry not filled in: %+v", b)
		}
	}
	check := func(what string) {
		t.Helper()
		got, err := s.Selections.GetSelections(ctx, domain.DefaultScope)
		must(t, err, what)
		if len(got) != 2 || got[0].ModelID != "openai/gpt-4o" || got[1].ModelID != "openai/gpt-4o-mini" {
			t.Fatalf("%s: selections %+v", what, got)
		}
	}
	check("after the batch")

	for _, bad := range [][]domain.SavedSelection{
		{*sel("", domain.TypeAudio, "openai/whisper-1"), *sel("", domain.TypeText, "")},
		{*sel("", domain.TypeText, "openai/gpt-3.5-turbo"), *sel("", "video", "some/model")},
	} {
		wantValidation(t, s.Selections.SaveSelections(ctx, bad), "a batch with a bad entry")
		check("after a refused batch")
	}
}

// testConcurrentBatches: concurrent SaveSelections of two types never
// leave, nor show a reader, the types of two different batches.
func testConcurrentBatches(t *testing.T, s Stores) {
	ctx := ctxT(t)
	batch := func(id string) []domain.SavedSelection {
		return []domain.SavedSelection{*sel("batches", domain.TypeText, id), *sel("batches", domain.TypeImage, id)}
	}
	torn := func(got []domain.SavedSelection) error {
		if len(got) != 2 || got[0].ModelID != got[1].ModelID {
			return fmt.Errorf("selections of two batches: %+v", got)
		}
		return nil
	}
	must(t, s.Selections.SaveSelections(ctx, batch("m/start")), "first batch")

	const writers, each, readers = 8, 5, 2
	errs := make(chan error, writers*each+readers)
	done := make(chan struct{})
	var rg, wg sync.WaitGroup
	for range readers {
		rg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				got, err := s.Selections.GetSelections(ctx, "batches")
				if err == nil {
					err = torn(got)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				if err := s.Selections.SaveSelections(ctx, batch(fmt.Sprintf("m/%d/%d", w, i))); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(done)
	rg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	got, err := s.Selections.GetSelections(ctx, "batches")
	must(t, err, "get")
	if err := torn(got); err != nil {
		t.Fatal(err)
	}
}

// testPromptRules: empty lists, byte order of names, the empty scope,
// IDs set by the store, names freed by delete, arguments filled in only
// on success.
func testPromptRules(t *testing.T, s Stores) {
	ctx := ctxT(t)
	list, err := s.Prompts.ListPrompts(ctx, "nobody", domain.PromptQuery{})
	must(t, err, "list an empty scope")
	if len(list) != 0 {
		t.Fatalf("empty scope lists %v", names(list))
	}
	for _, n := range []string{"beta", "Émile", "alpha", "Zeta"} {
		p := prompt("", n, domain.TypeText, "text of "+n)
		p.ID = 987654 // ignored
		must(t, s.Prompts.CreatePrompt(ctx, p), "create "+n)
		if p.ID == 987654 || p.ID <= 0 || p.Scope != domain.DefaultScope || !p.CreatedAt.Equal(p.UpdatedAt) || p.CreatedAt.Location() != time.UTC {
			t.Fatalf("create did not fill in %+v", p)
		}
	}
	list, err = s.Prompts.ListPrompts(ctx, domain.DefaultScope, domain.PromptQuery{})
	must(t, err, "list")
	if fmt.Sprint(names(list)) != "[Zeta alpha beta Émile]" {
		t.Fatalf("prompts ordered %q, want byte order [Zeta alpha beta Émile]", names(list))
	}
	dup := prompt("", "alpha", domain.TypeImage, "again")
	wantKind(t, s.Prompts.CreatePrompt(ctx, dup), domain.ErrConflict, "duplicate name")
	if dup.ID != 0 || !dup.CreatedAt.IsZero() {
		t.Fatalf("a refused create filled in its argument: %+v", dup)
	}
	list, err = s.Prompts.ListPrompts(ctx, "", domain.PromptQuery{Type: domain.TypeImage})
	must(t, err, "list images")
	if len(list) != 0 {
		t.Fatalf("type filter: %v", names(list))
	}

	all, err := s.Prompts.ListPrompts(ctx, "", domain.PromptQuery{})
	must(t, err, "list again")
	must(t, s.Prompts.DeletePrompt(ctx, "", all[2].ID), "delete beta from the empty scope")
	again := prompt("", "beta", domain.TypeAudio, "new beta")
	must(t, s.Prompts.CreatePrompt(ctx, again), "reuse a deleted name")
	got, err := s.Prompts.GetPrompt(ctx, "", again.ID)
	must(t, err, "get from the empty scope")
	if got.Text != "new beta" || got.Scope != domain.DefaultScope {
		t.Fatalf("got %+v", got)
	}
	upd := *got
	upd.Scope, upd.Text = "", "updated in the empty scope"
	must(t, s.Prompts.UpdatePrompt(ctx, &upd), "update in the empty scope")
	if upd.Scope != domain.DefaultScope || !upd.CreatedAt.Equal(got.CreatedAt) || upd.UpdatedAt.Before(got.UpdatedAt) {
		t.Fatalf("update did not fill in %+v", upd)
	}
}

// testCancelled: a call whose context is done changes nothing and
// returns an error wrapping ctx.Err().
func testCancelled(t *testing.T, s Stores) {
	live := ctxT(t)
	k := key("cancel", domain.ProviderOpenRouter, "ct-keep", 1)
	must(t, s.Keys.SaveKey(live, k), "save key")
	p := prompt("cancel", "Keep", domain.TypeText, "keep")
	must(t, s.Prompts.CreatePrompt(live, p), "create prompt")

	ctx, cancel := context.WithCancel(live)
	cancel()
	check := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("%s with a cancelled context: err = %v, want context.Canceled", what, err)
		}
	}
	check("SaveKey", s.Keys.SaveKey(ctx, key("cancel", "other", "ct-new", 1)))
	_, err := s.Keys.GetKey(ctx, "cancel", domain.ProviderOpenRouter)
	check("GetKey", err)
	check("DeleteKey", s.Keys.DeleteKey(ctx, "cancel", domain.ProviderOpenRouter))
	_, err = s.Keys.ListKeys(ctx, "cancel")
	check("ListKeys", err)
	_, err = s.Keys.KeysAfter(ctx, 0, 10)
	check("KeysAfter", err)
	rk := *k
	rk.Ciphertext = []byte("ct-rotated")
	check("ReplaceCiphertexts", s.Keys.ReplaceCiphertexts(ctx, []domain.StoredKey{rk}))
	_, err = s.Selections.GetSelections(ctx, "cancel")
	check("GetSelections", err)
	check("SaveSelection", s.Selections.SaveSelection(ctx, sel("cancel", domain.TypeText, "a/model")))
	check("SaveSelections", s.Selections.SaveSelections(ctx, []domain.SavedSelection{*sel("cancel", domain.TypeImage, "b/model")}))
	_, err = s.Prompts.ListPrompts(ctx, "cancel", domain.PromptQuery{})
	check("ListPrompts", err)
	_, err = s.Prompts.GetPrompt(ctx, "cancel", p.ID)
	check("GetPrompt", err)
	check("CreatePrompt", s.Prompts.CreatePrompt(ctx, prompt("cancel", "New", domain.TypeText, "new")))
	up := *p
	up.Text = "changed"
	check("UpdatePrompt", s.Prompts.UpdatePrompt(ctx, &up))
	check("DeletePrompt", s.Prompts.DeletePrompt(ctx, "cancel", p.ID))
	if s.Pinger != nil {
		check("Ping", s.Pinger.Ping(ctx))
	}

	keys, err := s.Keys.ListKeys(live, "cancel")
	must(t, err, "list keys")
	if len(keys) != 1 || string(keys[0].Ciphertext) != "ct-keep" {
		t.Fatalf("cancelled calls changed the keys: %+v", keys)
	}
	sels, err := s.Selections.GetSelections(live, "cancel")
	must(t, err, "get selections")
	if len(sels) != 0 {
		t.Fatalf("cancelled saves stored %+v", sels)
	}
	ps, err := s.Prompts.ListPrompts(live, "cancel", domain.PromptQuery{})
	must(t, err, "list prompts")
	if len(ps) != 1 || ps[0].Text != "keep" {
		t.Fatalf("cancelled calls changed the prompts: %+v", ps)
	}
}

// testUnavailable: once the store is closed, every method fails with a
// *domain.StoreError of kind ErrStoreUnavailable.
func testUnavailable(t *testing.T, s Stores) {
	if s.Close == nil {
		t.Skip("no Close")
	}
	ctx := ctxT(t)
	k := key("gone", domain.ProviderOpenRouter, "ct-gone", 1)
	must(t, s.Keys.SaveKey(ctx, k), "save key")
	p := prompt("gone", "Gone", domain.TypeText, "gone")
	must(t, s.Prompts.CreatePrompt(ctx, p), "create prompt")
	must(t, s.Close(), "close")

	check := func(what string, err error) {
		t.Helper()
		wantKind(t, err, domain.ErrStoreUnavailable, what+" on a closed store")
	}
	if s.Pinger != nil {
		check("Ping", s.Pinger.Ping(ctx))
	}
	check("SaveKey", s.Keys.SaveKey(ctx, key("gone", "other", "ct-new", 1)))
	_, err := s.Keys.GetKey(ctx, "gone", domain.ProviderOpenRouter)
	check("GetKey", err)
	check("DeleteKey", s.Keys.DeleteKey(ctx, "gone", domain.ProviderOpenRouter))
	_, err = s.Keys.ListKeys(ctx, "gone")
	check("ListKeys", err)
	_, err = s.Keys.KeysAfter(ctx, 0, 10)
	check("KeysAfter", err)
	check("ReplaceCiphertexts", s.Keys.ReplaceCiphertexts(ctx, []domain.StoredKey{*k}))
	_, err = s.Selections.GetSelections(ctx, "gone")
	check("GetSelections", err)
	check("SaveSelection", s.Selections.SaveSelection(ctx, sel("gone", domain.TypeText, "a/model")))
	check("SaveSelections", s.Selections.SaveSelections(ctx, []domain.SavedSelection{*sel("gone", domain.TypeImage, "b/model")}))
	_, err = s.Prompts.ListPrompts(ctx, "gone", domain.PromptQuery{})
	check("ListPrompts", err)
	_, err = s.Prompts.GetPrompt(ctx, "gone", p.ID)
	check("GetPrompt", err)
	check("CreatePrompt", s.Prompts.CreatePrompt(ctx, prompt("gone", "New", domain.TypeText, "new")))
	check("UpdatePrompt", s.Prompts.UpdatePrompt(ctx, p))
	check("DeletePrompt", s.Prompts.DeletePrompt(ctx, "gone", p.ID))
}

// testPromptPages: a query continues after (name, ID) in name (byte)
// order, keeps only its type, stops at its limit; CountPrompts counts the
// scope's prompts only.
func testPromptPages(t *testing.T, s Stores) {
	ctx := ctxT(t)
	want := []string{"Zeta", "alpha", "beta", "delta", "gamma", "Émile"} // byte order
	for i, n := range []string{"gamma", "alpha", "Émile", "Zeta", "delta", "beta"} {
		typ := domain.TypeText
		if i%2 == 1 {
			typ = domain.TypeImage
		}
		must(t, s.Prompts.CreatePrompt(ctx, prompt("pages", n, typ, "t")), "create "+n)
	}
	must(t, s.Prompts.CreatePrompt(ctx, prompt("elsewhere", "x", domain.TypeText, "t")), "create in another scope")
	n, err := s.Prompts.CountPrompts(ctx, "pages")
	must(t, err, "count")
	if n != 6 {
		t.Fatalf("CountPrompts = %d, want 6", n)
	}
	if n, err := s.Prompts.CountPrompts(ctx, "nobody"); err != nil || n != 0 {
		t.Fatalf("CountPrompts of an empty scope = %d, %v", n, err)
	}
	var got []string
	q := domain.PromptQuery{Limit: 4}
	for range 3 {
		page, err := s.Prompts.ListPrompts(ctx, "pages", q)
		must(t, err, "list a page")
		if len(page) > 4 {
			t.Fatalf("a page of limit 4 has %d", len(page))
		}
		got = append(got, names(page)...)
		if len(page) < 4 {
			break
		}
		last := page[len(page)-1]
		q.AfterName, q.AfterID = last.Name, last.ID
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("pages gave %v, want %v", got, want)
	}
	images, err := s.Prompts.ListPrompts(ctx, "pages", domain.PromptQuery{Type: domain.TypeImage, AfterName: "alpha", AfterID: 1 << 40})
	must(t, err, "list images after alpha")
	if strings.Join(names(images), ",") != "beta" { // the images are alpha, Zeta and beta
		t.Fatalf("images after alpha: %v", names(images))
	}
}

// testPromptByName: a prompt is found by its name in its own scope, in
// any Unicode normal form of the name; a missing one is ErrNotFound.
func testPromptByName(t *testing.T, s Stores) {
	ctx := ctxT(t)
	p := prompt("byname", "r\u00e9ponse", domain.TypeText, "Bonjour {{nom}}")
	must(t, s.Prompts.CreatePrompt(ctx, p), "create")
	got, err := s.Prompts.GetPromptByName(ctx, "byname", "re\u0301ponse") // NFD of the same name
	must(t, err, "get by the NFD name")
	if got.ID != p.ID || got.Text != p.Text || got.Type != domain.TypeText {
		t.Fatalf("got %+v, want %+v", got, p)
	}
	for _, c := range []struct{ scope, name string }{{"byname", "reponse"}, {"other", "r\u00e9ponse"}} {
		if _, err := s.Prompts.GetPromptByName(ctx, c.scope, c.name); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("%q in %q: %v, want ErrNotFound", c.name, c.scope, err)
		}
	}
}

// testSelectionFallbacks: fallbacks are kept in order, replaced (or
// cleared) by a save, checked (the bad entry named by its index, nothing
// saved), and never share memory with the caller.
func testSelectionFallbacks(t *testing.T, s Stores) {
	ctx := ctxT(t)
	read := func(what string) domain.SavedSelection {
		t.Helper()
		got, err := s.Selections.GetSelections(ctx, "fb")
		must(t, err, what)
		if len(got) != 1 {
			t.Fatalf("%s: %d selections, want 1", what, len(got))
		}
		return got[0]
	}
	// Saved without fallbacks: none read back.
	must(t, s.Selections.SaveSelection(ctx, sel("fb", domain.TypeText, "openai/gpt-4o-mini")), "save without fallbacks")
	if fb := read("read without fallbacks").Fallbacks; fb != nil {
		t.Fatalf("a selection saved without fallbacks reads %q, want nil", fb)
	}

	// Kept in the order given, also ids JSON or SQL would have to escape.
	odd := `odd/"quoted"\back'slash-ünï-` + strings.Repeat("x", 200)
	given := []string{"z-ai/glm-4", odd, "anthropic/claude-3-haiku"}
	text := sel("fb", domain.TypeText, "openai/gpt-4o-mini")
	text.Fallbacks = given
	must(t, s.Selections.SaveSelection(ctx, text), "save with fallbacks")
	given[0] = "changed/after-save"
	got := read("read with fallbacks")
	if !slices.Equal(got.Fallbacks, []string{"z-ai/glm-4", odd, "anthropic/claude-3-haiku"}) {
		t.Fatalf("fallbacks read %q, want the saved ones in order", got.Fallbacks)
	}
	got.Fallbacks[1] = "changed/after-read"
	if fb := read("read again").Fallbacks; fb[1] != odd {
		t.Fatalf("changing a read list changed the store: %q", fb)
	}

	// Invalid lists: refused with the entry named, the saved ones kept.
	for _, c := range []struct {
		fb    []string
		field string
	}{
		{[]string{"a/1", "b/2", "c/3", "d/4"}, "fallbacks"},
		{[]string{"a/1", ""}, "fallbacks[1]"},
		{[]string{"a/1", "b/2", "a/1"}, "fallbacks[2]"},
		{[]string{"openai/gpt-4o-mini"}, "fallbacks[0]"},
		{[]string{"a/1", "has space"}, "fallbacks[1]"},
		{[]string{strings.Repeat("y", 256)}, "fallbacks[0]"},
	} {
		bad := sel("fb", domain.TypeText, "openai/gpt-4o-mini")
		bad.Fallbacks = c.fb
		err := s.Selections.SaveSelection(ctx, bad)
		wantValidation(t, err, fmt.Sprintf("save fallbacks %q", c.fb))
		var ve *domain.ValidationError
		if errors.As(err, &ve); ve.Field != c.field {
			t.Fatalf("fallbacks %q refused naming %q, want %q", c.fb, ve.Field, c.field)
		}
		batch := []domain.SavedSelection{*sel("fb", domain.TypeImage, "openai/gpt-4o"), *bad}
		wantValidation(t, s.Selections.SaveSelections(ctx, batch), "a batch with bad fallbacks")
		if fb := read("read after a refused save").Fallbacks; len(fb) != 3 {
			t.Fatalf("a refused save changed the fallbacks to %q", fb)
		}
	}

	// A save replaces the list; saving none clears it.
	text = sel("fb", domain.TypeText, "openai/gpt-4o")
	text.Fallbacks = []string{"openai/gpt-4o-mini"}
	must(t, s.Selections.SaveSelection(ctx, text), "replace the fallbacks")
	if fb := read("read replaced").Fallbacks; !slices.Equal(fb, []string{"openai/gpt-4o-mini"}) {
		t.Fatalf("replaced fallbacks read %q", fb)
	}
	must(t, s.Selections.SaveSelections(ctx, []domain.SavedSelection{*sel("fb", domain.TypeText, "openai/gpt-4o")}), "clear the fallbacks")
	if fb := read("read cleared").Fallbacks; fb != nil {
		t.Fatalf("cleared fallbacks read %q, want nil", fb)
	}
}
