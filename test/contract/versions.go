package contract

import (
	"fmt"
	"sync"
	"testing"

	"github.com/aimodels/aimodels/core/domain"
)

// versionNumbers returns the numbers of vs, in their order.
func versionNumbers(vs []domain.PromptVersion) []int {
	out := make([]int, len(vs))
	for i, v := range vs {
		out[i] = v.Version
	}
	return out
}

// testPromptVersions: create saves version 1; an update that changes
// name, type or text saves the next number with the name, type and text
// as saved; an unchanged update (or one of the default flag only) saves
// none; versions are listed newest first, paged by Before and Limit;
// missing prompts and versions are ErrNotFound, in another scope too;
// delete removes the versions, and a new prompt of the freed name starts
// again at 1.
func testPromptVersions(t *testing.T, s Stores) {
	ctx := ctxT(t)
	p := prompt("ver", "reply", domain.TypeText, "Hello {{customer}}")
	must(t, s.Prompts.CreatePrompt(ctx, p), "create")
	if p.Version != 1 {
		t.Fatalf("create set Version %d, want 1", p.Version)
	}
	vs, err := s.Prompts.ListPromptVersions(ctx, "ver", p.ID, domain.PromptVersionQuery{})
	must(t, err, "list versions of a new prompt")
	if len(vs) != 1 || vs[0].Version != 1 || vs[0].Text != p.Text || vs[0].Name != "reply" || vs[0].Type != domain.TypeText ||
		vs[0].Scope != "ver" || vs[0].PromptID != p.ID || !vs[0].CreatedAt.Equal(p.CreatedAt) {
		t.Fatalf("versions of a new prompt = %+v, want its version 1 saved at %v", vs, p.CreatedAt)
	}

	edits := []struct {
		name string
		t    domain.ModelType
		text string
	}{
		{"reply", domain.TypeText, "Dear {{customer}}"},              // text: 2
		{"reply-to-customer", domain.TypeText, "Dear {{customer}}"},  // name: 3
		{"reply-to-customer", domain.TypeAudio, "Dear {{customer}}"}, // type: 4
	}
	var updated []*domain.Prompt
	for i, e := range edits {
		u := prompt("ver", e.name, e.t, e.text)
		u.ID, u.Version = p.ID, 77 // the given version is ignored
		must(t, s.Prompts.UpdatePrompt(ctx, u), fmt.Sprintf("edit %d", i))
		if u.Version != i+2 {
			t.Fatalf("edit %d set Version %d, want %d", i, u.Version, i+2)
		}
		updated = append(updated, u)
	}
	same := *updated[2]
	must(t, s.Prompts.UpdatePrompt(ctx, &same), "unchanged update")
	if same.Version != 4 {
		t.Fatalf("an unchanged update set Version %d, want 4 kept", same.Version)
	}
	flag := *updated[2]
	flag.Default = true
	must(t, s.Prompts.UpdatePrompt(ctx, &flag), "mark default")
	if flag.Version != 4 {
		t.Fatalf("marking the default set Version %d, want 4 kept", flag.Version)
	}
	got, err := s.Prompts.GetPrompt(ctx, "ver", p.ID)
	must(t, err, "get")
	if got.Version != 4 || !got.Default {
		t.Fatalf("get = version %d default %v, want 4 true", got.Version, got.Default)
	}
	byName, err := s.Prompts.GetPromptByName(ctx, "ver", "reply-to-customer")
	must(t, err, "get by name")
	if byName.Version != 4 {
		t.Fatalf("get by name = version %d, want 4", byName.Version)
	}

	vs, err = s.Prompts.ListPromptVersions(ctx, "ver", p.ID, domain.PromptVersionQuery{})
	must(t, err, "list versions")
	if fmt.Sprint(versionNumbers(vs)) != "[4 3 2 1]" {
		t.Fatalf("versions %v, want [4 3 2 1] (newest first, none for unchanged updates)", versionNumbers(vs))
	}
	for i, e := range edits {
		v := vs[len(edits)-1-i]
		if v.Name != e.name || v.Type != e.t || v.Text != e.text || !v.CreatedAt.Equal(updated[i].UpdatedAt) {
			t.Errorf("version %d = %+v, want name %q type %q text %q saved at %v", v.Version, v, e.name, e.t, e.text, updated[i].UpdatedAt)
		}
	}
	page, err := s.Prompts.ListPromptVersions(ctx, "ver", p.ID, domain.PromptVersionQuery{Before: 4, Limit: 2})
	must(t, err, "page of versions")
	if fmt.Sprint(versionNumbers(page)) != "[3 2]" {
		t.Fatalf("versions before 4, limit 2 = %v, want [3 2]", versionNumbers(page))
	}
	page, err = s.Prompts.ListPromptVersions(ctx, "ver", p.ID, domain.PromptVersionQuery{Before: 1})
	must(t, err, "versions before 1")
	if len(page) != 0 {
		t.Fatalf("versions before 1 = %v, want none", versionNumbers(page))
	}

	v2, err := s.Prompts.GetPromptVersion(ctx, "ver", p.ID, 2)
	must(t, err, "get version 2")
	if v2.Text != "Dear {{customer}}" || v2.Name != "reply" || v2.Version != 2 {
		t.Fatalf("version 2 = %+v", v2)
	}
	v1, err := s.Prompts.GetPromptVersion(ctx, "ver", p.ID, 1)
	must(t, err, "get version 1")
	if v1.Text != "Hello {{customer}}" {
		t.Fatalf("version 1 text %q", v1.Text)
	}
	_, err = s.Prompts.GetPromptVersion(ctx, "ver", p.ID, 5)
	wantKind(t, err, domain.ErrNotFound, "a version not saved yet")
	_, err = s.Prompts.GetPromptVersion(ctx, "other", p.ID, 1)
	wantKind(t, err, domain.ErrNotFound, "a version through another scope")
	_, err = s.Prompts.ListPromptVersions(ctx, "other", p.ID, domain.PromptVersionQuery{})
	wantKind(t, err, domain.ErrNotFound, "versions through another scope")
	_, err = s.Prompts.ListPromptVersions(ctx, "ver", 987654, domain.PromptVersionQuery{})
	wantKind(t, err, domain.ErrNotFound, "versions of a missing prompt")

	must(t, s.Prompts.DeletePrompt(ctx, "ver", p.ID), "delete")
	_, err = s.Prompts.GetPromptVersion(ctx, "ver", p.ID, 1)
	wantKind(t, err, domain.ErrNotFound, "a version of a deleted prompt")
	again := prompt("ver", "reply-to-customer", domain.TypeText, "New")
	must(t, s.Prompts.CreatePrompt(ctx, again), "create again with the freed name")
	vs, err = s.Prompts.ListPromptVersions(ctx, "ver", again.ID, domain.PromptVersionQuery{})
	must(t, err, "versions of the new prompt")
	if fmt.Sprint(versionNumbers(vs)) != "[1]" || vs[0].Text != "New" || again.Version != 1 {
		t.Fatalf("new prompt of a freed name: version %d, versions %v", again.Version, versionNumbers(vs))
	}
	if n := count(t, s, "prompt_versions"); n >= 0 && n != 1 {
		t.Fatalf("%d rows in prompt_versions after the delete, want 1", n)
	}
}

