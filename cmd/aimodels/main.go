package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func versionString() string {
	if version == "dev" {
		if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			return bi.Main.Version
		}
	}
	return version
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "aimodels:", err)
		}
		os.Exit(1)
	}
}

func usage(w io.Writer) {
	fmt.Fprint(w, `usage: aimodels [command] [flags]

commands:
  serve           run the server (the default)
  keyset init     create the keyset file when there is none
  keyset rotate   add a new primary key and re-encrypt every stored key
                  (then send SIGHUP to running servers to reload the keyset)
  keyset disable-old
                  re-encrypt what is still under an older key, then disable
                  every key but the primary (after rotate and SIGHUP)
  version         print the version

Run "aimodels serve -h" for the settings (each also an AIMODELS_* variable).
`)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, args, stdout, stderr)
	case "keyset":
		if len(args) == 0 {
			usage(stderr)
			return errors.New("keyset: say init, rotate or disable-old")
		}
		switch args[0] {
		case "init":
			return keysetInit(ctx, args[1:], stdout, stderr)
		case "rotate":
			return keysetRotate(ctx, args[1:], stdout, stderr)
		case "disable-old":
			return keysetDisableOld(ctx, args[1:], stdout, stderr)
		}
		return fmt.Errorf("keyset: unknown subcommand %q", args[0])
	case "version":
		fmt.Fprintln(stdout, "aimodels", versionString())
		return nil
	case "help", "-h", "--help":
		usage(stdout)
		return nil
	}
	usage(stderr)
	return fmt.Errorf("unknown command %q", cmd)
}
