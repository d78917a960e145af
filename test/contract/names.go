package contract

import (
	"strings"
	"testing"

	"github.com/aimodels/aimodels/core/domain"
)

// testPromptNamesNFC: names are stored in Unicode NFC, so the NFC and NFD
// forms of one name, which look the same, are one name: creating or
// renaming onto the other form conflicts, the stored name (and the
// argument, on success) is NFC, and a page cursor in NFD continues where
// the NFC name is.
func testPromptNamesNFC(t *testing.T, s Stores) {
	ctx := ctxT(t)
	const (
		nfc      = "\u00e9"      // é, one code point
		nfd      = "e\u0301"     // e + combining acute accent
		cafeNFD  = "Cafe\u0301"  // Café, decomposed
		cafeNFC  = "Caf\u00e9"   // Café, composed
		naiveNFD = "Nai\u0308ve" // Naïve, decomposed
		naiveNFC = "Na\u00efve"  // Naïve, composed
	)
	e := prompt("nfc", nfc, domain.TypeText, "t")
	must(t, s.Prompts.CreatePrompt(ctx, e), "create é (NFC)")
	wantKind(t, s.Prompts.CreatePrompt(ctx, prompt("nfc", nfd, domain.TypeText, "t")), domain.ErrConflict,
		`create "e\u0301" (NFD) beside "\u00e9" (NFC)`)

	c := prompt("nfc", cafeNFD, domain.TypeImage, "t")
	must(t, s.Prompts.CreatePrompt(ctx, c), "create Café (NFD)")
	if c.Name != cafeNFC {
		t.Errorf("create set the name to %+q, want the NFC %+q", c.Name, cafeNFC)
	}
	got, err := s.Prompts.GetPrompt(ctx, "nfc", c.ID)
	must(t, err, "get Café")
	if got.Name != cafeNFC {
		t.Fatalf("stored name %+q, want NFC %+q", got.Name, cafeNFC)
	}

	n := prompt("nfc", "x", domain.TypeText, "t")
	must(t, s.Prompts.CreatePrompt(ctx, n), "create x")
	clash := *n
	clash.Name = nfd
	wantKind(t, s.Prompts.UpdatePrompt(ctx, &clash), domain.ErrConflict, `rename x to "e\u0301" (NFD) beside "\u00e9"`)
	n.Name = naiveNFD
	must(t, s.Prompts.UpdatePrompt(ctx, n), "rename x to Naïve (NFD)")
	if n.Name != naiveNFC {
		t.Errorf("update set the name to %+q, want the NFC %+q", n.Name, naiveNFC)
	}
	got, err = s.Prompts.GetPrompt(ctx, "nfc", n.ID)
	must(t, err, "get Naïve")
	if got.Name != naiveNFC {
		t.Fatalf("stored name after rename %+q, want NFC %+q", got.Name, naiveNFC)
	}

	list, err := s.Prompts.ListPrompts(ctx, "nfc", domain.PromptQuery{})
	must(t, err, "list")
	if want := []string{cafeNFC, naiveNFC, nfc}; strings.Join(names(list), ",") != strings.Join(want, ",") {
		t.Fatalf("list %+q, want %+q", names(list), want)
	}
	after, err := s.Prompts.ListPrompts(ctx, "nfc", domain.PromptQuery{AfterName: cafeNFD, AfterID: c.ID})
	must(t, err, "list after Café given in NFD")
	if want := []string{naiveNFC, nfc}; strings.Join(names(after), ",") != strings.Join(want, ",") {
		t.Fatalf("list after %+q (NFD): %+q, want %+q", cafeNFD, names(after), want)
	}
}
