package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ModuleRoot returns the directory of go.mod, walking up from dir.
func ModuleRoot(dir string) (string, error) {
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found above the working directory")
		}
		dir = parent
	}
}

// Build compiles the package pkg (such as "./cmd/aimodels") of the module
// at root into dir, with a go build -overlay file when overlay is not
// empty, and returns the binary's path.
func Build(ctx context.Context, root, dir, pkg, overlay string) (string, error) {
	out := filepath.Join(dir, filepath.Base(pkg))
	args := []string{"build", "-trimpath", "-o", out}
	if overlay != "" {
		args = append(args, "-overlay", overlay)
	}
	cmd := exec.CommandContext(ctx, "go", append(args, pkg)...)
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build %s: %v\n%s", pkg, err, b)
	}
	return out, nil
}

// Proc is a started child process.
type Proc struct {
	Name string
	Cmd  *exec.Cmd
	// URL is what the process announced (see Start).
	URL  string
	done chan struct{}
}

// Start runs bin with args and env (added to this process's), waits up
// to 30 s for a stdout line containing marker and returns the first
// whitespace-free token starting with "http://" in that line as URL. The
// rest of stdout is discarded; stderr goes to stderr (a file, or
// io.Discard when nil).
func Start(ctx context.Context, name, bin string, args, env []string, marker string, stderr io.Writer) (*Proc, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	if stderr == nil {
		stderr = io.Discard
	}
	cmd.Stderr = stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	p := &Proc{Name: name, Cmd: cmd, done: make(chan struct{})}
	urlc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		found := false
		for sc.Scan() {
			line := sc.Text()
			if !found && strings.Contains(line, marker) {
				found = true
				for _, f := range strings.Fields(line) {
					if strings.HasPrefix(f, "http://") {
						urlc <- strings.TrimRight(f, "/")
						break
					}
				}
			}
		}
		_, _ = io.Copy(io.Discard, out)
	}()
	go func() { _ = cmd.Wait(); close(p.done) }()
	select {
	case u := <-urlc:
		p.URL = u
		return p, nil
	case <-p.done:
		return nil, fmt.Errorf("%s exited before announcing its address", name)
	case <-time.After(30 * time.Second):
		p.Stop()
		return nil, fmt.Errorf("%s did not announce its address in 30s", name)
	case <-ctx.Done():
		p.Stop()
		return nil, ctx.Err()
	}
}

// Stop sends SIGTERM and, after 5 s, SIGKILL to this process only.
func (p *Proc) Stop() {
	if p == nil || p.Cmd.Process == nil {
		return
	}
	_ = p.Cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		_ = p.Cmd.Process.Kill()
		<-p.done
	}
}

// Memory is a process's resident set size now and its peak, in bytes.
type Memory struct {
	RSS, HWM int64
}

// ReadMemory reads VmRSS and VmHWM of pid from /proc (Linux).
func ReadMemory(pid int) (Memory, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return Memory{}, err
	}
	var m Memory
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok || (k != "VmRSS" && k != "VmHWM") {
			continue
		}
		f := strings.Fields(v)
		if len(f) < 1 {
			continue
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			continue
		}
		if k == "VmRSS" {
			m.RSS = kb << 10
		} else {
			m.HWM = kb << 10
		}
	}
	return m, nil
}

// WaitHTTP polls url until it answers 200 or timeout passes.
func WaitHTTP(url string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		resp, err := http.Get(url)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not ready after %v (last error %v)", url, timeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// BareResponse is what the bare server answers: the same headers and
// bodies as the server it stands in for.
type BareResponse struct {
	Header http.Header `json:"header"`
	Plain  []byte      `json:"plain"`
	Gzip   []byte      `json:"gzip"`
}

// BareHandler writes r's gzip body (with Content-Encoding: gzip) when the
// request accepts gzip, else its plain body, with r's other headers: the
// floor any Go HTTP server pays to send those bytes.
func BareHandler(r *BareResponse) http.Handler {
	plainLen := strconv.Itoa(len(r.Plain))
	gzLen := strconv.Itoa(len(r.Gzip))
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		h := w.Header()
		for k, v := range r.Header {
			h[k] = v
		}
		if strings.Contains(req.Header.Get("Accept-Encoding"), "gzip") && len(r.Gzip) > 0 {
			h.Set("Content-Encoding", "gzip")
			h.Set("Content-Length", gzLen)
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write(r.Gzip)
			return
		}
		h.Set("Content-Length", plainLen)
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(r.Plain)
	})
}

// ServeBare serves the BareResponse stored as JSON in file on addr,
// printing "LISTENING http://ADDR" first, until SIGTERM.
func ServeBare(addr, file string) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	var r BareResponse
	if err := json.Unmarshal(b, &r); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	fmt.Println("LISTENING http://" + ln.Addr().String())
	srv := &http.Server{Handler: BareHandler(&r), ReadHeaderTimeout: 10 * time.Second}
	return srv.Serve(ln)
}

// ServeProxy serves a bare httputil.ReverseProxy to target on addr,
// printing "LISTENING http://ADDR" first, until SIGTERM: the floor of
// any proxy hop (one more loopback connection each way, nothing else).
func ServeProxy(addr, target string) error {
	u, err := url.Parse(target)
	if err != nil {
		return err
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns, tr.MaxIdleConnsPerHost = 1024, 1024
	rp := &httputil.ReverseProxy{
		Rewrite:   func(r *httputil.ProxyRequest) { r.SetURL(u) },
		Transport: tr,
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	fmt.Println("LISTENING http://" + ln.Addr().String())
	srv := &http.Server{Handler: rp, ReadHeaderTimeout: 10 * time.Second}
	return srv.Serve(ln)
}
