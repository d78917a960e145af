package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/aimodels/aimodels/adapters/gormstore"
	"github.com/aimodels/aimodels/adapters/tinkcipher"
	"github.com/aimodels/aimodels/core"
)

// keysetInit creates the keyset file when there is none.
func keysetInit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, log, err := parseConfig("keyset init", args, stdout, stderr, nil)
	if err != nil {
		return err
	}
	path := cfg.keysetPath()
	if _, err := os.Stat(path); err == nil {
		fmt.Fprintf(stdout, "keyset already exists: %s\n", path)
		return nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	c, err := openCipher(cfg, log, true)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "keyset written: %s (primary key %d)\n", path, c.PrimaryKeyID())
	return nil
}

// rekeyCommand is a keyset command that re-encrypts stored secrets: its
// flags, then the writable keyset file and the store it works on.
func rekeyCommand(ctx context.Context, name string, args []string, stdout, stderr io.Writer, flags func(*flag.FlagSet), run func(*tinkcipher.Cipher, *gormstore.Store) error) error {
	cfg, log, err := parseConfig(name, args, stdout, stderr, flags)
	if err != nil {
		return err
	}
	if os.Getenv("AIMODELS_KEYSET_ENV") != "" {
		return fmt.Errorf("%s needs a keyset file it can write (AIMODELS_KEYSET_FILE), not AIMODELS_KEYSET_ENV", name)
	}
	c, err := openCipher(cfg, log, false)
	if err != nil {
		return err
	}
	st, _, err := openStore(ctx, cfg, log, cfg.Migrate)
	if err != nil {
		return err
	}
	defer st.Close()
	return run(c, st)
}

// keysetRotate adds a new primary key and re-encrypts every stored key
// under it.
func keysetRotate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var disable *bool
	var batch *int
	return rekeyCommand(ctx, "keyset rotate", args, stdout, stderr, func(fs *flag.FlagSet) {
		disable = fs.Bool("disable-old", false, "disable the keys in use before, once every secret is re-encrypted")
		batch = fs.Int("batch", 100, "secrets re-encrypted per transaction")
	}, func(c *tinkcipher.Cipher, st *gormstore.Store) error {
		rep, err := core.NewRotation(c, st, c).Rotate(ctx, core.RotateOptions{BatchSize: *batch, DisableOld: *disable})
		if err != nil {
			return fmt.Errorf("%w (every stored key is still readable; run it again)", err)
		}
		fmt.Fprintf(stdout, "new primary key %d; re-encrypted %d secrets in %d batches; disabled %v\n",
			rep.NewKeyID, rep.Reencrypted, rep.Batches, rep.Disabled)
		if *disable {
			fmt.Fprintln(stdout, "send SIGHUP to running servers now (kill -HUP <pid>): until they reload, they cannot read the re-encrypted keys")
		} else {
			fmt.Fprintln(stdout, "next: send SIGHUP to running servers (kill -HUP <pid>), then run `aimodels keyset disable-old`")
		}
		return nil
	})
}

// keysetDisableOld is the second step of a rotation while servers run:
// every server has reloaded the keyset (SIGHUP), so none encrypts under
// an old key any more; what was written under one meanwhile is
// re-encrypted, then every enabled key but the primary is disabled.
func keysetDisableOld(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var batch *int
	return rekeyCommand(ctx, "keyset disable-old", args, stdout, stderr, func(fs *flag.FlagSet) {
		batch = fs.Int("batch", 100, "secrets re-encrypted per transaction")
	}, func(c *tinkcipher.Cipher, st *gormstore.Store) error {
		var retire []uint32
		for _, k := range c.Keys() {
			if !k.Primary && k.Status == "ENABLED" {
				retire = append(retire, k.ID)
			}
		}
		rep, err := core.NewRotation(c, st, c).RetireOld(ctx, retire, core.RotateOptions{BatchSize: *batch})
		if err != nil {
			return fmt.Errorf("%w (every stored key is still readable; run it again)", err)
		}
		fmt.Fprintf(stdout, "primary key %d; re-encrypted %d secrets in %d batches; disabled %v\n",
			rep.NewKeyID, rep.Reencrypted, rep.Batches, rep.Disabled)
		fmt.Fprintln(stdout, "send SIGHUP to running servers (kill -HUP <pid>) so they drop the disabled keys")
		return nil
	})
}
