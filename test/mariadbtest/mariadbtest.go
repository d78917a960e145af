// Package mariadbtest starts private MariaDB servers for tests: each one
// has its own data directory, unix socket and loopback port, runs as a
// child process of the test and is stopped, killed and started again by
// its PID. A test that stops or breaks the database (a restart under
// load, read_only, a full tablespace, a user without privileges) does it
// to its own server and never disturbs the machine's MariaDB or another
// test.
//
// It needs mariadbd and mariadb-install-db (Debian: the mariadb-server
// package). Without them Start skips the test, naming them, or fails it
// when AIMODELS_REQUIRE_ALL=1 (see test/testenv).
//
// The system tables are made once by mariadb-install-db into a template
// kept in the user's cache directory (aimodels-mariadbtest/<key>, the key
// naming the server's version and the install options), and every server
// starts from a copy of it: a new server answers in about half a second
// instead of the four seconds of a fresh install. Delete the directory
// to rebuild the template.
//
// Root may connect over TCP from 127.0.0.1 without a password (the grant
// tables are kept, so tests can create least-privilege users). Options.Args
// passes further mariadbd arguments, e.g. the wsrep settings of a Galera
// node.
package mariadbtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/aimodels/aimodels/test/testenv"
)

// Options configure a server.
type Options struct {
	// Args are extra mariadbd arguments, after the package's own (a later
	// argument wins), e.g. "--innodb-data-file-path=ibdata1:12M:autoextend:max:24M"
	// or the wsrep_* settings of a Galera node. Options that change the
	// layout of the data directory (innodb-page-size, the first data
	// file's size) must stay compatible with the template's.
	Args []string
	// StartTimeout bounds each start, from the process start until the
	// server answers a query (default 60 s).
	StartTimeout time.Duration
}

// InnodbArgs are given to the install of Template and must be given to
// every start of a server on a copy of it (this package's and
// test/cluster's), so that the data directory made by the one is what the
// other expects: a small redo log and buffer pool, as tests need no more.
var InnodbArgs = []string{
	"--innodb-log-file-size=16M",
	"--innodb-buffer-pool-size=32M",
}

// Server is one private MariaDB server. Its methods are safe for
// concurrent use.
type Server struct {
	t       testing.TB
	bin     string
	dir     string // private: data/, mysqld.sock, mysqld.pid, error.log, tmp/
	args    []string
	timeout time.Duration
	port    int

	proc Child

	adminOnce sync.Once
	admin     *sql.DB
}

// Binaries returns the paths of mariadbd and mariadb-install-db, or an
// error naming what is missing.
func Binaries() (mariadbd, installDB string, err error) {
	find := func(name string) string {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
		for _, dir := range []string{"/usr/sbin", "/usr/bin", "/usr/libexec", "/usr/local/sbin", "/usr/local/bin", "/usr/local/mysql/bin", "/usr/local/mysql/scripts"} {
			p := filepath.Join(dir, name)
			if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
				return p
			}
		}
		return ""
	}
	mariadbd, installDB = find("mariadbd"), find("mariadb-install-db")
	var missing []string
	if mariadbd == "" {
		missing = append(missing, "mariadbd")
	}
	if installDB == "" {
		missing = append(missing, "mariadb-install-db")
	}
	if len(missing) > 0 {
		return "", "", fmt.Errorf("a private MariaDB server needs %s, not found on PATH or in /usr/sbin (Debian: apt-get install mariadb-server)", strings.Join(missing, " and "))
	}
	return mariadbd, installDB, nil
}

// Require skips t (or fails it under AIMODELS_REQUIRE_ALL=1) when
// mariadbd or mariadb-install-db is missing.
func Require(t testing.TB) {
	t.Helper()
	if _, _, err := Binaries(); err != nil {
		testenv.Missing(t, err.Error())
	}
}

