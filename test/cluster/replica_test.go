package cluster

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aimodels/aimodels/adapters/tinkcipher"
	"github.com/aimodels/aimodels/test/testenv"
)

// adminToken is the admin token of every replica.
const adminToken = "cluster-admin-token-5d1e8b3a9c7f4026"

var (
	buildOnce sync.Once
	binary    string // the aimodels binary, built once by aimodelsBinary
	binDir    string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		_ = os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// aimodelsBinary builds ./cmd/aimodels once per test process and returns
// its path.
func aimodelsBinary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		out, err := exec.Command("go", "env", "GOMOD").Output()
		if err != nil {
			buildErr = fmt.Errorf("go env GOMOD: %w", err)
			return
		}
		root := filepath.Dir(strings.TrimSpace(string(out)))
		if binDir, err = os.MkdirTemp("", "aimodels-cluster-bin-"); err != nil {
			buildErr = err
			return
		}
		binary = filepath.Join(binDir, "aimodels")
		build := exec.Command("go", "build", "-o", binary, "./cmd/aimodels")
		build.Dir = root
		if out, err := build.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build ./cmd/aimodels: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binary
}

// sharedKeyset writes a new keyset file that every replica of a test
// loads, and returns its path and the cipher made of it.
func sharedKeyset(t testing.TB) (string, *tinkcipher.Cipher) {
	t.Helper()
	c, err := tinkcipher.Generate()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "keyset.json")
	if err := c.WriteFile(path, nil); err != nil {
		t.Fatal(err)
	}
	return path, c
}

// replicaOpts configure a replica.
type replicaOpts struct {
	name     string // for messages: "r1"
	dsn      string // its node's DSN
	keyset   string // the shared keyset file
	upstream string // the fake OpenRouter's URL
}

// replica is one aimodels server process.
type replica struct {
	name    string
	cmd     *exec.Cmd
	stdout  *testenv.SyncBuffer
	stderr  *testenv.SyncBuffer
	addr    chan string   // the listen address, once printed
	exited  chan struct{} // closed when the process has exited
	waitErr error
	url     string
	httpc   *http.Client
	stopped bool
}

var listenLine = regexp.MustCompile(`Open the settings: http://([^/\s]+)/`)

// newReplica prepares (does not start) a replica process.
func newReplica(t testing.TB, o replicaOpts) *replica {
	t.Helper()
	dir := t.TempDir()
	r := &replica{name: o.name, stdout: &testenv.SyncBuffer{}, stderr: &testenv.SyncBuffer{},
		addr: make(chan string, 1), exited: make(chan struct{}),
		httpc: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 8}}}
	r.cmd = exec.Command(aimodelsBinary(t), "serve")
	r.cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + dir,
		"AIMODELS_ADDR=127.0.0.1:0",
		"AIMODELS_DATA_DIR=" + dir,
		"AIMODELS_ADMIN_TOKEN=" + adminToken,
		"AIMODELS_OPENROUTER_BASE_URL=" + o.upstream,
		"AIMODELS_MYSQL_DSN=" + o.dsn,
		"AIMODELS_KEYSET_FILE=" + o.keyset,
		"AIMODELS_SETTINGS_TTL=1s",
		"AIMODELS_LOG_LEVEL=info",
	}
	r.cmd.Stderr = r.stderr
	t.Cleanup(func() {
		if r.cmd.Process != nil && !r.stopped {
			_ = r.cmd.Process.Kill()
			<-r.exited
		}
		if t.Failed() {
			t.Logf("replica %s (%s) stdout:\n%s\nstderr:\n%s", r.name, r.url, tail(r.stdout.String(), 2000), tail(r.stderr.String(), 6000))
		}
	})
	return r
}

// start starts the process; wait tells when it is ready.
func (r *replica) start() error {
	pr, pw := io.Pipe()
	r.cmd.Stdout = io.MultiWriter(r.stdout, pw)
	if err := r.cmd.Start(); err != nil {
		close(r.exited)
		return err
	}
	go func() {
		r.waitErr = r.cmd.Wait()
		pw.Close()
		close(r.exited)
	}()
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if m := listenLine.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case r.addr <- m[1]:
				default:
				}
			}
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	return nil
}

// errExited is wrapped by wait's error when the process exited.
var errExited = errors.New("the replica exited")

// wait waits until the replica listens and its /readyz answers 200, or
// it exits (an error wrapping errExited, with the end of its stderr), or
// timeout passes.
func (r *replica) wait(timeout time.Duration) error {
	deadline := time.After(timeout)
	select {
	case a := <-r.addr:
		r.url = "http://" + a
	case <-r.exited:
		return fmt.Errorf("%w (%v) before listening: %s", errExited, r.waitErr, lastLines(r.stderr.String(), 3))
	case <-deadline:
		return fmt.Errorf("%s did not print its address within %v", r.name, timeout)
	}
	if err := r.waitReadyz(200, timeout); err != nil {
		return err
	}
	return nil
}

// waitReadyz polls /readyz until it answers want, the process exits or
// timeout passes.
func (r *replica) waitReadyz(want int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	last := 0
	for {
		if st, _, err := r.get("/readyz"); err == nil {
			if st == want {
				return nil
			}
			last = st
		}
		select {
		case <-r.exited:
			return fmt.Errorf("%w (%v): %s", errExited, r.waitErr, lastLines(r.stderr.String(), 3))
		case <-tick.C:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: /readyz not %d within %v (last %d)", r.name, want, timeout, last)
		}
	}
}

// stop sends SIGTERM and waits for the process to exit (15 s, then it is
// killed); it returns an error unless the exit was clean.
func (r *replica) stop() error {
	if r.stopped || r.cmd.Process == nil {
		return nil
	}
	r.stopped = true
	select {
	case <-r.exited:
		return fmt.Errorf("%s had exited: %v", r.name, r.waitErr)
	default:
	}
	_ = r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-r.exited:
	case <-time.After(15 * time.Second):
		_ = r.cmd.Process.Kill()
		<-r.exited
		return fmt.Errorf("%s did not exit within 15 s of SIGTERM", r.name)
	}
	if r.waitErr != nil {
		return fmt.Errorf("%s exited with %v after SIGTERM: %s", r.name, r.waitErr, lastLines(r.stderr.String(), 3))
	}
	return nil
}

// do sends a request with the admin token and returns the status and body.
func (r *replica) do(ctx context.Context, method, path string, body any) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, r.url+path, rd)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+adminToken)
	resp, err := r.httpc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

func (r *replica) get(path string) (int, []byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return r.do(ctx, "GET", path, nil)
}

// errorCode returns error.code of a JSON error body, "" when there is none.
func errorCode(body []byte) string {
	var b struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	_ = json.Unmarshal(body, &b)
	return b.Error.Code
}

// lastLines returns the last n non-empty lines of s.
func lastLines(s string, n int) string {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if strings.TrimSpace(l) != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
