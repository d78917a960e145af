package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aimodels/aimodels/test/contract"
)

// TestMariaDBRestartUnderServerLoad stops and starts MariaDB while the
// server takes a loop of writes: every write acknowledged is there
// afterwards, failures while the database is down are typed JSON errors
// (503 store_unavailable), /readyz reports the outage while it lasts, and
// the server recovers without a restart. It stops the shared MariaDB, so
// it runs only with AIMODELS_TEST_MYSQL_RESTART=1 (CI runs it alone).
func TestMariaDBRestartUnderServerLoad(t *testing.T) {
	contract.SkipUnlessRestartAllowed(t)
	contract.EnsureMariaDBUp(t)
	fake := newFake(t)
	srv := start(t, opts{mysqlDSN: contract.FreshMySQL(t), upstream: fake.URL()})
	srv.storeKey(t, fake.APIKey())

	var (
		mu       sync.Mutex
		acked    []string
		failures = map[string]int{}
		stop     atomic.Bool
		readyOK  atomic.Int32
		readyBad atomic.Int32
		healthy  = true
		wg       sync.WaitGroup
	)
	hc := &http.Client{Timeout: 10 * time.Second}
	wg.Add(2)
	go func() { // the writer
		defer wg.Done()
		for i := 0; !stop.Load(); i++ {
			name := fmt.Sprintf("outage-%04d", i)
			r := srv.do(t, req{method: "POST", path: "/api/v1/settings/prompts", body: mustJSON(map[string]string{"name": name, "type": "text", "text": "x"})})
			mu.Lock()
			switch {
			case r.status == 201:
				acked = append(acked, name)
			case r.status >= 500:
				failures[fmt.Sprintf("%d %s", r.status, r.errCode(t))]++
			default:
				failures[fmt.Sprintf("%d unexpected", r.status)]++
			}
			mu.Unlock()
			time.Sleep(5 * time.Millisecond)
		}
	}()
	go func() { // the probes
		defer wg.Done()
		for !stop.Load() {
			if resp, err := hc.Get(srv.URL + "/readyz"); err == nil {
				if resp.StatusCode == 200 {
					readyOK.Add(1)
				} else {
					readyBad.Add(1)
				}
				resp.Body.Close()
			}
			if resp, err := hc.Get(srv.URL + "/healthz"); err != nil || resp.StatusCode != 200 {
				healthy = false
			} else {
				resp.Body.Close()
			}
			time.Sleep(50 * time.Millisecond)
		}
	}()

	time.Sleep(700 * time.Millisecond)
	if err := contract.StopMariaDB(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond)
	downReady := readyBad.Load()
	if err := contract.StartMariaDB(); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	before := len(acked)
	mu.Unlock()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n > before+20 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	stop.Store(true)
	wg.Wait()

	mu.Lock()
	defer mu.Unlock()
	t.Logf("acknowledged %d writes; failures %v; readyz ok=%d unavailable=%d", len(acked), failures, readyOK.Load(), readyBad.Load())
	if len(acked) <= before+20 {
		t.Fatalf("the server did not recover: %d writes acknowledged after the restart", len(acked)-before)
	}
	if failures["503 store_unavailable"] == 0 {
		t.Errorf("no typed store_unavailable failures while MariaDB was down: %v", failures)
	}
	for k := range failures {
		if k != "503 store_unavailable" {
			t.Errorf("unexpected failure kind %q", k)
		}
	}
	if downReady == 0 {
		t.Error("/readyz never reported the outage")
	}
	if !healthy {
		t.Error("/healthz failed during the database outage")
	}
	if r := srv.do(t, req{method: "GET", path: "/readyz"}); r.status != 200 {
		t.Errorf("/readyz after recovery: %d", r.status)
	}
	var list struct {
		Prompts []struct{ Name string } `json:"prompts"`
	}
	srv.getJSON(t, "/api/v1/settings/prompts", &list)
	have := map[string]bool{}
	for _, p := range list.Prompts {
		have[p.Name] = true
	}
	for _, name := range acked {
		if !have[name] {
			t.Errorf("acknowledged write %s is missing after the restart", name)
		}
	}
	// The MySQL driver's own messages go through the server's logger, in
	// its format, not to stderr with a "[mysql]" prefix of their own.
	for _, line := range strings.Split(srv.logs(), "\n") {
		if strings.HasPrefix(line, "[mysql]") {
			t.Errorf("a driver message bypassed the logger: %s", line)
		}
	}
	t.Logf("driver messages through the logger: %d", strings.Count(srv.logs(), "mysql driver:"))
}
