package e2e

import (
	"context"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aimodels/aimodels/core/domain"
	"github.com/aimodels/aimodels/test/mariadbtest"
	of "github.com/aimodels/aimodels/test/openroutertest"
	"github.com/aimodels/aimodels/test/testenv"
)

// The usage ledger end to end (issue 14): exact totals, rollups against
// raw rows, a database outage under load, SIGTERM under load, and
// /metrics against the ledger.

const (
	chatCost       = "0.0001234567" // what the fake charges per chat completion
	transcribeCost = "0.0000567"    // and per transcription
)

var chatBody = mustJSON(map[string]any{"model": "openai/gpt-4o-mini", "messages": []map[string]string{{"role": "user", "content": "hi"}}})

func transcriptionBody() []byte {
	return mustJSON(map[string]any{"model": "openai/whisper-1",
		"input_audio": map[string]string{"data": base64.StdEncoding.EncodeToString(make([]byte, 16000)), "format": "wav"}})
}

// fire sends n requests of body to path with c at once and returns how
// many were answered 200 and the other answers by status.
func fire(ctx context.Context, s *server, path string, body []byte, n, c int) (ok int64, other map[string]int) {
	var okN atomic.Int64
	var mu sync.Mutex
	other = map[string]int{}
	next := make(chan struct{}, n)
	for range n {
		next <- struct{}{}
	}
	close(next)
	var wg sync.WaitGroup
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range next {
				r, err := tryDo(ctx, s, req{method: "POST", path: path, body: body})
				mu.Lock()
				switch {
				case err != nil:
					other["transport: "+err.Error()]++
				case r.status == 200:
					okN.Add(1)
				default:
					other[strconv.Itoa(r.status)+" "+tail(string(r.body), 200)]++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return okN.Load(), other
}

type usageTotal struct {
	Requests int64            `json:"requests"`
	Errors   int64            `json:"errors"`
	ByKind   map[string]int64 `json:"errors_by_kind"`
	Cost     json.Number      `json:"cost"`
	Tokens   map[string]int64 `json:"tokens"`
}

type usageReport struct {
	Groups []struct {
		Type  string `json:"type"`
		Model string `json:"model"`
		usageTotal
	} `json:"groups"`
	Total usageTotal `json:"total"`
}

// report reads GET /api/v1/usage with the query.
func (s *server) report(t testing.TB, query string) usageReport {
	t.Helper()
	var rep usageReport
	if r := s.getJSON(t, "/api/v1/usage?"+query, &rep); r.status != 200 {
		t.Fatalf("usage: %d %s", r.status, r.body)
	}
	return rep
}

// waitRows waits until the ledger's report counts want requests (the
// writer flushes every second), failing after a minute.
func (s *server) waitRows(t testing.TB, want int64) usageReport {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		rep := s.report(t, "")
		if rep.Total.Requests >= want || time.Now().After(deadline) {
			if rep.Total.Requests != want {
				t.Fatalf("the ledger counts %d requests, want %d", rep.Total.Requests, want)
			}
			return rep
		}
		time.Sleep(100 * time.Millisecond) // polling a condition, not timing
	}
}

// exportTotals sums the CSV export's rows: their number and cost.
func (s *server) exportTotals(t testing.TB) (int, domain.Decimal) {
	t.Helper()
	r := s.do(t, req{method: "GET", path: "/api/v1/usage/export.csv"})
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv") {
		t.Fatalf("export: %d %v", r.status, r.header)
	}
	recs, err := csv.NewReader(strings.NewReader(string(r.body))).ReadAll()
	if err != nil || len(recs) == 0 || recs[0][15] != "cost" {
		t.Fatalf("export is not the CSV: %v", err)
	}
	var sum domain.Decimal
	for _, rec := range recs[1:] {
		sum = sum.Add(domain.MustDecimal(rec[15]))
	}
	return len(recs) - 1, sum
}

// scrape reads GET /metrics (with the admin token).
func (s *server) scrape(t testing.TB) string {
	t.Helper()
	r := s.do(t, req{method: "GET", path: "/metrics"})
	if r.status != 200 {
		t.Fatalf("/metrics: %d %s", r.status, tail(string(r.body), 300))
	}
	return string(r.body)
}

