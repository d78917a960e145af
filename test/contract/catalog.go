package contract

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/aimodels/aimodels/core/domain"
)

// runCatalog runs the rules of the catalog snapshot store and of the
// key verification kept with a key (part of issue 17).
func runCatalog(t *testing.T, newStores Factory) {
	t.Run("CatalogSnapshot", func(t *testing.T) { testCatalogSnapshot(t, newStores(t)) })
	t.Run("KeyVerification", func(t *testing.T) { testKeyVerification(t, newStores(t)) })
}

func testCatalogSnapshot(t *testing.T, s Stores) {
	if s.Snapshots == nil {
		t.Skip("no catalog snapshot store")
	}
	ctx := ctxT(t)
	_, err := s.Snapshots.GetCatalogSnapshot(ctx)
	wantKind(t, err, domain.ErrNotFound, "empty snapshot store")

	// A catalog of the real size: 600 models of four prices each.
	big := &domain.CatalogSnapshot{TakenAt: time.Date(2026, 8, 19, 10, 0, 0, 123456789, time.UTC), Prices: map[string]map[string]string{}}
	for i := range 600 {
		id := "author" + string(rune('a'+i%26)) + "/model-" + time.Duration(i).String() + ":free"
		big.Prices[id] = map[string]string{"prompt": "0.0000005", "completion": "0.0000015", "image": "0.001238", "web_search": "0.014"}
	}
	big.Prices["openai/whisper-1"] = map[string]string{"prompt": "0.006"}
	big.Prices["empty/prices"] = map[string]string{}
	must(t, s.Snapshots.SaveCatalogSnapshot(ctx, big), "save snapshot")
	got, err := s.Snapshots.GetCatalogSnapshot(ctx)
	must(t, err, "get snapshot")
	if !got.TakenAt.Equal(big.TakenAt.Truncate(time.Microsecond)) || got.TakenAt.Location() != time.UTC {
		t.Errorf("taken at %v, want %v in UTC to the microsecond", got.TakenAt, big.TakenAt)
	}
	if len(got.Prices) != len(big.Prices) || got.Prices["openai/whisper-1"]["prompt"] != "0.006" || got.Prices["empty/prices"] == nil {
		t.Fatalf("snapshot not kept whole: %d models", len(got.Prices))
	}
	// The store keeps its own copy.
	got.Prices["openai/whisper-1"]["prompt"] = "9"
	big.Prices["openai/whisper-1"]["prompt"] = "8"
	again, err := s.Snapshots.GetCatalogSnapshot(ctx)
	must(t, err, "get snapshot again")
	if again.Prices["openai/whisper-1"]["prompt"] != "0.006" {
		t.Fatalf("snapshot shares memory with a caller: %q", again.Prices["openai/whisper-1"]["prompt"])
	}
	// Saving replaces it, whole; concurrent saves leave one of them.
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			snap := &domain.CatalogSnapshot{TakenAt: time.Date(2026, 9, 1, i, 0, 0, 0, time.UTC),
				Prices: map[string]map[string]string{"only/" + string(rune('a'+i)): {"prompt": "0." + string(rune('1'+i))}}}
			if err := s.Snapshots.SaveCatalogSnapshot(ctx, snap); err != nil {
				t.Errorf("concurrent save: %v", err)
			}
		}()
	}
	wg.Wait()
	last, err := s.Snapshots.GetCatalogSnapshot(ctx)
	must(t, err, "get after concurrent saves")
	if len(last.Prices) != 1 {
		t.Fatalf("after concurrent saves: %d models, want the one of one save", len(last.Prices))
	}
	for id, p := range last.Prices {
		i := int(id[len(id)-1] - 'a')
		if last.TakenAt.Hour() != i || p["prompt"] != "0."+string(rune('1'+i)) {
			t.Fatalf("mixed snapshot: %v %v", last.TakenAt, last.Prices)
		}
	}
	var ve *domain.ValidationError
	if err := s.Snapshots.SaveCatalogSnapshot(ctx, nil); !errors.As(err, &ve) {
		t.Errorf("nil snapshot: %v", err)
	}
}

func testKeyVerification(t *testing.T, s Stores) {
	ctx := ctxT(t)
	checked := time.Date(2026, 12, 1, 12, 0, 0, 987654321, time.UTC)
	k := key("acme", domain.ProviderOpenRouter, "ct-1", 1)
	k.Verification = domain.KeyVerification{Status: domain.VerificationRejected, CheckedAt: checked, Reason: "OpenRouter rejected the API key"}
	must(t, s.Keys.SaveKey(ctx, k), "save key")
	got, err := s.Keys.GetKey(ctx, "acme", domain.ProviderOpenRouter)
	must(t, err, "get key")
	v := got.Verification
	if v.Status != domain.VerificationRejected || v.Reason != "OpenRouter rejected the API key" || !v.CheckedAt.Equal(checked.Truncate(time.Microsecond)) || v.CheckedAt.Location() != time.UTC {
		t.Fatalf("verification = %+v", v)
	}
	list, err := s.Keys.ListKeys(ctx, "acme")
	must(t, err, "list keys")
	if len(list) != 1 || list[0].Verification.Status != domain.VerificationRejected {
		t.Fatalf("listed = %+v", list)
	}
	// A new save replaces it; rotation keeps it.
	k2 := key("acme", domain.ProviderOpenRouter, "ct-2", 1)
	k2.Verification = domain.KeyVerification{Status: domain.VerificationVerified, CheckedAt: checked.Add(time.Minute)}
	must(t, s.Keys.SaveKey(ctx, k2), "save again")
	rot, err := s.Keys.KeysAfter(ctx, 0, 10)
	must(t, err, "keys after")
	rot[0].Ciphertext, rot[0].KeyID = []byte("ct-rotated"), 2
	must(t, s.Keys.ReplaceCiphertexts(ctx, rot), "replace")
	got, err = s.Keys.GetKey(ctx, "acme", domain.ProviderOpenRouter)
	must(t, err, "get after rotation")
	if got.Verification.Status != domain.VerificationVerified || got.Verification.Reason != "" || string(got.Ciphertext) != "ct-rotated" {
		t.Fatalf("after save and rotation: %+v", got.Verification)
	}
	// A key saved without a check has none.
	must(t, s.Keys.SaveKey(ctx, key("other", domain.ProviderOpenRouter, "ct", 1)), "save unchecked")
	got, err = s.Keys.GetKey(ctx, "other", domain.ProviderOpenRouter)
	must(t, err, "get unchecked")
	if got.Verification != (domain.KeyVerification{}) {
		t.Fatalf("never checked = %+v", got.Verification)
	}
}
