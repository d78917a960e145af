package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aimodels/aimodels/adapters/tinkcipher"
)

// TestHelp runs every form of asking for help, and command lines that
// are wrong, through cli: the text, where it goes and the exit status.
func TestHelp(t *testing.T) {
	list := []string{"serve ", "keyset init ", "keyset rotate ", "keyset disable-old ", "migrate ", "version ", "help "}
	serveFlags := []string{"-addr", "-catalog-ttl", "-mysql-dsn", "-keyset-env", "-admin-token", "-scope",
		"-read-timeout", "-write-timeout", "-max-conns", "-max-uploads", "-auth-failure-burst", "visible to every local user (ps)", "-migrate", "AIMODELS_MIGRATE"}
	for _, tc := range []struct {
		args   []string
		code   int
		stdout []string // each appears in stdout
		notOut []string // none appears in stdout
		stderr string   // appears in stderr; stderr is empty when ""
	}{
		{args: []string{"-h"}, stdout: list, notOut: []string{"-addr"}},
		{args: []string{"--help"}, stdout: list},
		{args: []string{"help"}, stdout: list, notOut: []string{"-mysql-dsn"}},
		{args: []string{"help", "help"}, stdout: list},
		{args: []string{"help", "keyset"}, stdout: list[1:4], notOut: []string{"serve ", "version ", "migrate "}},
		{args: []string{"keyset", "-h"}, stdout: list[1:4], notOut: []string{"serve ", "version ", "migrate "}},
		{args: []string{"migrate", "-h"}, stdout: []string{"usage: aimodels migrate [flags]", "-migrate=false", "-data-dir", "-mysql-dsn", "-log-level"},
			notOut: []string{"-addr", "-keyset-file", "-admin-token", "\n  -migrate"}},
		{args: []string{"help", "migrate"}, stdout: []string{"usage: aimodels migrate [flags]", "SELECT, INSERT, UPDATE, DELETE"}},
		{args: []string{"migrate", "extra"}, code: exitUsage, stderr: `unexpected argument "extra"`},
		{args: []string{"serve", "-h"}, stdout: append([]string{"usage: aimodels serve [flags]"}, serveFlags...), notOut: []string{"-batch"}},
		{args: []string{"help", "serve"}, stdout: serveFlags},
		{args: []string{"-addr", ":1", "-h"}, stdout: serveFlags}, // flags only: serve's
		{args: []string{"keyset", "init", "-h"}, stdout: []string{"usage: aimodels keyset init [flags]", "-data-dir", "-keyset-file", "-master-keyset-file"},
			notOut: []string{"-addr", "-mysql-dsn", "-keyset-env", "-admin-token", "-batch"}},
		{args: []string{"help", "keyset", "init"}, stdout: []string{"usage: aimodels keyset init [flags]", "-data-dir"}, notOut: []string{"-addr"}},
		{args: []string{"keyset", "rotate", "-h"}, stdout: []string{"usage: aimodels keyset rotate [flags]", "SIGHUP", "-disable-old", "-batch", "-mysql-dsn", "-keyset-file", "-migrate"},
			notOut: []string{"-addr", "-keyset-env", "-admin-token"}},
		{args: []string{"keyset", "disable-old", "-help"}, stdout: []string{"usage: aimodels keyset disable-old [flags]", "-batch", "-mysql-dsn"},
			notOut: []string{"-addr", "\n  -disable-old"}},
		{args: []string{"version", "-h"}, stdout: []string{"usage: aimodels version\n"}, notOut: []string{"flags:"}},
		{args: []string{"help", "version"}, stdout: []string{"usage: aimodels version\n"}},

		{args: []string{"frobnicate"}, code: exitUsage, stderr: `unknown command "frobnicate"`},
		{args: []string{"help", "frobnicate"}, code: exitUsage, stderr: `unknown command "frobnicate"`},
		{args: []string{"help", "serve", "-addr"}, code: exitUsage, stderr: `help takes a command`},
		{args: []string{"keyset"}, code: exitUsage, stderr: "init, rotate or disable-old"},
		{args: []string{"keyset", "frobnicate"}, code: exitUsage, stderr: `unknown command "frobnicate"`},
		{args: []string{"keyset", "init", "-addr", ":1"}, code: exitUsage, stderr: "flag provided but not defined: -addr"},
		{args: []string{"serve", "-nope"}, code: exitUsage, stderr: "aimodels serve -h lists its flags"},
		{args: []string{"version", "extra"}, code: exitUsage, stderr: `unexpected argument "extra"`},
		{args: []string{"serve", "-max-conns", "0"}, code: exitError, stderr: "AIMODELS_MAX_CONNS=0: at least 1"},
		{args: []string{"serve", "-max-uploads", "-1"}, code: exitError, stderr: "AIMODELS_MAX_UPLOADS=-1: at least 1"},
		{args: []string{"serve", "-write-timeout", "0s"}, code: exitError, stderr: "AIMODELS_WRITE_TIMEOUT=0s: must be positive"},
		{args: []string{"serve", "-admin-token", "short"}, code: exitError, stderr: "has 5 characters; use at least 32"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var out, errb bytes.Buffer
			code := cli(context.Background(), tc.args, &out, &errb)
			if code != tc.code {
				t.Errorf("exit %d, want %d; stderr %q", code, tc.code, errb.String())
			}
			for _, want := range tc.stdout {
				if !strings.Contains(out.String(), want) {
					t.Errorf("stdout lacks %q:\n%s", want, out.String())
				}
			}
			for _, not := range tc.notOut {
				if strings.Contains(out.String(), not) {
					t.Errorf("stdout has %q:\n%s", not, out.String())
				}
			}
			if tc.stderr == "" && errb.Len() > 0 {
				t.Errorf("stderr %q, want nothing", errb.String())
			}
			if tc.stderr != "" && !strings.Contains(errb.String(), tc.stderr) {
				t.Errorf("stderr %q lacks %q", errb.String(), tc.stderr)
			}
			if tc.code != exitOK && out.Len() > 0 {
				t.Errorf("an error wrote to stdout: %q", out.String())
			}
		})
	}
}