// metricSum adds up the samples of a metric whose labels contain every
// one of labels.
func metricSum(body, name string, labels ...string) float64 {
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + `(\{[^}]*\})? (\S+)$`)
	var sum float64
	for _, m := range re.FindAllStringSubmatch(body, -1) {
		match := true
		for _, l := range labels {
			if !strings.Contains(m[1], l) {
				match = false
			}
		}
		if v, err := strconv.ParseFloat(m[2], 64); err == nil && match {
			sum += v
		}
	}
	return sum
}

func promtoolCheck(t testing.TB, body string) {
	t.Helper()
	if _, err := exec.LookPath("promtool"); err != nil {
		testenv.Missing(t, "promtool (Debian's prometheus package) checks /metrics")
		return
	}
	cmd := exec.Command("promtool", "check", "metrics")
	cmd.Stdin = strings.NewReader(body)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("promtool check metrics: %v\n%s", err, out)
	}
}

// TestUsageLedgerExactTotals: 1,000 chat completions (50 at once) and 100
// transcriptions against a fake charging a known usage.cost: the ledger's
// total is the exact decimal sum, the rollups (GET /usage) equal the raw
// rows (the CSV export), and /metrics passes promtool and agrees with the
// ledger. On SQLite and MySQL.
func TestUsageLedgerExactTotals(t *testing.T) {
	eachDatabase(t, func(t *testing.T, db database) {
		fake := newFake(t, of.WithUsageCost(chatCost, transcribeCost))
		s := start(t, opts{upstream: fake.URL(), mysqlDSN: db.dsn})
		s.storeKey(t, fake.APIKey())
		ctx := t.Context()
		ok, other := fire(ctx, s, "/api/v1/chat/completions", chatBody, 1000, 50)
		okT, otherT := fire(ctx, s, "/api/v1/audio/transcriptions", transcriptionBody(), 100, 4) // 4: the upload slots
		if ok != 1000 || okT != 100 {
			t.Fatalf("answered %d chats and %d transcriptions, want 1000 and 100; others %v %v", ok, okT, other, otherT)
		}
		want := domain.Decimal{}
		for range 1000 {
			want = want.Add(domain.MustDecimal(chatCost))
		}
		for range 100 {
			want = want.Add(domain.MustDecimal(transcribeCost))
		}
		rep := s.waitRows(t, 1100)
		if got := domain.MustDecimal(string(rep.Total.Cost)); !got.Equal(want) || want.String() != "0.1291267" {
			t.Fatalf("ledger total %s, want exactly %s", rep.Total.Cost, want)
		}
		if rep.Total.Errors != 0 || rep.Total.Tokens["prompt"] != 31*1000 || rep.Total.Tokens["completion"] != 21*1000 {
			t.Fatalf("total %+v", rep.Total)
		}
		// Rollups equal raw rows: the rows of the CSV export sum to the report.
		n, sum := s.exportTotals(t)
		if n != 1100 || !sum.Equal(want) {
			t.Fatalf("the raw rows: %d costing %s; the rollups: 1100 costing %s", n, sum, want)
		}
		byType := s.report(t, "group_by=type")
		types := map[string]string{}
		for _, g := range byType.Groups {
			types[g.Type] = fmt.Sprintf("%d:%s", g.Requests, g.Cost)
		}
		if types["explicit"] != "1100:"+want.String() {
			t.Fatalf("by type %v", types)
		}

		body := s.scrape(t)
		promtoolCheck(t, body)
		if v := metricSum(body, "aimodels_usage_requests_total"); v != 1100 {
			t.Errorf("aimodels_usage_requests_total sums to %v, the ledger to 1100", v)
		}
		if v := metricSum(body, "aimodels_ledger_rows_written_total"); v != 1100 {
			t.Errorf("rows written %v, want 1100", v)
		}
		if v := metricSum(body, "aimodels_ledger_rows_dropped_total"); v != 0 {
			t.Errorf("rows dropped %v", v)
		}
		if v, w := metricSum(body, "aimodels_usage_cost_usd_total"), want.Float64(); v < w*0.999999 || v > w*1.000001 {
			t.Errorf("cost counter %v, ledger %v", v, w)
		}
		if v := metricSum(body, "aimodels_upstream_requests_total", `outcome="ok"`, `endpoint="POST /chat/completions"`); v != 1000 {
			t.Errorf("upstream chat calls %v, want 1000", v)
		}
		if v := metricSum(body, "aimodels_http_requests_total", `route="/api/v1/chat/completions"`, `status="200"`); v != 1000 {
			t.Errorf("HTTP chat requests %v, want 1000", v)
		}
		// Without the token /metrics is refused.
		if r := s.do(t, req{method: "GET", path: "/metrics", auth: bearer("")}); r.status != 401 {
			t.Errorf("/metrics without the token: %d", r.status)
		}
	})
}

