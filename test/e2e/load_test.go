package e2e

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"sync"
	"testing"
	"time"
)

// TestLoad is a bounded loopback load of mixed reads and autosaves against
// the real binary: it runs with AIMODELS_LOAD=1 for AIMODELS_LOAD_DURATION
// (default 60s; at most 2,000,000 requests), reports req/s and latency
// percentiles, and fails on any 5xx or transport error of the server's own.
func TestLoad(t *testing.T) {
	if os.Getenv("AIMODELS_LOAD") != "1" {
		t.Skip("set AIMODELS_LOAD=1 (and optionally AIMODELS_LOAD_DURATION) to run the load test")
	}
	dur := 60 * time.Second
	if v := os.Getenv("AIMODELS_LOAD_DURATION"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatal(err)
		}
		dur = d
	}
	const workers, maxRequests = 16, 2_000_000
	fake := newFake(t)
	srv := start(t, opts{upstream: fake.URL(), env: []string{"AIMODELS_LOG_LEVEL=warn"}})
	srv.storeKey(t, fake.APIKey())
	srv.saveSelection(t, map[string]string{"text": "openai/gpt-4o-mini"})

	type kind struct {
		name, method, path string
		body               []byte
		weight             int
	}
	kinds := []kind{
		{"models", "GET", "/api/v1/settings/openrouter/models", nil, 60},
		{"selection", "GET", "/api/v1/settings/openrouter/selection", nil, 15},
		{"autosave", "PUT", "/api/v1/settings/openrouter/selection", nil, 15},
		{"keys", "GET", "/api/v1/settings/api-keys", nil, 10},
	}
	models := []string{"openai/gpt-4o-mini", "openai/gpt-4o", "anthropic/claude-3-haiku", "openai/gpt-3.5-turbo"}
	var wheel []int
	for i, k := range kinds {
		for range k.weight {
			wheel = append(wheel, i)
		}
	}
	tr := &http.Transport{MaxIdleConnsPerHost: workers, MaxConnsPerHost: workers}
	hc := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	defer tr.CloseIdleConnections()

	var (
		mu      sync.Mutex
		lat     = make([][]time.Duration, len(kinds))
		bad     = map[string]int{}
		total   int
		wg      sync.WaitGroup
		stopAt  = time.Now().Add(dur)
		started = time.Now()
	)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([][]time.Duration, len(kinds))
			for i := w; time.Now().Before(stopAt); i += workers {
				k := kinds[wheel[i%len(wheel)]]
				body := k.body
				if k.name == "autosave" {
					body = []byte(fmt.Sprintf(`{"text":%q}`, models[i%len(models)]))
				}
				rq, _ := http.NewRequest(k.method, srv.URL+k.path, bytes.NewReader(body))
				rq.Header.Set("Authorization", "Bearer "+adminToken)
				if body != nil {
					rq.Header.Set("Content-Type", "application/json")
				}
				rq.Header.Set("Accept-Encoding", "gzip")
				begin := time.Now()
				resp, err := hc.Do(rq)
				if err != nil {
					mu.Lock()
					bad["transport: "+err.Error()]++
					mu.Unlock()
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				local[wheel[i%len(wheel)]] = append(local[wheel[i%len(wheel)]], time.Since(begin))
				if resp.StatusCode >= 300 {
					mu.Lock()
					bad[fmt.Sprintf("%s %d", k.name, resp.StatusCode)]++
					mu.Unlock()
				}
				mu.Lock()
				total++
				full := total >= maxRequests
				mu.Unlock()
				if full {
					break
				}
			}
			mu.Lock()
			for i := range local {
				lat[i] = append(lat[i], local[i]...)
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(started)
	pct := func(d []time.Duration, p float64) time.Duration {
		if len(d) == 0 {
			return 0
		}
		return d[int(p*float64(len(d)-1))]
	}
	all := slices.Concat(lat...)
	slices.Sort(all)
	t.Logf("%d requests in %v by %d workers: %.0f req/s, p50 %v, p99 %v, max %v",
		len(all), elapsed.Round(time.Millisecond), workers, float64(len(all))/elapsed.Seconds(),
		pct(all, 0.5), pct(all, 0.99), pct(all, 1))
	for i, k := range kinds {
		slices.Sort(lat[i])
		t.Logf("  %-9s %7d  p50 %-10v p99 %v", k.name, len(lat[i]), pct(lat[i], 0.5), pct(lat[i], 0.99))
	}
	if len(bad) > 0 {
		t.Fatalf("errors of the server's own: %v", bad)
	}
	if len(all) == 0 {
		t.Fatal("no request completed")
	}
	var sel map[string]selectionEntry
	srv.getJSON(t, "/api/v1/settings/openrouter/selection", &sel)
	if !slices.Contains(models, sel["text"].ModelID) {
		t.Fatalf("selection after the load: %+v", sel["text"])
	}
}
