package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aimodels/aimodels/test/mariadbtest"
)

// TestMariaDBRestartUnderServerLoad stops and starts MariaDB while the
// server takes a loop of writes: every write acknowledged is there
// afterwards, failures while the database is down are typed JSON errors
// (503 store_unavailable), /readyz reports the outage while it lasts, and
// the server recovers without a restart. The MariaDB is a private one
// (test/mariadbtest), stopped and started by its PID, so the test leaves
// the machine's server alone and runs with the others.
func TestMariaDBRestartUnderServerLoad(t *testing.T) {
	t.Parallel()
	db := mariadbtest.Start(t, mariadbtest.Options{})
	fake := newFake(t)
	srv := start(t, opts{mysqlDSN: db.RootDSN(db.CreateDatabase(t)), upstream: fake.URL()})
	srv.storeKey(t, fake.APIKey())

	// The load runs in two goroutines that never touch t: they record
	// what they see in l, and the test reads it when they are done (or
	// waits on it for a condition). stopLoad ends them; as a cleanup it
	// runs before the server is killed and MariaDB restarted, also when
	// the test fails early.
	l := newLoadLog()
	ctx, cancel := context.WithCancel(context.Background())
	stop := make(chan struct{})
	var wg sync.WaitGroup
	stopLoad := sync.OnceFunc(func() {
		close(stop)
		cancel() // a request in flight is abandoned, its answer not counted
		wg.Wait()
	})
	t.Cleanup(stopLoad)
	hc := &http.Client{Timeout: 10 * time.Second}
	wg.Add(2)
	go func() { // the writer
		defer wg.Done()
		pace := time.NewTicker(5 * time.Millisecond)
		defer pace.Stop()
		for i := 0; ; i++ {
			name := fmt.Sprintf("outage-%04d", i)
			r, err := tryDo(ctx, srv, req{method: "POST", path: "/api/v1/settings/prompts", body: mustJSON(map[string]string{"name": name, "type": "text", "text": "x"})})
			if ctx.Err() != nil {
				return
			}
			l.update(func() {
				switch {
				case err != nil:
					l.failures["transport error: "+err.Error()]++
				case r.status == 201:
					l.acked = append(l.acked, name)
				case r.status >= 500:
					code, err := errorCode(r)
					if err != nil {
						l.failures[fmt.Sprintf("%d %v", r.status, err)]++
					} else {
						l.failures[fmt.Sprintf("%d %s", r.status, code)]++
					}
				default:
					l.failures[fmt.Sprintf("%d unexpected", r.status)]++
				}
			})
			select {
			case <-stop:
				return
			case <-pace.C:
			}
		}
	}()
	go func() { // the probes
		defer wg.Done()
		pace := time.NewTicker(50 * time.Millisecond)
		defer pace.Stop()
		for {
			if status, err := get(ctx, hc, srv.URL+"/readyz"); err == nil {
				l.update(func() {
					if status == 200 {
						l.readyOK++
					} else {
						l.readyBad++
					}
				})
			}
			status, err := get(ctx, hc, srv.URL+"/healthz")
			if ctx.Err() != nil {
				return
			}
			if err != nil || status != 200 {
				l.update(func() { l.unhealthy = append(l.unhealthy, fmt.Sprintf("status %d, %v", status, err)) })
			}
			select {
			case <-stop:
				return
			case <-pace.C:
			}
		}
	}()

	// Before the outage: writes acknowledged and /readyz ready.
	l.waitFor(t, 30*time.Second, "writes acknowledged and /readyz ready before the outage", func() bool {
		return len(l.acked) >= 20 && l.readyOK >= 1
	})
	if err := db.Stop(); err != nil {
		t.Fatal(err)
	}
	// While MariaDB is down: a write refused as store_unavailable and
	// /readyz reporting the outage, both seen after the stop.
	var unavailableAtStop, readyBadAtStop int
	l.read(func() { unavailableAtStop, readyBadAtStop = l.failures[storeUnavailable], l.readyBad })
	l.waitFor(t, 30*time.Second, "a store_unavailable write and a failing /readyz while MariaDB is down", func() bool {
		return l.failures[storeUnavailable] > unavailableAtStop && l.readyBad > readyBadAtStop
	})
	var downReady int
	l.read(func() { downReady = l.readyBad - readyBadAtStop })
	if err := db.Restart(); err != nil {
		t.Fatal(err)
	}
	// After the restart: the server takes writes again by itself.
	var before int
	l.read(func() { before = len(l.acked) })
	l.waitFor(t, 20*time.Second, "20 writes acknowledged after the restart", func() bool {
		return len(l.acked) > before+20
	})
	stopLoad()

	acked, failures := l.acked, l.failures
	t.Logf("acknowledged %d writes; failures %v; readyz ok=%d unavailable=%d", len(acked), failures, l.readyOK, l.readyBad)
	if len(acked) <= before+20 {
		t.Fatalf("the server did not recover: %d writes acknowledged after the restart", len(acked)-before)
	}
	if failures[storeUnavailable] == 0 {
		t.Errorf("no typed store_unavailable failures while MariaDB was down: %v", failures)
	}
	for k := range failures {
		if k != storeUnavailable {
			t.Errorf("unexpected failure kind %q", k)
		}
	}
	if downReady == 0 {
		t.Error("/readyz never reported the outage")
	}
	if len(l.unhealthy) > 0 {
		t.Errorf("/healthz failed during the database outage: %v", l.unhealthy)
	}
	if r := srv.do(t, req{method: "GET", path: "/readyz"}); r.status != 200 {
		t.Errorf("/readyz after recovery: %d", r.status)
	}
	// Every page of the list: there are more prompts than one page holds.
	have := map[string]bool{}
	for cursor, pages := "", 0; ; pages++ {
		if pages > 100 {
			t.Fatal("the prompt list does not end")
		}
		var page struct {
			Prompts    []struct{ Name string } `json:"prompts"`
			NextCursor string                  `json:"next_cursor"`
		}
		srv.getJSON(t, "/api/v1/settings/prompts?cursor="+url.QueryEscape(cursor), &page)
		for _, p := range page.Prompts {
			have[p.Name] = true
		}
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
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

// TestMariaDBReadOnlyAndFull runs the server on a private MariaDB as a
// user without READ ONLY ADMIN, whose InnoDB tablespace is capped at
// 16 MB. A write while the server is read-only (SET GLOBAL read_only=1)
// and a write that finds the tablespace full (error 1114, as a full disk)
// answer 503 store_unavailable, not 500, and /readyz reports the database
// unavailable at once; the log says what to do; once writable again the
// server takes writes and /readyz recovers (after the store's 10 s write
// fault hold).
func TestMariaDBReadOnlyAndFull(t *testing.T) {
	t.Parallel()
	db := mariadbtest.Start(t, mariadbtest.Options{Args: []string{
		"--innodb-file-per-table=0",
		"--innodb-data-file-path=ibdata1:12M:autoextend:max:16M",
	}})
	name := db.CreateDatabase(t)
	db.Exec(t, "CREATE USER 'app'@'127.0.0.1' IDENTIFIED BY 'app-password'",
		"GRANT ALL PRIVILEGES ON `"+name+"`.* TO 'app'@'127.0.0.1'") // all on its database, nothing global
	fake := newFake(t)
	srv := start(t, opts{mysqlDSN: db.DSN("app", "app-password", name), upstream: fake.URL()})
	hc := &http.Client{Timeout: 10 * time.Second}
	ready := func() int {
		t.Helper()
		status, err := get(t.Context(), hc, srv.URL+"/readyz")
		if err != nil {
			t.Fatalf("/readyz: %v", err)
		}
		return status
	}
	n := 0
	create := func(text string) res {
		t.Helper()
		n++
		return srv.do(t, req{method: "POST", path: "/api/v1/settings/prompts", body: mustJSON(map[string]string{"name": fmt.Sprintf("p-%03d", n), "type": "text", "text": text})})
	}
	if r := create("x"); r.status != 201 {
		t.Fatalf("create before the faults: %d %s", r.status, r.body)
	}
	if s := ready(); s != 200 {
		t.Fatalf("/readyz before the faults: %d", s)
	}

	db.Exec(t, "SET GLOBAL read_only = 1")
	t.Cleanup(func() { db.Exec(t, "SET GLOBAL read_only = 0") })
	if s := ready(); s != 503 {
		t.Errorf("/readyz of a read-only database: %d, want 503", s)
	}
	if r := create("x"); r.status != 503 || r.errCode(t) != "store_unavailable" {
		t.Errorf("create on a read-only database: %d %s, want 503 store_unavailable", r.status, r.body)
	}
	if !srv.logged("read_only=0") {
		t.Errorf("the log does not say what to do about a read-only database:\n%s", tail(srv.logs(), 3000))
	}
	db.Exec(t, "SET GLOBAL read_only = 0")
	if r := create("x"); r.status != 201 {
		t.Fatalf("create once writable again: %d %s", r.status, r.body)
	}
	deadline := time.Now().Add(30 * time.Second)
	for ready() != 200 {
		if time.Now().After(deadline) {
			t.Fatal("/readyz not 200 within 30 s of the database being writable again")
		}
		time.Sleep(100 * time.Millisecond) // polling; the deadline bounds it
	}

	text := strings.Repeat("full ", 19_000) // 95 kB, within the prompt limit
	var r res
	for i := 0; i < 300; i++ {
		if r = create(text); r.status != 201 {
			break
		}
	}
	if r.status != 503 || r.errCode(t) != "store_unavailable" {
		t.Fatalf("create into a full tablespace: %d %s, want 503 store_unavailable", r.status, tail(string(r.body), 500))
	}
	if s := ready(); s != 503 {
		t.Errorf("/readyz right after a storage-full write: %d, want 503", s)
	}
	if !srv.logged("free disk space") {
		t.Errorf("the log does not say what to do about a full database:\n%s", tail(srv.logs(), 3000))
	}
	t.Logf("tablespace full after %d prompts of 95 kB", n-3)
}

// storeUnavailable is the one failure a write may have while MariaDB is down.
const storeUnavailable = "503 store_unavailable"

// loadLog is what the load goroutines saw. Every field is guarded by mu;
// changed is signalled after each update, so a wait for a condition
// wakes when something changed instead of polling.
type loadLog struct {
	mu        sync.Mutex
	changed   chan struct{}
	acked     []string
	failures  map[string]int
	readyOK   int
	readyBad  int
	unhealthy []string
}

func newLoadLog() *loadLog {
	return &loadLog{changed: make(chan struct{}, 1), failures: map[string]int{}}
}

func (l *loadLog) update(f func()) {
	l.mu.Lock()
	f()
	l.mu.Unlock()
	select {
	case l.changed <- struct{}{}:
	default: // a wake-up is already pending
	}
}

func (l *loadLog) read(f func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f()
}

// waitFor waits until cond (called with mu held) holds, re-checking it
// after every update; after d it fails the test, saying what it waited for.
func (l *loadLog) waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	for {
		l.mu.Lock()
		ok := cond()
		l.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-l.changed:
		case <-deadline.C:
			l.read(func() {
				t.Fatalf("no %s within %v: %d writes acknowledged, failures %v, readyz ok=%d unavailable=%d",
					what, d, len(l.acked), l.failures, l.readyOK, l.readyBad)
			})
		}
	}
}