// TestCommandListIsOneLineEach checks that the list names each command on
// one line of its own.
func TestCommandListIsOneLineEach(t *testing.T) {
	var out bytes.Buffer
	printCommands(&out, "")
	for _, c := range commands {
		n := 0
		for line := range strings.Lines(out.String()) {
			if strings.HasPrefix(line, "  "+c.name+" ") {
				n++
				if !strings.Contains(line, c.summary) {
					t.Errorf("%q: the summary is not on the command's line", line)
				}
			}
		}
		if n != 1 {
			t.Errorf("%s is on %d lines of the list, want 1", c.name, n)
		}
	}
}

// signalWriter is a stdout that closes seen on the first write holding
// want.
type signalWriter struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	want string
	seen chan struct{}
}

func (w *signalWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	had := strings.Contains(w.buf.String(), w.want)
	n, err := w.buf.Write(p)
	if !had && strings.Contains(w.buf.String(), w.want) {
		close(w.seen)
	}
	return n, err
}

// TestNoCommandServes runs aimodels with no argument: it serves, its first
// log line says so and names `aimodels help`, the keyset it generates is
// announced once, SIGTERM (the context) stops it with status 0, and the
// JSON log writes the shutdown grace as a duration string.
func TestNoCommandServes(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("AIMODELS_ADDR", "127.0.0.1:0")
	t.Setenv("AIMODELS_DATA_DIR", dir)
	t.Setenv("AIMODELS_LOG_FORMAT", "json")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stdout := &signalWriter{want: "Open the settings: http://", seen: make(chan struct{})}
	var stderr bytes.Buffer // written by serve only, read once cli has returned
	done := make(chan int, 1)
	go func() { done <- cli(ctx, nil, stdout, &stderr) }()
	select {
	case <-stdout.seen:
		cancel()
	case code := <-done:
		t.Fatalf("aimodels exited with %d before serving:\n%s", code, stderr.String())
	}
	if code := <-done; code != exitOK {
		t.Fatalf("exit %d after the context ended:\n%s", code, stderr.String())
	}
	var lines []map[string]any
	sc := bufio.NewScanner(&stderr)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("log line %q is not JSON: %v", sc.Text(), err)
		}
		lines = append(lines, m)
	}
	if len(lines) == 0 {
		t.Fatal("nothing logged")
	}
	if msg, _ := lines[0]["msg"].(string); !strings.Contains(msg, "starting the server") || !strings.Contains(msg, "aimodels help") {
		t.Errorf("first log line %v: want it to say it serves and name aimodels help", lines[0])
	}
	var keysetLines int
	var grace any
	for _, m := range lines {
		msg, _ := m["msg"].(string)
		if strings.Contains(msg, "keyset") && strings.Contains(msg, "generated") {
			keysetLines++
		}
		if strings.HasPrefix(msg, "shutting down") {
			grace = m["grace"]
		}
	}
	if keysetLines != 1 {
		t.Errorf("%d log lines about the generated keyset, want 1:\n%s", keysetLines, stderr.String())
	}
	if grace != shutdownGrace.String() {
		t.Errorf("grace logged as %#v, want %q", grace, shutdownGrace.String())
	}
}

