package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/aimodels/aimodels/test/bench"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "bare" {
		fs := flag.NewFlagSet("bare", flag.ExitOnError)
		addr := fs.String("addr", "127.0.0.1:0", "listen address")
		file := fs.String("file", "", "BareResponse JSON")
		_ = fs.Parse(os.Args[2:])
		if err := bench.ServeBare(*addr, *file); err != nil {
			fmt.Fprintln(os.Stderr, "bare:", err)
			os.Exit(1)
		}
		return
	}
	if len(os.Args) > 1 && os.Args[1] == "proxy" {
		fs := flag.NewFlagSet("proxy", flag.ExitOnError)
		addr := fs.String("addr", "127.0.0.1:0", "listen address")
		to := fs.String("to", "", "upstream root URL")
		_ = fs.Parse(os.Args[2:])
		if err := bench.ServeProxy(*addr, *to); err != nil {
			fmt.Fprintln(os.Stderr, "proxy:", err)
			os.Exit(1)
		}
		return
	}
	cfg := bench.DefaultConfig()
	flag.DurationVar(&cfg.Latency, "latency", cfg.Latency, "fixed latency of the fake upstream")
	flag.DurationVar(&cfg.Phase, "phase", cfg.Phase, "length of one measured phase")
	flag.IntVar(&cfg.Rounds, "rounds", cfg.Rounds, "baseline/aimodels alternations per scenario")
	flag.Func("rates", fmt.Sprintf("comma-separated fixed request rates of the chat scenario, req/s (default %s)", joinInts(cfg.Rates)), func(s string) error {
		rates, err := parseInts(s)
		cfg.Rates = rates
		return err
	})
	flag.IntVar(&cfg.StreamRate, "stream-rate", cfg.StreamRate, "fixed streaming rate (req/s)")
	flag.IntVar(&cfg.MaxConns, "conns", cfg.MaxConns, "workers of the maximum-rate scenario")
	flag.IntVar(&cfg.CatalogConns, "catalog-conns", cfg.CatalogConns, "workers of the catalog scenario")
	flag.StringVar(&cfg.LogLevel, "log-level", cfg.LogLevel, "AIMODELS_LOG_LEVEL of the server")
	flag.BoolVar(&cfg.SkipCatalog, "skip-catalog", false, "skip the catalog scenario")
	flag.BoolVar(&cfg.SkipRequests, "skip-requests", false, "skip the request scenarios")
	flag.StringVar(&cfg.PprofDir, "pprof", "", "save CPU profiles of the server (one per scenario) in this directory")
	flag.StringVar(&cfg.Overlay, "overlay", "", "go build -overlay file for the server build (try a change without editing the repo)")
	flag.StringVar(&cfg.RefSrc, "server-src", "", "also build cmd/aimodels from this checkout (e.g. a git worktree of the commit before a change) and measure it in the same rounds")
	out := flag.String("out", "", "also write the Markdown table to this file")
	keep := flag.Bool("keep", false, "keep the work directory (binaries, server log)")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, *out, *keep); err != nil {
		fmt.Fprintln(os.Stderr, "aimodels-bench:", err)
		os.Exit(1)
	}
}

func parseInts(s string) ([]int, error) {
	var v []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("rate %q: want a positive integer", f)
		}
		v = append(v, n)
	}
	return v, nil
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ",")
}

func run(ctx context.Context, cfg bench.Config, out string, keep bool) error {
	wd, err := os.Getwd()
	if err != nil {
		return err
	}
	if cfg.Root, err = bench.ModuleRoot(wd); err != nil {
		return err
	}
	if cfg.RefSrc != "" {
		if cfg.RefSrc, err = filepath.Abs(cfg.RefSrc); err != nil {
			return err
		}
	}
	if cfg.Self, err = os.Executable(); err != nil {
		return err
	}
	if cfg.WorkDir, err = os.MkdirTemp("", "aimodels-bench-"); err != nil {
		return err
	}
	if keep {
		fmt.Fprintln(os.Stderr, "work directory:", cfg.WorkDir)
	} else {
		defer os.RemoveAll(cfg.WorkDir)
	}
	cfg.Log = os.Stderr
	rep, err := bench.Run(ctx, cfg)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	rep.WriteMarkdown(&buf)
	os.Stdout.Write(buf.Bytes())
	if out != "" {
		return os.WriteFile(out, buf.Bytes(), 0o644)
	}
	return nil
}