// defaults returns "type:name" of each default prompt of scope.
func defaults(t *testing.T, s Stores, scope string) string {
	t.Helper()
	ds, err := s.Prompts.DefaultPrompts(ctxT(t), scope)
	must(t, err, "default prompts of "+scope)
	out := make([]string, len(ds))
	for i, p := range ds {
		if !p.Default {
			t.Fatalf("DefaultPrompts returned %q without Default set", p.Name)
		}
		out[i] = string(p.Type) + ":" + p.Name
	}
	return fmt.Sprint(out)
}

// testPromptDefaults: at most one default per scope and type; marking
// another unmarks the previous; Default false unmarks; a type change
// carries the mark to the new type; scopes are apart; deleting the
// default leaves none.
func testPromptDefaults(t *testing.T, s Stores) {
	ctx := ctxT(t)
	if got := defaults(t, s, "def"); got != "[]" {
		t.Fatalf("defaults of an empty scope = %s", got)
	}
	a := prompt("def", "a", domain.TypeText, "A")
	a.Default = true
	must(t, s.Prompts.CreatePrompt(ctx, a), "create a as default")
	b := prompt("def", "b", domain.TypeText, "B")
	b.Default = true
	must(t, s.Prompts.CreatePrompt(ctx, b), "create b as default")
	if got := defaults(t, s, "def"); got != "[text:b]" {
		t.Fatalf("after b: defaults %s, want [text:b] (a unmarked)", got)
	}
	ga, err := s.Prompts.GetPrompt(ctx, "def", a.ID)
	must(t, err, "get a")
	if ga.Default {
		t.Fatal("a is still marked after b was created as default")
	}
	c := prompt("def", "c", domain.TypeImage, "C")
	c.Default = true
	must(t, s.Prompts.CreatePrompt(ctx, c), "create c")
	other := prompt("def-other", "a", domain.TypeText, "A elsewhere")
	other.Default = true
	must(t, s.Prompts.CreatePrompt(ctx, other), "create in another scope")
	if got := defaults(t, s, "def"); got != "[image:c text:b]" {
		t.Fatalf("defaults %s, want [image:c text:b] (by type; another scope's apart)", got)
	}
	if got := defaults(t, s, "def-other"); got != "[text:a]" {
		t.Fatalf("other scope's defaults %s, want [text:a]", got)
	}

	ga.Default = true
	must(t, s.Prompts.UpdatePrompt(ctx, ga), "mark a by update")
	if got := defaults(t, s, "def"); got != "[image:c text:a]" {
		t.Fatalf("after marking a: %s, want [image:c text:a]", got)
	}
	gc, err := s.Prompts.GetPrompt(ctx, "def", c.ID)
	must(t, err, "get c")
	gc.Type = domain.TypeText // the mark goes with it, and a loses it
	must(t, s.Prompts.UpdatePrompt(ctx, gc), "change c's type")
	if got := defaults(t, s, "def"); got != "[text:c]" {
		t.Fatalf("after c became text: %s, want [text:c]", got)
	}
	gc.Default = false
	must(t, s.Prompts.UpdatePrompt(ctx, gc), "unmark c")
	if got := defaults(t, s, "def"); got != "[]" {
		t.Fatalf("after unmarking c: %s, want []", got)
	}
	gb, err := s.Prompts.GetPrompt(ctx, "def", b.ID)
	must(t, err, "get b")
	gb.Default = true
	must(t, s.Prompts.UpdatePrompt(ctx, gb), "mark b")
	must(t, s.Prompts.DeletePrompt(ctx, "def", b.ID), "delete the default")
	if got := defaults(t, s, "def"); got != "[]" {
		t.Fatalf("after deleting the default: %s, want []", got)
	}
}