// TestUsageLedgerSurvivesMariaDBOutage: a private MariaDB stopped for 10 s
// while chat completions keep coming (the key is cached for the test, so
// requests go on being answered): the rows buffered meanwhile are written
// once it is back and nothing is lost; a server with a buffer of 20 rows
// drops what does not fit, and the dropped count is exactly what is
// missing.
func TestUsageLedgerSurvivesMariaDBOutage(t *testing.T) {
	t.Parallel()
	db := mariadbtest.Start(t, mariadbtest.Options{})
	fake := newFake(t, of.WithUsageCost(chatCost, ""))
	fakeTiny := newFake(t, of.WithUsageCost(chatCost, ""))
	env := []string{"AIMODELS_SETTINGS_TTL=1h"}
	big := start(t, opts{upstream: fake.URL(), mysqlDSN: db.RootDSN(db.CreateDatabase(t)), env: env})
	tiny := start(t, opts{upstream: fakeTiny.URL(), mysqlDSN: db.RootDSN(db.CreateDatabase(t)), env: append(env, "AIMODELS_USAGE_BUFFER=20")})
	for _, s := range []*server{big, tiny} {
		s.storeKey(t, fake.APIKey())
		if r := s.do(t, req{method: "POST", path: "/api/v1/chat/completions", body: chatBody}); r.status != 200 { // warm the caches
			t.Fatalf("warm-up: %d %s", r.status, r.body)
		}
		s.waitRows(t, 1)
	}
	ctx := t.Context()
	var answered [2]atomic.Int64
	var failures [2]atomic.Int64
	stop := make(chan struct{})
	// The load is paced so that the 10 s outage sends fewer rows than the
	// default buffer holds (at most 500 req/s a server, 5,000 in the
	// outage, against 10,000): unpaced, a fast machine answers more than
	// the buffer keeps, and rows beyond it are dropped by design.
	pace := [2]*time.Ticker{time.NewTicker(2 * time.Millisecond), time.NewTicker(2 * time.Millisecond)}
	defer pace[0].Stop()
	defer pace[1].Stop()
	var wg sync.WaitGroup
	for i, s := range []*server{big, tiny} {
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					case <-pace[i].C:
					}
					r, err := tryDo(ctx, s, req{method: "POST", path: "/api/v1/chat/completions", body: chatBody})
					if err == nil && r.status == 200 {
						answered[i].Add(1)
					} else {
						failures[i].Add(1)
					}
				}
			}()
		}
	}
	if err := db.Stop(); err != nil {
		t.Fatal(err)
	}
	down := [2]int64{answered[0].Load(), answered[1].Load()}
	time.Sleep(10 * time.Second) // the outage's length, as the issue asks
	during := [2]int64{answered[0].Load() - down[0], answered[1].Load() - down[1]}
	if err := db.Restart(); err != nil {
		t.Fatal(err)
	}
	close(stop)
	wg.Wait()
	if failures[0].Load() != 0 || failures[1].Load() != 0 || during[0] < 25 || during[1] < 25 {
		t.Fatalf("during the outage: answered %v, failures %d and %d", during, failures[0].Load(), failures[1].Load())
	}
	t.Logf("answered during the outage: %d (default buffer), %d (buffer 20)", during[0], during[1])
	if during[0] >= 10_000 {
		t.Fatalf("the paced load sent %d rows in the outage, more than the default buffer holds", during[0])
	}

	// The default buffer: every answered request has its row.
	wantBig := answered[0].Load() + 1
	if int64(fake.RequestCount(of.RouteChat)) != wantBig {
		t.Fatalf("the fake saw %d chats, the load %d", fake.RequestCount(of.RouteChat), wantBig)
	}
	rep := big.waitRows(t, wantBig)
	want := domain.Decimal{}
	for range wantBig {
		want = want.Add(domain.MustDecimal(chatCost))
	}
	if !domain.MustDecimal(string(rep.Total.Cost)).Equal(want) {
		t.Fatalf("cost %s, want %s", rep.Total.Cost, want)
	}
	if v := metricSum(big.scrape(t), "aimodels_ledger_rows_dropped_total"); v != 0 {
		t.Fatalf("the default buffer dropped %v rows", v)
	}

	// The tiny buffer: stored + dropped = sent, and some were dropped.
	sent := answered[1].Load() + 1
	deadline := time.Now().Add(time.Minute)
	for {
		body := tiny.scrape(t)
		dropped := int64(metricSum(body, "aimodels_ledger_rows_dropped_total"))
		depth := int64(metricSum(body, "aimodels_ledger_buffer_rows"))
		stored := tiny.report(t, "").Total.Requests
		if depth == 0 && stored+dropped == sent {
			if dropped == 0 {
				t.Fatalf("a buffer of 20 dropped nothing over %d requests in the outage", during[1])
			}
			n, _ := tiny.exportTotals(t)
			if int64(n) != stored {
				t.Fatalf("raw rows %d, rollups %d", n, stored)
			}
			t.Logf("buffer 20: %d sent, %d stored, %d dropped", sent, stored, dropped)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("buffer 20: %d sent, %d stored, %d dropped, %d buffered", sent, stored, dropped, depth)
		}
		time.Sleep(100 * time.Millisecond) // polling a condition
	}
	if !tiny.logged("buffer is full") {
		t.Error("the dropped rows were not logged")
	}
}

