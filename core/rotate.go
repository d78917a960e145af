package core

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/aimodels/aimodels/core/domain"
	"github.com/aimodels/aimodels/ports"
)

// Rotation is the use case of a key rotation: a new primary key, every
// stored secret re-encrypted under it, and the old keys disabled once
// nothing needs them.
type Rotation struct {
	rot    ports.KeyRotator
	store  ports.KeyStore
	cipher ports.Cipher
}

// NewRotation returns the rotation use case: rot changes the keyset,
// cipher (usually the same keyset) re-encrypts the secrets of store.
func NewRotation(rot ports.KeyRotator, store ports.KeyStore, cipher ports.Cipher) *Rotation {
	return &Rotation{rot: rot, store: store, cipher: cipher}
}

// RotateOptions tune Rotate and RetireOld.
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
	// Reencrypted counts the re-encryptions written (a secret rewritten
	// during the rotation and caught by a later pass counts twice).
	Reencrypted int
	// Batches counts the committed batches.
	Batches int
	// Disabled lists the key ids disabled afterwards (DisableOld).
	Disabled []uint32
}

// Rotate adds a new primary key to the keyset, re-encrypts every
// stored secret under it (one transaction per batch), and only then, when
// asked, disables the keys that were in use before. Every secret stays
// readable at every step: the old keys remain in the keyset until the end,
// so a rotation that fails half-way leaves a mix of old and new
// ciphertexts that all decrypt, and can simply be run again.
func (r *Rotation) Rotate(ctx context.Context, opts RotateOptions) (RotationReport, error) {
	if opts.BatchSize <= 0 {
		opts.BatchSize = 100
	}
	var rep RotationReport
	newID, err := r.rot.AddPrimaryKey(ctx)
	if err != nil {
		return rep, fmt.Errorf("rotate: add primary key: %w", err)
	}
	rep.NewKeyID = newID
	return reencryptAndDisable(ctx, r.rot, r.store, r.cipher, newID, nil, opts, rep)
}

// RetireOld is the second step of a rotation done while servers run:
// after Rotate (without DisableOld) and a keyset reload of every
// server, it re-encrypts under the current primary whatever was written
// under another key meanwhile, then disables the keys in retire (and any
// other key a secret was found under). No new key is added, so servers
// that have reloaded keep encrypting under a key that stays enabled.
func (r *Rotation) RetireOld(ctx context.Context, retire []uint32, opts RotateOptions) (RotationReport, error) {
	if opts.BatchSize <= 0 {
		opts.BatchSize = 100
	}
	opts.DisableOld = true
	rep := RotationReport{NewKeyID: r.rot.PrimaryKeyID()}
	return reencryptAndDisable(ctx, r.rot, r.store, r.cipher, rep.NewKeyID, retire, opts, rep)
}

// reencryptAndDisable re-encrypts every secret not under primary, then,
// with opts.DisableOld and once a pass finds nothing left, disables the
// keys the secrets were under and the keys in retire.
func reencryptAndDisable(ctx context.Context, rot ports.KeyRotator, store ports.KeyStore, cipher ports.Cipher, newID uint32, retire []uint32, opts RotateOptions, rep RotationReport) (RotationReport, error) {
	old := slices.Clone(retire)
	// Pass 1 re-encrypts every secret; later passes catch what changed
	// meanwhile (a key saved under the old primary by a server that has not
	// reloaded the keyset, or a row the store skipped because it was
	// updated during the batch). Old keys are disabled only after a pass
	// finds every secret under the new primary.
	const maxPasses = 3
	clean := false
	for pass := 0; pass < maxPasses && !clean; pass++ {
		n, err := reencryptPass(ctx, store, cipher, newID, opts.BatchSize, &old, &rep)
		if err != nil {
			return rep, err
		}
		clean = n == 0
		if pass == 0 {
			clean = false // always verify once after the first pass
		}
	}
	if opts.DisableOld && !clean {
		return rep, fmt.Errorf("rotate: secrets are still being written under old keys after %d passes; old keys left enabled (reload the servers' keyset with SIGHUP and run again)", maxPasses)
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

// reencryptPass re-encrypts every stored secret that is not under newID and
// returns how many it changed.
func reencryptPass(ctx context.Context, store ports.KeyStore, cipher ports.Cipher, newID uint32, batchSize int, old *[]uint32, rep *RotationReport) (int, error) {
	changedTotal := 0
	var after int64
	for {
		if err := ctx.Err(); err != nil {
			return changedTotal, fmt.Errorf("rotate: %w", err)
		}
		batch, err := store.KeysAfter(ctx, after, batchSize)
		if err != nil {
			return changedTotal, fmt.Errorf("rotate: list keys after id %d: %w", after, err)
		}
		if len(batch) == 0 {
			return changedTotal, nil
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
				return changedTotal, fmt.Errorf("rotate: key %d of scope %q: %w", k.ID, k.Scope, errors.Join(domain.ErrDecrypt, err))
			}
			ct, kid, err := cipher.Encrypt(pt, ad)
			clear(pt)
			if err != nil {
				return changedTotal, fmt.Errorf("rotate: re-encrypt key %d: %w", k.ID, err)
			}
			if !slices.Contains(*old, k.KeyID) {
				*old = append(*old, k.KeyID)
			}
			k.Ciphertext, k.KeyID = ct, kid
			changed = append(changed, k)
		}
		if len(changed) > 0 {
			if err := store.ReplaceCiphertexts(ctx, changed); err != nil {
				return changedTotal, fmt.Errorf("rotate: store batch after id %d: %w", after, err)
			}
			changedTotal += len(changed)
			rep.Reencrypted += len(changed)
			rep.Batches++
		}
		if len(batch) < batchSize {
			return changedTotal, nil
		}
	}
}