// testPromptConcurrency: concurrent updates of one prompt each save their
// own version number (1..n+1, each once, the prompt at the highest);
// concurrent markings of different prompts as default leave exactly one.
func testPromptConcurrency(t *testing.T, s Stores) {
	ctx := ctxT(t)
	p := prompt("race", "p", domain.TypeText, "v1")
	must(t, s.Prompts.CreatePrompt(ctx, p), "create")
	const n = 12
	var ps []*domain.Prompt
	for i := range n {
		q := prompt("race", fmt.Sprintf("d%02d", i), domain.TypeText, "d")
		must(t, s.Prompts.CreatePrompt(ctx, q), "create d")
		ps = append(ps, q)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for i := range n {
		wg.Go(func() {
			u := prompt("race", "p", domain.TypeText, fmt.Sprintf("edit %02d", i))
			u.ID = p.ID
			if err := s.Prompts.UpdatePrompt(ctx, u); err != nil {
				errs <- fmt.Errorf("edit %d: %w", i, err)
			}
		})
		wg.Go(func() {
			q := *ps[i]
			q.Default = true
			if err := s.Prompts.UpdatePrompt(ctx, &q); err != nil {
				errs <- fmt.Errorf("mark %d: %w", i, err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	vs, err := s.Prompts.ListPromptVersions(ctx, "race", p.ID, domain.PromptVersionQuery{})
	must(t, err, "versions")
	if len(vs) != n+1 {
		t.Fatalf("%d versions after %d concurrent edits, want %d: %v", len(vs), n, n+1, versionNumbers(vs))
	}
	for i, v := range vs {
		if v.Version != n+1-i {
			t.Fatalf("versions %v, want %d down to 1, each once", versionNumbers(vs), n+1)
		}
	}
	got, err := s.Prompts.GetPrompt(ctx, "race", p.ID)
	must(t, err, "get")
	if got.Version != n+1 || got.Text != vs[0].Text {
		t.Fatalf("prompt at version %d text %q, want %d with the newest version's text %q", got.Version, got.Text, n+1, vs[0].Text)
	}
	ds, err := s.Prompts.DefaultPrompts(ctx, "race")
	must(t, err, "defaults")
	if len(ds) != 1 {
		t.Fatalf("%d defaults after concurrent markings, want 1", len(ds))
	}
	all, err := s.Prompts.ListPrompts(ctx, "race", domain.PromptQuery{})
	must(t, err, "list")
	marked := 0
	for _, q := range all {
		if q.Default {
			marked++
		}
	}
	if marked != 1 {
		t.Fatalf("%d prompts listed as default, want 1", marked)
	}
}