// TestUsageLedgerSIGTERMUnderLoad: SIGTERM while chat completions are
// answered: after the exit every answered request's row is in the
// database (the shutdown flushes the ledger's buffer).
func TestUsageLedgerSIGTERMUnderLoad(t *testing.T) {
	t.Parallel()
	fake := newFake(t, of.WithUsageCost(chatCost, ""))
	s := start(t, opts{upstream: fake.URL()})
	s.storeKey(t, fake.APIKey())
	ctx := t.Context()
	var answered atomic.Int64
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				r, err := tryDo(ctx, s, req{method: "POST", path: "/api/v1/chat/completions", body: chatBody})
				if err != nil {
					return // the server went away
				}
				if r.status == 200 {
					answered.Add(1)
				}
			}
		}()
	}
	for answered.Load() < 300 {
		time.Sleep(10 * time.Millisecond) // waiting for a condition: load under way
	}
	s.stop(t)
	wg.Wait()
	if !strings.Contains(s.logs(), "usage ledger: flushed at shutdown") {
		t.Errorf("no flush logged at shutdown")
	}
	// Read the SQLite file the server left.
	after := start(t, opts{upstream: fake.URL(), dataDir: s.dataDir})
	rows := after.report(t, "").Total.Requests
	if rows < answered.Load() || rows > int64(fake.RequestCount(of.RouteChat)) {
		t.Fatalf("%d rows after SIGTERM; %d answered, %d sent upstream", rows, answered.Load(), fake.RequestCount(of.RouteChat))
	}
	t.Logf("SIGTERM after %d answered: %d rows", answered.Load(), rows)
}

// TestMetricsOnTheirOwnAddress: with AIMODELS_METRICS_ADDR, /metrics is
// served there without the admin token, and not on the main address.
func TestMetricsOnTheirOwnAddress(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	fake := newFake(t)
	s := start(t, opts{upstream: fake.URL(), env: []string{"AIMODELS_METRICS_ADDR=" + addr}})
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "aimodels_ledger_buffer_capacity_rows 10000") {
		t.Fatalf("metrics address: %d %s", resp.StatusCode, tail(string(body), 300))
	}
	promtoolCheck(t, string(body))
	if r := s.do(t, req{method: "GET", path: "/metrics"}); r.status != 404 {
		t.Fatalf("/metrics on the main address: %d", r.status)
	}
}
