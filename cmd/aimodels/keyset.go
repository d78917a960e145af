package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/aimodels/aimodels/core"
)

func keysetInit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, log, closeLog, err := parseConfig("keyset init", args, stderr, nil)
	if err != nil {
		return err
	}
	defer closeLog()
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

func keysetRotate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var disable *bool
	var batch *int
	cfg, log, closeLog, err := parseConfig("keyset rotate", args, stderr, func(fs *flag.FlagSet) {
		disable = fs.Bool("disable-old", false, "disable the keys in use before, once every secret is re-encrypted")
		batch = fs.Int("batch", 100, "secrets re-encrypted per transaction")
	})
	if err != nil {
		return err
	}
	defer closeLog()
	if cfg.KeysetEnv != "" {
		return errors.New("keyset rotate needs a keyset file it can write (AIMODELS_KEYSET_FILE), not AIMODELS_KEYSET_ENV")
	}
	c, err := openCipher(cfg, log, false)
	if err != nil {
		return err
	}
	st, _, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer st.Close()
	rep, err := core.RotateKeys(ctx, c, st, c, core.RotateOptions{BatchSize: *batch, DisableOld: *disable})
	if err != nil {
		return fmt.Errorf("%w (every stored key is still readable; run it again)", err)
	}
	fmt.Fprintf(stdout, "new primary key %d; re-encrypted %d secrets in %d batches; disabled %v\n",
		rep.NewKeyID, rep.Reencrypted, rep.Batches, rep.Disabled)
	fmt.Fprintln(stdout, "running servers pick up the new keyset when restarted")
	return nil
}