// TestKeysetInitWarnsOnce creates a keyset file encrypted under a master
// keyset: one warning, naming the path.
func TestKeysetInitWarnsOnce(t *testing.T) {
	dir := t.TempDir()
	master := filepath.Join(dir, "master.json")
	if _, _, err := tinkcipher.LoadOrGenerate(master, nil); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "keyset.json")
	var out, errb bytes.Buffer
	if code := cli(context.Background(), []string{"keyset", "init", "-keyset-file", path, "-master-keyset-file", master}, &out, &errb); code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if n := strings.Count(errb.String(), "generated"); n != 1 || !strings.Contains(errb.String(), "path="+path) {
		t.Errorf("want one warning naming %s, got:\n%s", path, errb.String())
	}
	if !strings.Contains(out.String(), "keyset written: "+path) {
		t.Errorf("stdout %q", out.String())
	}
}

// TestLoggedDurationIsText checks both formats write a duration as Go
// duration text, inside groups too.
func TestLoggedDurationIsText(t *testing.T) {
	for _, format := range []string{"json", "text"} {
		var buf bytes.Buffer
		log, err := (&config{LogLevel: "info", LogFormat: format}).logger(&buf)
		if err != nil {
			t.Fatal(err)
		}
		log.Info("done", "grace", 1500*time.Millisecond, slog.Group("upstream", slog.Duration("wait", 250*time.Microsecond)))
		want := map[string]string{"json": `"grace":"1.5s","upstream":{"wait":"250µs"}`, "text": `grace=1.5s upstream.wait=250µs`}[format]
		if !strings.Contains(buf.String(), want) {
			t.Errorf("%s: %q lacks %q", format, buf.String(), want)
		}
	}
	if _, err := (&config{LogLevel: "info", LogFormat: "yaml"}).logger(&bytes.Buffer{}); err == nil {
		t.Error("log format yaml accepted")
	}
}

// TestFormatVersion describes builds from their build information and
// the release version a -ldflags -X sets.
func TestFormatVersion(t *testing.T) {
	vcs := func(rev, at, modified string) []debug.BuildSetting {
		return []debug.BuildSetting{{Key: "-trimpath", Value: "true"}, {Key: "vcs", Value: "git"},
			{Key: "vcs.revision", Value: rev}, {Key: "vcs.time", Value: at}, {Key: "vcs.modified", Value: modified}}
	}
	const rev, at = "0123456789abcdef0123456789abcdef01234567", "2026-08-20T10:11:12Z"
	for _, tc := range []struct {
		name    string
		release string
		bi      *debug.BuildInfo
		want    string
	}{
		{"nothing known", "", nil, "dev"},
		{"devel without VCS", "", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "(devel)"}}, "dev"},
		{"go install of a tag", "", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "v1.2.3"}},
			"v1.2.3, go1.26.0"},
		{"go build in a checkout", "", &debug.BuildInfo{GoVersion: "go1.26.0",
			Main: debug.Module{Version: "v0.0.0-20260820101112-0123456789ab"}, Settings: vcs(rev, at, "false")},
			"v0.0.0-20260820101112-0123456789ab, revision " + rev + ", committed " + at + ", go1.26.0"},
		{"uncommitted changes", "", &debug.BuildInfo{GoVersion: "go1.26.0",
			Main: debug.Module{Version: "(devel)"}, Settings: vcs(rev, at, "true")},
			"revision " + rev + ", committed " + at + ", modified, go1.26.0"},
		{"release over module version", "v2.0.0", &debug.BuildInfo{GoVersion: "go1.26.0",
			Main: debug.Module{Version: "v0.0.0-20260820101112-0123456789ab"}, Settings: vcs(rev, at, "false")},
			"v2.0.0, revision " + rev + ", committed " + at + ", go1.26.0"},
		{"release only", "v2.0.0", nil, "v2.0.0"},
	} {
		if got := formatVersion(tc.release, tc.bi); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestBinary builds the binary with a release version set by -ldflags -X
// and checks `version` prints it and the exit statuses main returns.
func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "aimodels")
	build := exec.CommandContext(t.Context(), "go", "build", "-ldflags", "-X main.version=v9.8.7-test", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, tc := range []struct {
		args []string
		code int
		out  string
	}{
		{[]string{"version"}, exitOK, "aimodels v9.8.7-test"},
		{[]string{"-h"}, exitOK, "keyset disable-old"},
		{[]string{"help", "keyset", "init"}, exitOK, "-master-keyset-file"},
		{[]string{"frobnicate"}, exitUsage, `unknown command "frobnicate"`},
		{[]string{"keyset", "rotate", "-keyset-file", filepath.Join(t.TempDir(), "none.json")}, exitError, "no such file"},
	} {
		cmd := exec.CommandContext(t.Context(), bin, tc.args...)
		cmd.Env = append(os.Environ(), "AIMODELS_DATA_DIR="+t.TempDir())
		out, _ := cmd.CombinedOutput()
		if code := cmd.ProcessState.ExitCode(); code != tc.code || !strings.Contains(string(out), tc.out) {
			t.Errorf("aimodels %s: exit %d, output %q; want exit %d and %q", strings.Join(tc.args, " "), code, out, tc.code, tc.out)
		}
	}
}