// Start makes a fresh data directory, starts a server on it and waits
// until it answers. The server is killed and its files removed when t
// ends; its error log is written to t's log when t has failed. Start
// skips t when the binaries are missing (see Require) and fails it when
// the server does not start.
func Start(t testing.TB, o Options) *Server {
	t.Helper()
	Require(t)
	begin := time.Now()
	bin, install, _ := Binaries()
	tmpl, err := Template(bin, install)
	if err != nil {
		t.Fatalf("mariadbtest: %v", err)
	}
	// A short path of its own: a unix socket path must fit in 108 bytes,
	// which t.TempDir's long names may not.
	dir, err := os.MkdirTemp("", "mariadbtest-")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{t: t, bin: bin, dir: dir, args: o.Args, timeout: o.StartTimeout}
	if s.timeout <= 0 {
		s.timeout = 60 * time.Second
	}
	t.Cleanup(s.cleanup)
	for _, d := range []string{s.DataDir(), filepath.Join(dir, "tmp")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if err := CopyTree(tmpl, s.DataDir()); err != nil {
		t.Fatalf("mariadbtest: copy the template data directory: %v", err)
	}
	// Another process may take the free port between our check and the
	// server's bind: then try another.
	for attempt := 1; ; attempt++ {
		if s.port, err = freePort(); err != nil {
			t.Fatal(err)
		}
		err = s.start()
		if err == nil || attempt == 3 || !strings.Contains(s.ErrorLog(), "Address already in use") {
			break
		}
	}
	if err != nil {
		t.Fatalf("mariadbtest: %v", err)
	}
	t.Logf("mariadbtest: private MariaDB on 127.0.0.1:%d (pid %d) ready in %v", s.port, s.PID(), time.Since(begin).Round(time.Millisecond))
	return s
}

// Port returns the server's TCP port on 127.0.0.1.
func (s *Server) Port() int { return s.port }

// Addr returns "127.0.0.1:port".
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// Socket returns the path of the server's unix socket.
func (s *Server) Socket() string { return filepath.Join(s.dir, "mysqld.sock") }

// DataDir returns the server's data directory.
func (s *Server) DataDir() string { return filepath.Join(s.dir, "data") }

// PID returns the process id of the server, 0 when it never ran.
func (s *Server) PID() int { return s.proc.PID() }

// Running reports whether the server process is alive.
func (s *Server) Running() bool { return s.proc.Running() }

// DSN returns a go-sql-driver DSN for user and password on database db
// ("" for none) over TCP, with parseTime, loc=UTC and utf8mb4.
func (s *Server) DSN(user, password, db string) string {
	c := gomysql.NewConfig()
	c.User, c.Passwd, c.Net, c.Addr, c.DBName = user, password, "tcp", s.Addr(), db
	c.ParseTime, c.Loc = true, time.UTC
	c.Params = map[string]string{"charset": "utf8mb4"}
	return c.FormatDSN()
}

// RootDSN returns the DSN of root (no password) on database db.
func (s *Server) RootDSN(db string) string { return s.DSN("root", "", db) }

// Exec runs each statement as root and fails t on the first error.
func (s *Server) Exec(t testing.TB, stmts ...string) {
	t.Helper()
	for _, q := range stmts {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		_, err := s.DB().ExecContext(ctx, q)
		cancel()
		if err != nil {
			t.Fatalf("mariadbtest: %s: %v", q, err)
		}
	}
}

// DB returns a connection pool of root without a default database,
// closed when the test ends. It survives restarts of the server (a dead
// connection is replaced).
func (s *Server) DB() *sql.DB {
	s.adminOnce.Do(func() {
		c, err := gomysql.ParseDSN(s.RootDSN(""))
		if err != nil {
			panic(err)
		}
		c.Logger = &gomysql.NopLogger{} // "closing bad idle connection" after a restart
		c.Timeout = 5 * time.Second
		conn, err := gomysql.NewConnector(c)
		if err != nil {
			panic(err)
		}
		s.admin = sql.OpenDB(conn)
		s.admin.SetMaxIdleConns(1)
	})
	return s.admin
}

// CreateDatabase creates a database with a new name (utf8mb4,
// utf8mb4_unicode_ci, as .ci/mysql.sh makes the shared one) and returns
// its name.
func (s *Server) CreateDatabase(t testing.TB) string {
	t.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "aimodels_p_" + hex.EncodeToString(b[:])
	s.Exec(t, "CREATE DATABASE `"+name+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
	return name
}

// ErrorLog returns the server's error log (every start of it) and what
// it wrote to stdout and stderr.
func (s *Server) ErrorLog() string {
	var b strings.Builder
	for _, f := range []string{"error.log", "console.log"} {
		if data, err := os.ReadFile(filepath.Join(s.dir, f)); err == nil {
			b.Write(data)
		}
	}
	return b.String()
}

// Stop shuts the server down with SIGTERM (a clean shutdown) and waits
// until the process has exited (up to 60 s, then it is killed and Stop
// returns an error).
func (s *Server) Stop() error {
	return s.signal(syscall.SIGTERM, 60*time.Second)
}

// Kill kills the server with SIGKILL, as a crash would, and waits until
// the process has exited. The next Restart runs InnoDB's crash recovery.
func (s *Server) Kill() error {
	return s.signal(syscall.SIGKILL, 30*time.Second)
}

// Restart starts the server again on the same data directory and port,
// after Stop or Kill (a running server is stopped first), and waits until
// it answers.
func (s *Server) Restart() error {
	if s.Running() {
		if err := s.Stop(); err != nil {
			return err
		}
	}
	return s.start()
}

func (s *Server) serverArgs() []string {
	return append(ServerArgs(s.dir, s.port), s.args...)
}

// ServerArgs are the arguments of a mariadbd whose files are all under
// dir (data/ on a copy of Template, mysqld.sock, mysqld.pid, error.log,
// tmp/) listening on 127.0.0.1:port, with InnodbArgs; test/cluster's
// nodes add Galera's to them.
func ServerArgs(dir string, port int) []string {
	args := []string{
		"--no-defaults", // must come first
		"--datadir=" + filepath.Join(dir, "data"),
		"--port=" + strconv.Itoa(port),
		"--bind-address=127.0.0.1",
		"--socket=" + filepath.Join(dir, "mysqld.sock"),
		"--pid-file=" + filepath.Join(dir, "mysqld.pid"),
		"--log-error=" + filepath.Join(dir, "error.log"),
		"--tmpdir=" + filepath.Join(dir, "tmp"),
		"--skip-name-resolve",
		"--character-set-server=utf8mb4",
		"--collation-server=utf8mb4_unicode_ci",
		"--innodb-buffer-pool-dump-at-shutdown=0",
		"--innodb-buffer-pool-load-at-startup=0",
		"--innodb-temp-data-file-path=ibtmp1:1M:autoextend", // made at every start: keep it small
	}
	args = append(args, InnodbArgs...)
	if os.Geteuid() == 0 {
		args = append(args, "--user=root") // mariadbd refuses to run as root without it
	}
	return args
}

// start starts the process and waits until it answers as this server.
func (s *Server) start() error {
	done, err := s.proc.Launch(s.bin, s.serverArgs(), filepath.Join(s.dir, "console.log"))
	if err != nil {
		return err
	}
	return s.waitReady(done)
}

// waitReady polls the server with a query until it answers as this
// server (its datadir), the process exits, or the start timeout passes.
func (s *Server) waitReady(done <-chan struct{}) error {
	c, err := gomysql.ParseDSN(s.RootDSN(""))
	if err != nil {
		return err
	}
	c.Logger = &gomysql.NopLogger{}
	c.Timeout = time.Second
	conn, err := gomysql.NewConnector(c)
	if err != nil {
		return err
	}
	db := sql.OpenDB(conn)
	defer db.Close()
	want := filepath.Clean(s.DataDir())
	deadline := time.Now().Add(s.timeout)
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	var last error
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		var dd string
		err := db.QueryRowContext(ctx, "SELECT @@datadir").Scan(&dd)
		cancel()
		switch {
		case err == nil && filepath.Clean(dd) == want:
			return nil
		case err == nil:
			last = fmt.Errorf("127.0.0.1:%d is another server (datadir %s)", s.port, dd)
		default:
			last = err
		}
		select {
		case <-done:
			return fmt.Errorf("mariadbd exited while starting (%v); log:\n%s", s.proc.WaitErr(), tail(s.ErrorLog(), 4000))
		case <-tick.C:
		}
		if time.Now().After(deadline) {
			_ = s.Kill()
			return fmt.Errorf("mariadbd did not answer on 127.0.0.1:%d within %v (last: %v); log:\n%s", s.port, s.timeout, last, tail(s.ErrorLog(), 4000))
		}
	}
}

// signal sends sig to the running server and waits up to wait for it to
// exit; then it is killed and the error says so.
func (s *Server) signal(sig syscall.Signal, wait time.Duration) error {
	err := s.proc.Signal(sig, wait)
	if errors.Is(err, ErrStillRunning) {
		_ = s.proc.Signal(syscall.SIGKILL, time.Minute)
		return fmt.Errorf("mariadbd: %w; killed; log:\n%s", err, tail(s.ErrorLog(), 4000))
	}
	return err
}

func (s *Server) cleanup() {
	if s.Running() {
		_ = s.Kill()
	}
	if s.admin != nil {
		_ = s.admin.Close()
	}
	if s.t.Failed() {
		s.t.Logf("mariadbtest: log of the server on 127.0.0.1:%d (%s):\n%s", s.port, s.dir, tail(s.ErrorLog(), 8000))
	}
	_ = os.RemoveAll(s.dir)
}

// freePort returns a TCP port on 127.0.0.1 that nothing listens on now.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// StartChild starts cmd from a goroutine locked to one OS thread
// that never exits: Pdeathsig fires when the thread that started the
// child exits, which for an arbitrary goroutine's thread may be long
// before the test process does.
func StartChild(cmd *exec.Cmd) error {
	starterOnce.Do(func() {
		starter = make(chan startReq)
		go func() {
			runtime.LockOSThread() // never unlocked: the thread lives as long as the process
			for r := range starter {
				r.done <- r.cmd.Start()
			}
		}()
	})
	r := startReq{cmd: cmd, done: make(chan error, 1)}
	starter <- r
	return <-r.done
}

type startReq struct {
	cmd  *exec.Cmd
	done chan error
}

var (
	starterOnce sync.Once
	starter     chan startReq
)

var templateMu sync.Mutex

// Template returns a data directory made by mariadb-install-db for
// mariadbd, making it when the cache lacks it; servers start on copies of
// it (CopyTree). It is made in a temporary
// directory and renamed into place, so concurrent test processes never
// see half of one.
func Template(mariadbd, installDB string) (string, error) {
	templateMu.Lock()
	defer templateMu.Unlock()
	version, err := exec.Command(mariadbd, "--version").Output()
	if err != nil {
		return "", fmt.Errorf("%s --version: %v", mariadbd, err)
	}
	installArgs := []string{"--no-defaults", "--auth-root-authentication-method=normal", "--skip-test-db", "--skip-name-resolve"}
	installArgs = append(installArgs, InnodbArgs...)
	if os.Geteuid() == 0 {
		installArgs = append(installArgs, "--user=root")
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n%s\n%s\n%d\n", mariadbd, installDB, version, strings.Join(installArgs, " "), os.Geteuid())
	key := hex.EncodeToString(h.Sum(nil))[:16]
	root, err := os.UserCacheDir()
	if err != nil {
		root = os.TempDir()
	}
	parent := filepath.Join(root, "aimodels-mariadbtest")
	dir := filepath.Join(parent, key)
	if _, err := os.Stat(filepath.Join(dir, "mysql")); err == nil {
		return dir, nil // complete: it only ever appears by rename
	}
	if err := os.MkdirAll(parent, 0o700); err != nil {
		return "", err
	}
	work, err := os.MkdirTemp(parent, "install-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(work)
	data := filepath.Join(work, "data")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, installDB, append(installArgs, "--datadir="+data)...)
	cmd.Dir = work
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("%s: %v\n%s", installDB, err, tail(string(out), 4000))
	}
	if err := os.Rename(data, dir); err != nil {
		// Another process made it meanwhile: use theirs.
		if _, serr := os.Stat(filepath.Join(dir, "mysql")); serr == nil {
			return dir, nil
		}
		return "", err
	}
	return dir, nil
}

// CopyTree copies the files and directories under src into dst (which exists).
func CopyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o700)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		in, err := os.Open(path)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	})
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
