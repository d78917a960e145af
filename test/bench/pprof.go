package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// pprofFile is added to package main of cmd/aimodels by a build overlay
// when profiling: it serves net/http/pprof on $AIMODELS_BENCH_PPROF.
const pprofFile = `package main

import (
	"net/http"
	_ "net/http/pprof"
	"os"
)

func init() {
	if addr := os.Getenv("AIMODELS_BENCH_PPROF"); addr != "" {
		go func() { _ = http.ListenAndServe(addr, nil) }()
	}
}
`

// writeOverlay writes the go build -overlay file of the server build:
// the replacements of the user's overlay file (when not empty; to try a
// change without editing the repository) plus, when pprof is set, a file
// that adds pprofFile to cmd/aimodels. It returns "" when there is none.
func writeOverlay(root, dir, user string, pprof bool) (string, error) {
	var ov struct {
		Replace map[string]string
	}
	if user != "" {
		b, err := os.ReadFile(user)
		if err != nil {
			return "", err
		}
		if err := json.Unmarshal(b, &ov); err != nil {
			return "", fmt.Errorf("overlay %s: %w", user, err)
		}
	}
	if ov.Replace == nil {
		ov.Replace = map[string]string{}
	}
	// Relative paths of the user's overlay are relative to the module root.
	for k, v := range ov.Replace {
		delete(ov.Replace, k)
		if !filepath.IsAbs(k) {
			k = filepath.Join(root, k)
		}
		if v != "" && !filepath.IsAbs(v) {
			v = filepath.Join(root, v)
		}
		ov.Replace[k] = v
	}
	if pprof {
		src := filepath.Join(dir, "zz_bench_pprof.go")
		if err := os.WriteFile(src, []byte(pprofFile), 0o644); err != nil {
			return "", err
		}
		ov.Replace[filepath.Join(root, "cmd", "aimodels", "zz_bench_pprof.go")] = src
	}
	if len(ov.Replace) == 0 {
		return "", nil
	}
	b, _ := json.Marshal(ov)
	path := filepath.Join(dir, "overlay.json")
	return path, os.WriteFile(path, b, 0o644)
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// saveProfile records a CPU profile of d from the pprof endpoint url.
func saveProfile(ctx context.Context, url string, d time.Duration, path string) error {
	secs := max(1, int(d/time.Second))
	req, err := http.NewRequestWithContext(ctx, "GET", fmt.Sprintf("%s?seconds=%d", url, secs), nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("pprof: status %d", resp.StatusCode)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func fileName(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return '_'
	}, s)
}
