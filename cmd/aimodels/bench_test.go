package main

import (
	"bytes"
	"context"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/aimodels/aimodels/core/domain"
	"github.com/aimodels/aimodels/test/openroutertest"
	"github.com/aimodels/aimodels/test/testenv"
)

// cannedUpstream answers the OpenRouter calls from the shared fixtures in
// memory, so that a benchmark measures aimodels' own work per request
// (routing, middleware, JSON, core, client, retry policy) without the
// sockets and the upstream's cost.
type cannedUpstream struct {
	bodies map[string][]byte // "METHOD /path" → body
}

func (u *cannedUpstream) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		_ = r.Body.Close()
	}
	body, ok := u.bodies[r.Method+" "+strings.TrimPrefix(r.URL.Path, "/api/v1")]
	status := http.StatusOK
	if !ok {
		status, body = http.StatusNotFound, []byte(`{"error":{"code":404,"message":"not found"}}`)
	}
	return &http.Response{
		StatusCode: status, Status: strconv.Itoa(status) + " " + http.StatusText(status),
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {"application/json"}},
		Body:          io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       r,
	}, nil
}

// benchServer is the aimodels handler wired as `aimodels serve` wires it
// (SQLite store, Tink keyset, access log at info), with a key and a text
// selection saved and the catalog loaded.
func benchServer(b *testing.B) http.Handler {
	b.Helper()
	dir, err := openroutertest.FixturesDir()
	if err != nil {
		b.Skip(err)
	}
	read := func(name string) []byte {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			b.Fatal(err)
		}
		return data
	}
	up := &cannedUpstream{bodies: map[string][]byte{
		"GET /models":            read("models-all-2026-08-19.json"),
		"GET /key":               read("key.json"),
		"GET /credits":           read("credits.json"),
		"POST /chat/completions": read("chat-completion-google.json"),
	}}
	var cfg config
	if err := cfg.bind(flag.NewFlagSet("bench", flag.ContinueOnError)); err != nil {
		b.Fatal(err)
	}
	cfg.DataDir, cfg.LogLevel, cfg.upstream = b.TempDir(), "info", up
	log, err := cfg.logger(io.Discard)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	a, err := wire(ctx, &cfg, log)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(a.Close)
	if _, err := a.svc.SetKey(ctx, cfg.Scope, domain.ProviderOpenRouter, "sk-or-v1-0123456789abcdef0123456789abcdef"); err != nil {
		b.Fatal(err)
	}
	if _, err := a.svc.SaveSelection(ctx, cfg.Scope, map[domain.ModelType]string{domain.TypeText: "openai/gpt-4o-mini"}); err != nil {
		b.Fatal(err)
	}
	return newEcho(a.svc, &cfg, "bench-token", log)
}

// serveOnce sends one request through h and fails the benchmark on any
// status other than want.
func serveOnce(b *testing.B, h http.Handler, method, target, body string, hdr map[string]string, want int) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, rd)
	req.Header.Set("Authorization", "Bearer bench-token")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	w := &discardWriter{header: http.Header{}}
	h.ServeHTTP(w, req)
	if w.code != want || w.n == 0 {
		b.Fatalf("%s %s: status %d, %d bytes", method, target, w.code, w.n)
	}
}

// discardWriter is a ResponseWriter that keeps the status and counts the
// body bytes, so that the figures are the server's, not a recorder's.
type discardWriter struct {
	header http.Header
	code   int
	n      int
}

func (w *discardWriter) Header() http.Header { return w.header }

func (w *discardWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}

func (w *discardWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	w.n += len(p)
	return len(p), nil
}

// BenchmarkServer measures one request through the whole server in
// process: Echo, the middleware chain of the binary, the handler, the
// core and the OpenRouter client, up to a canned upstream answer.
func BenchmarkServer(b *testing.B) {
	h := benchServer(b)
	const chat = `{"model":"text","temperature":0.2,"max_tokens":256,"messages":[` +
		`{"role":"system","content":"You sort customer messages into billing, bugs and other. Answer with one word."},` +
		`{"role":"user","content":"Hello! I was charged twice for my subscription this month, can you help me get a refund?"}]}`
	cases := []struct {
		name, method, target, body string
		hdr                        map[string]string
		want                       int
	}{
		{"chat", http.MethodPost, "/api/v1/chat/completions", chat, map[string]string{"Content-Type": "application/json"}, 200},
		{"catalog-gzip", http.MethodGet, "/api/v1/settings/openrouter/models", "", map[string]string{"Accept-Encoding": "gzip"}, 200},
		{"catalog-identity", http.MethodGet, "/api/v1/settings/openrouter/models", "", nil, 200},
		{"selection", http.MethodGet, "/api/v1/settings/openrouter/selection", "", nil, 200},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			serveOnce(b, h, tc.method, tc.target, tc.body, tc.hdr, tc.want) // warm caches
			b.ReportAllocs()
			before := testenv.GoroutinesCreated()
			for b.Loop() {
				serveOnce(b, h, tc.method, tc.target, tc.body, tc.hdr, tc.want)
			}
			// Each goroutine a request starts wakes a thread when the
			// server is not busy, which is what CPU per request at low
			// rates pays for.
			b.ReportMetric(float64(testenv.GoroutinesCreated()-before)/float64(b.N), "goroutines/op")
		})
	}
}
