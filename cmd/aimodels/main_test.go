package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang/mock/gomock"
	"github.com/labstack/echo/v4"

	"github.com/aimodels/aimodels/ports/mocks"
)

func TestConfigFromEnvAndFlags(t *testing.T) {
	t.Setenv("AIMODELS_ADDR", "127.0.0.1:9999")
	t.Setenv("AIMODELS_CATALOG_TTL", "1s")
	t.Setenv("AIMODELS_DATA_DIR", "/tmp/x")
	var cfg config
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	if err := cfg.bind(fs); err != nil {
		t.Fatal(err)
	}
	if err := fs.Parse([]string{"-addr", "127.0.0.1:7777"}); err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != "127.0.0.1:7777" || cfg.CatalogTTL != time.Second || cfg.keysetPath() != "/tmp/x/keyset.json" || cfg.BaseURL != "https://openrouter.ai/api/v1" {
		t.Fatalf("%+v", cfg)
	}
	t.Setenv("AIMODELS_CATALOG_TTL", "ten minutes")
	if err := (&config{}).bind(flag.NewFlagSet("t", flag.ContinueOnError)); err == nil || !strings.Contains(err.Error(), "AIMODELS_CATALOG_TTL") {
		t.Fatalf("bad duration not reported: %v", err)
	}
	bad := config{LogLevel: "loud"}
	if _, err := bad.logger(io.Discard); err == nil {
		t.Fatal("bad log level accepted")
	}
}

func TestSubcommands(t *testing.T) {
	var out, errb bytes.Buffer
	ctx := context.Background()
	if err := run(ctx, []string{"version"}, &out, &errb); err != nil || !strings.HasPrefix(out.String(), "aimodels ") {
		t.Fatalf("version: %v %q", err, out.String())
	}
	if err := run(ctx, []string{"frobnicate"}, &out, &errb); err == nil {
		t.Fatal("unknown command accepted")
	}
	dir := t.TempDir()
	t.Setenv("AIMODELS_DATA_DIR", dir)
	out.Reset()
	if err := run(ctx, []string{"keyset", "init"}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(filepath.Join(dir, "keyset.json"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("keyset file: %v %v", err, st)
	}
	before, _ := os.ReadFile(filepath.Join(dir, "keyset.json"))
	if err := run(ctx, []string{"keyset", "init"}, &out, &errb); err != nil || !strings.Contains(out.String(), "already exists") {
		t.Fatalf("second init: %v %q", err, out.String())
	}
	after, _ := os.ReadFile(filepath.Join(dir, "keyset.json"))
	if !bytes.Equal(before, after) {
		t.Fatal("second init overwrote the keyset")
	}
	out.Reset()
	if err := run(ctx, []string{"keyset", "rotate"}, &out, &errb); err != nil || !strings.Contains(out.String(), "re-encrypted 0 secrets") {
		t.Fatalf("rotate on an empty store: %v %q", err, out.String())
	}
	t.Setenv("AIMODELS_KEYSET_ENV", "SOME_KEYSET")
	if err := run(ctx, []string{"keyset", "rotate"}, &out, &errb); err == nil || !strings.Contains(err.Error(), "not AIMODELS_KEYSET_ENV") {
		t.Fatalf("rotate with AIMODELS_KEYSET_ENV: %v", err)
	}
}

func TestServerRouting(t *testing.T) {
	svc := mocks.NewMockService(gomock.NewController(t))
	cfg := &config{RequestTimeout: time.Minute, Scope: "default"}
	e := newEcho(svc, cfg, "tok", slog.New(slog.DiscardHandler))
	get := func(path string, auth bool) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		if auth {
			req.Header.Set("Authorization", "Bearer tok")
		}
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		return rec
	}
	for _, p := range []string{"/", "/settings/models", "/settings/api-keys", "/settings/prompts"} {
		rec := get(p, false)
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), "<html") || rec.Header().Get("Content-Security-Policy") == "" {
			t.Errorf("%s: %d csp=%q", p, rec.Code, rec.Header().Get("Content-Security-Policy"))
		}
	}
	for _, p := range []string{"/api/v1/unknown", "/api/other"} {
		rec := get(p, true)
		body, _ := io.ReadAll(rec.Body)
		if rec.Code != 404 || !strings.Contains(string(body), `"code":"not_found"`) {
			t.Errorf("%s: %d %s", p, rec.Code, body)
		}
	}
	if rec := get("/api/v1/openapi.json", false); rec.Code != 200 || !strings.Contains(rec.Body.String(), `"openapi"`) {
		t.Errorf("openapi.json must be public: %d", rec.Code)
	}
	if rec := get("/api/v1/settings/api-keys", false); rec.Code != 401 {
		t.Errorf("API without token: %d", rec.Code)
	}
	// Echo's RequestID middleware with its default generator.
	a, b := get("/", false).Header().Get(echo.HeaderXRequestID), get("/", false).Header().Get(echo.HeaderXRequestID)
	if len(a) != 32 || a == b {
		t.Errorf("request ids %q and %q: want two different 32-character ids", a, b)
	}
}

// TestAdminTokenChecks: a configured token under 32 characters is refused
// before anything is opened; one with white space around it is trimmed
// and the log says so; the generated one is long enough.
func TestAdminTokenChecks(t *testing.T) {
	var logs bytes.Buffer
	log, _ := (&config{LogLevel: "info"}).logger(&logs)
	if _, err := adminToken(&config{AdminToken: "short-token-of-31-characters..."}, log); err == nil || !strings.Contains(err.Error(), "has 31 characters; use at least 32") {
		t.Errorf("a 31-character token: %v", err)
	}
	const tok = "a-token-of-exactly-32-characters"
	got, err := adminToken(&config{AdminToken: " " + tok + "\n"}, log)
	if err != nil || got != tok || !strings.Contains(logs.String(), "white space around it; it is trimmed") {
		t.Errorf("a token with white space: %q %v, log %q", got, err, logs.String())
	}
	if strings.Contains(logs.String(), tok) {
		t.Errorf("the log carries the token: %s", logs.String())
	}
	if gen, err := adminToken(&config{}, log); err != nil || len(gen) < minTokenLength {
		t.Errorf("generated token %q (%d characters): %v", gen, len(gen), err)
	}

	dir := t.TempDir()
	t.Setenv("AIMODELS_ADDR", "127.0.0.1:0")
	t.Setenv("AIMODELS_DATA_DIR", dir)
	t.Setenv("AIMODELS_ADMIN_TOKEN", "too-short")
	var stderr bytes.Buffer
	if code := cli(context.Background(), []string{"serve"}, io.Discard, &stderr); code != exitError || !strings.Contains(stderr.String(), "use at least 32") {
		t.Errorf("serve with a short token: exit %d: %s", code, stderr.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "aimodels.db")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the store was opened before the token was checked: %v", err)
	}
}