// tryDo is server.do for a goroutine: it returns an error instead of
// failing the test, and stops when ctx ends. It records the exchange
// like do.
func tryDo(ctx context.Context, s *server, q req) (res, error) {
	var body io.Reader
	if q.body != nil {
		body = bytes.NewReader(q.body)
	}
	hr, err := http.NewRequestWithContext(ctx, q.method, s.URL+q.path, body)
	if err != nil {
		return res{}, err
	}
	if q.body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	hr.Header.Set("Authorization", *bearer(adminToken))
	begin := time.Now()
	resp, err := s.httpc.Do(hr)
	if err != nil {
		return res{}, fmt.Errorf("%s %s: %w", q.method, q.path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return res{}, fmt.Errorf("%s %s: read body: %w", q.method, q.path, err)
	}
	s.mu.Lock()
	s.seen = append(s.seen, exchange{what: q.method + " " + q.path, header: resp.Header.Clone(), body: b})
	s.mu.Unlock()
	return res{status: resp.StatusCode, header: resp.Header, body: b, took: time.Since(begin)}, nil
}

// errorCode is res.errCode for a goroutine: the error.code of a JSON
// error body, or an error saying how the body is not one.
func errorCode(r res) (string, error) {
	var b struct {
		Error *struct {
			Code    *string `json:"code"`
			Message *string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(r.body, &b); err != nil || b.Error == nil || b.Error.Code == nil || b.Error.Message == nil {
		return "", fmt.Errorf("body is not {\"error\":{\"code\",\"message\"}}: %s", tail(string(r.body), 200))
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		return "", fmt.Errorf("error Content-Type %q, want application/json", ct)
	}
	return *b.Error.Code, nil
}

// get returns the status of a GET, draining and closing the body.
func get(ctx context.Context, hc *http.Client, url string) (int, error) {
	hr, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := hc.Do(hr)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}
