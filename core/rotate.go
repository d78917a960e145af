package core

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/aimodels/aimodels/core/domain"
	"github.com/aimodels/aimodels/ports"
)

// RotateOptions tune RotateKeys.
type RotateOptions struct {
	// BatchSize is how many secrets are re-encrypted per transaction. Default 100.
	BatchSize int
	// DisableOld disables every key that encrypted a secret before the
	// rotation, once every secret is re-encrypted under the new primary.
	DisableOld bool
}

// RotationReport says what a rotation did.
type RotationReport struct {
	// NewKeyID is the new primary key's id.
	NewKeyID uint32
	// Reencrypted counts the secrets now under the new primary.
	Reencrypted int
	// Batches counts the committed batches.
	Batches int
	// Disabled lists the key ids disabled afterwards (DisableOld).
	Disabled []uint32
}

// RotateKeys adds a new primary key to the keyset, re-encrypts every
// stored secret under it (one transaction per batch), and only then, when
// asked, disables the keys that were in use before. Every secret stays
// readable at every step: the old keys remain in the keyset until the end,
// so a rotation that fails half-way leaves a mix of old and new
// ciphertexts that all decrypt, and can simply be run again.
func RotateKeys(ctx context.Context, rot ports.KeyRotator, store ports.KeyStore, cipher ports.Cipher, opts RotateOptions) (RotationReport, error) {
	if opts.BatchSize <= 0 {
		opts.BatchSize = 100
	}
	var rep RotationReport
	newID, err := rot.AddPrimaryKey(ctx)
	if err != nil {
		return rep, fmt.Errorf("rotate: add primary key: %w", err)
	}
	rep.NewKeyID = newID
	var old []uint32
	var after int64
	for {
		if err := ctx.Err(); err != nil {
			return rep, fmt.Errorf("rotate: %w", err)
		}
		batch, err := store.KeysAfter(ctx, after, opts.BatchSize)
		if err != nil {
			return rep, fmt.Errorf("rotate: list keys after id %d: %w", after, err)
		}
		if len(batch) == 0 {
			break
		}
		after = batch[len(batch)-1].ID
		changed := batch[:0:0]
		for _, k := range batch {
			if k.KeyID == newID {
				continue
			}
			ad := domain.AssociatedData(k.Scope, k.Provider)
			pt, err := cipher.Decrypt(k.Ciphertext, ad)
			if err != nil {
				return rep, fmt.Errorf("rotate: key %d of scope %q: %w", k.ID, k.Scope, errors.Join(domain.ErrDecrypt, err))
			}
			ct, kid, err := cipher.Encrypt(pt, ad)
			clear(pt)
			if err != nil {
				return rep, fmt.Errorf("rotate: re-encrypt key %d: %w", k.ID, err)
			}
			if !slices.Contains(old, k.KeyID) {
				old = append(old, k.KeyID)
			}
			k.Ciphertext, k.KeyID = ct, kid
			changed = append(changed, k)
		}
		if len(changed) > 0 {
			if err := store.ReplaceCiphertexts(ctx, changed); err != nil {
				return rep, fmt.Errorf("rotate: store batch after id %d: %w", after, err)
			}
			rep.Reencrypted += len(changed)
			rep.Batches++
		}
		if len(batch) < opts.BatchSize {
			break
		}
	}
	if opts.DisableOld {
		for _, id := range old {
			if id == newID {
				continue
			}
			if err := rot.DisableKey(ctx, id); err != nil {
				return rep, fmt.Errorf("rotate: disable key %d: %w", id, err)
			}
			rep.Disabled = append(rep.Disabled, id)
		}
	}
	return rep, nil
}
