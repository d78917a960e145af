package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aimodels/aimodels/test/contract"
	"github.com/aimodels/aimodels/test/openroutertest"
	"github.com/aimodels/aimodels/test/testenv"
)

// adminToken is the admin token every server of the suite runs with.
const adminToken = "e2e-admin-token-7f3c9a1d5b2e4086"

// exchange is one HTTP exchange with a server, kept for the secret scan.
type exchange struct {
	what   string
	header http.Header
	body   []byte
}

// opts configure a server process.
type opts struct {
	dataDir  string // default: a fresh temp dir
	mysqlDSN string // MySQL instead of SQLite
	upstream string // the fake's URL
	env      []string
}

// server is a running aimodels process.
type server struct {
	t       testing.TB
	cmd     *exec.Cmd
	URL     string
	dataDir string
	stdout  *testenv.SyncBuffer
	stderr  *testenv.SyncBuffer
	exited  chan struct{}
	waitErr error
	stopped bool

	mu    sync.Mutex
	seen  []exchange
	httpc *http.Client
}

var listenLine = regexp.MustCompile(`Open the settings: http://([^/\s]+)/`)

// start runs the binary and waits until /healthz answers 200.
func start(t testing.TB, o opts) *server {
	t.Helper()
	if o.dataDir == "" {
		o.dataDir = t.TempDir()
	}
	s := &server{
		t: t, dataDir: o.dataDir, stdout: &testenv.SyncBuffer{}, stderr: &testenv.SyncBuffer{}, exited: make(chan struct{}),
		httpc: &http.Client{Timeout: 60 * time.Second},
	}
	cmd := exec.Command(binary, "serve")
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + o.dataDir,
		"AIMODELS_ADDR=127.0.0.1:0",
		"AIMODELS_DATA_DIR=" + o.dataDir,
		"AIMODELS_ADMIN_TOKEN=" + adminToken,
		"AIMODELS_OPENROUTER_BASE_URL=" + o.upstream,
		"AIMODELS_LOG_LEVEL=debug",
	}
	if o.mysqlDSN != "" {
		env = append(env, "AIMODELS_MYSQL_DSN="+o.mysqlDSN)
	}
	cmd.Env = append(env, o.env...)
	pr, pw := io.Pipe()
	cmd.Stdout = io.MultiWriter(s.stdout, pw)
	cmd.Stderr = s.stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", binary, err)
	}
	s.cmd = cmd
	go func() {
		s.waitErr = cmd.Wait()
		pw.Close()
		close(s.exited)
	}()
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		sent := false
		for sc.Scan() {
			if m := listenLine.FindStringSubmatch(sc.Text()); m != nil && !sent {
				addr <- m[1]
				sent = true
			}
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	t.Cleanup(func() {
		if !s.stopped {
			_ = s.cmd.Process.Kill()
			<-s.exited
		}
		if t.Failed() {
			t.Logf("server %s stdout:\n%s\nstderr:\n%s", s.URL, s.stdout, tail(s.stderr.String(), 8000))
		}
	})
	select {
	case a := <-addr:
		s.URL = "http://" + a
	case <-s.exited:
		t.Fatalf("aimodels exited before listening: %v\nstdout:\n%s\nstderr:\n%s", s.waitErr, s.stdout, s.stderr)
	case <-time.After(30 * time.Second):
		t.Fatalf("aimodels did not print its address in 30 s\nstdout:\n%s\nstderr:\n%s", s.stdout, s.stderr)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := s.httpc.Get(s.URL + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("/healthz not 200 within 15 s: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return s
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// stop sends SIGTERM and asserts a graceful exit 0 within 15 s.
func (s *server) stop(t testing.TB) {
	t.Helper()
	if s.stopped {
		return
	}
	s.stopped = true
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM: %v", err)
	}
	select {
	case <-s.exited:
	case <-time.After(15 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
		t.Fatalf("aimodels did not exit within 15 s of SIGTERM")
	}
	if s.waitErr != nil {
		t.Fatalf("aimodels exited with %v after SIGTERM, want exit 0\nstderr:\n%s", s.waitErr, tail(s.stderr.String(), 4000))
	}
}

// logs is everything the process wrote.
func (s *server) logs() string { return s.stdout.String() + s.stderr.String() }

// logged reports whether the process has written want, waiting up to
// 10 s for it: a line the server has written reaches logs only once the
// os/exec goroutine has copied it from the pipe, which a loaded machine
// may do after the test looks.
func (s *server) logged(want string) bool {
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(s.logs(), want) {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond) // polling a condition
	}
	return true
}

// req is one request to the server.
type req struct {
	method string
	path   string
	body   []byte
	ctype  string // default application/json when body is set
	auth   *string
	header map[string]string
}

// res is a response read in full.
type res struct {
	status int
	header http.Header
	body   []byte
	took   time.Duration
}

func (r res) json(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("response is not JSON (%d): %v\n%s", r.status, err, tail(string(r.body), 2000))
	}
}

// errCode returns error.code of a JSON error body, failing when the body
// does not have the error shape.
func (r res) errCode(t testing.TB) string {
	t.Helper()
	code, err := errorCode(r)
	if err != nil {
		t.Fatalf("status %d: %v", r.status, err)
	}
	return code
}

func bearer(tok string) *string { h := "Bearer " + tok; return &h }

// request is q as an HTTP request to s, its body with its Content-Type
// (JSON unless q says), without the token or q's other headers.
func (s *server) request(t testing.TB, q req) *http.Request {
	t.Helper()
	var body io.Reader
	if q.body != nil {
		body = bytes.NewReader(q.body)
	}
	hr, err := http.NewRequest(q.method, s.URL+q.path, body)
	if err != nil {
		t.Fatal(err)
	}
	if q.body != nil {
		ct := q.ctype
		if ct == "" {
			ct = "application/json"
		}
		hr.Header.Set("Content-Type", ct)
	}
	return hr
}

// do sends q with the admin token (unless q.auth says otherwise) and
// records the exchange.
func (s *server) do(t testing.TB, q req) res {
	t.Helper()
	hr := s.request(t, q)
	auth := bearer(adminToken)
	if q.auth != nil {
		auth = q.auth
	}
	if *auth != "" {
		hr.Header.Set("Authorization", *auth)
	}
	for k, v := range q.header {
		hr.Header.Set(k, v)
	}
	begin := time.Now()
	resp, err := s.httpc.Do(hr)
	if err != nil {
		t.Fatalf("%s %s: %v", q.method, q.path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("%s %s: read body: %v", q.method, q.path, err)
	}
	r := res{status: resp.StatusCode, header: resp.Header, body: b, took: time.Since(begin)}
	s.mu.Lock()
	s.seen = append(s.seen, exchange{what: q.method + " " + q.path, header: resp.Header.Clone(), body: b})
	s.mu.Unlock()
	return r
}

func (s *server) getJSON(t testing.TB, path string, v any) res {
	t.Helper()
	r := s.do(t, req{method: "GET", path: path})
	if r.status != 200 {
		t.Fatalf("GET %s: %d %s", path, r.status, tail(string(r.body), 1000))
	}
	r.json(t, v)
	return r
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// storeKey stores the fake's key through the API.
func (s *server) storeKey(t testing.TB, key string) {
	t.Helper()
	r := s.do(t, req{method: "PUT", path: "/api/v1/settings/api-keys/openrouter", body: mustJSON(map[string]string{"key": key})})
	if r.status != 200 {
		t.Fatalf("store key: %d %s", r.status, r.body)
	}
}

// saveSelection saves choices and fails unless the server accepts them.
func (s *server) saveSelection(t testing.TB, choices map[string]string) {
	t.Helper()
	r := s.do(t, req{method: "PUT", path: "/api/v1/settings/openrouter/selection", body: mustJSON(choices)})
	if r.status != 200 {
		t.Fatalf("save selection %v: %d %s", choices, r.status, r.body)
	}
}

// selectionEntry is one type of GET /settings/openrouter/selection.
type selectionEntry struct {
	Type    string `json:"type"`
	ModelID string `json:"model_id"`
	Saved   bool   `json:"saved"`
}

func (s *server) selection(t testing.TB) map[string]selectionEntry {
	t.Helper()
	var sel map[string]selectionEntry
	s.getJSON(t, "/api/v1/settings/openrouter/selection", &sel)
	return sel
}

// database is where a test's servers keep their state.
type database struct {
	name string
	dsn  string // "" for SQLite
}

// databases returns SQLite always and MySQL (a fresh database) when
// AIMODELS_TEST_MYSQL_DSN is set.
func databases(t *testing.T) []database {
	dbs := []database{{name: "sqlite"}}
	if os.Getenv(contract.MySQLEnv) != "" {
		dbs = append(dbs, database{name: "mysql"})
	} else if os.Getenv(testenv.RequireAllEnv) == "1" {
		t.Fatalf("MySQL cases need %s (and %s=1 says everything must be present)", contract.MySQLEnv, testenv.RequireAllEnv)
	} else {
		t.Logf("MySQL cases skipped: set %s to run them", contract.MySQLEnv)
	}
	return dbs
}

// eachDatabase runs fn in parallel subtests, one per database of
// databases (a fresh MySQL database for the MySQL one).
func eachDatabase(t *testing.T, fn func(*testing.T, database)) {
	t.Parallel()
	for _, db := range databases(t) {
		t.Run(db.name, func(t *testing.T) {
			t.Parallel()
			if db.name == "mysql" {
				db.dsn = contract.FreshMySQL(t)
			}
			fn(t, db)
		})
	}
}

// newFake starts an in-process fake OpenRouter closed at the end of the test.
func newFake(t testing.TB, o ...openroutertest.Option) *openroutertest.Server {
	t.Helper()
	f, err := openroutertest.Start(o...)
	if err != nil {
		t.Fatalf("fake OpenRouter: %v", err)
	}
	t.Cleanup(f.Close)
	return f
}
