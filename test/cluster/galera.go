// Package cluster makes a MariaDB Galera cluster for tests: three
// mariadbd processes on loopback, each with its own data directory, unix
// socket and ports (SQL, group communication, IST, SST) chosen when the
// test runs, the first bootstrapping the cluster and the others joining it
// by state transfer (rsync). Nodes are killed with SIGKILL and started
// again by their process id, and the whole cluster is killed and removed
// when the test ends. The tests of the package start aimodels replicas on
// it together and kill a node under load.
//
// It needs Debian's galera-4 (/usr/lib/galera/libgalera_smm.so), rsync,
// mariadbd and mariadb-install-db. Without them Start skips the test,
// naming what is missing, or fails it when AIMODELS_REQUIRE_ALL=1 (see
// test/testenv).
package cluster

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/aimodels/aimodels/test/mariadbtest"
	"github.com/aimodels/aimodels/test/testenv"
)

// ProviderPath is where Debian's galera-4 installs the wsrep provider.
const ProviderPath = "/usr/lib/galera/libgalera_smm.so"

// Options configure a cluster.
type Options struct {
	// Nodes is the number of nodes (default 3).
	Nodes int
	// Timeout bounds each wait for the cluster or a node to be synced
	// (default 90 s).
	Timeout time.Duration
	// Args are extra mariadbd arguments given to every node.
	Args []string
}

// Cluster is a running Galera cluster. Its methods are safe for
// concurrent use.
type Cluster struct {
	t       testing.TB
	dir     string
	name    string
	bin     string
	nodes   []*Node
	timeout time.Duration
	args    []string
}

// Node is one mariadbd of a Cluster.
type Node struct {
	c *Cluster
	// Index is the node's position in the cluster, from 1.
	Index int
	dir   string
	// Port is the SQL port on 127.0.0.1; GcommPort, ISTPort and SSTPort
	// are the group communication, incremental and full state transfer
	// ports.
	Port, GcommPort, ISTPort, SSTPort int

	proc mariadbtest.Child

	adminOnce sync.Once
	admin     *sql.DB
}

// Missing returns the packages or programs a cluster needs that this
// machine lacks (Debian package names where there is one).
func Missing() []string {
	var missing []string
	if _, _, err := mariadbtest.Binaries(); err != nil {
		missing = append(missing, "mariadb-server (mariadbd, mariadb-install-db)")
	}
	if _, err := os.Stat(ProviderPath); err != nil {
		missing = append(missing, "galera-4 ("+ProviderPath+")")
	}
	if _, err := exec.LookPath("rsync"); err != nil {
		missing = append(missing, "rsync")
	}
	if _, err := exec.LookPath("wsrep_sst_rsync"); err != nil {
		if _, err := os.Stat("/usr/bin/wsrep_sst_rsync"); err != nil {
			missing = append(missing, "mariadb-server (wsrep_sst_rsync)")
		}
	}
	return missing
}

// Require skips t (or fails it under AIMODELS_REQUIRE_ALL=1) when a
// package the cluster needs is missing.
func Require(t testing.TB) {
	t.Helper()
	if m := Missing(); len(m) > 0 {
		testenv.Missing(t, "a Galera cluster needs "+strings.Join(m, ", ")+": apt-get install galera-4 rsync mariadb-server")
	}
}

// Start makes and starts a cluster and waits until every node is synced
// in it. The cluster is killed and its files removed when t ends; the
// nodes' logs are written to t's log when t has failed.
func Start(t testing.TB, o Options) *Cluster {
	t.Helper()
	Require(t)
	begin := time.Now()
	if o.Nodes <= 0 {
		o.Nodes = 3
	}
	if o.Timeout <= 0 {
		o.Timeout = 90 * time.Second
	}
	bin, install, _ := mariadbtest.Binaries()
	// A short path of its own: a unix socket path must fit in 108 bytes.
	dir, err := os.MkdirTemp("", "galera-")
	if err != nil {
		t.Fatal(err)
	}
	// rsync's daemon on a joiner runs as nobody when we are root: it must
	// reach the data directories.
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	c := &Cluster{t: t, dir: dir, name: "aimodels-test-" + hex.EncodeToString(b[:]), bin: bin, timeout: o.Timeout, args: o.Args}
	t.Cleanup(c.cleanup)
	tmpl, err := mariadbtest.Template(bin, install)
	if err != nil {
		t.Fatalf("cluster: %v", err)
	}
	ports, err := freePorts(4 * o.Nodes)
	if err != nil {
		t.Fatal(err)
	}
	for i := range o.Nodes {
		n := &Node{c: c, Index: i + 1, dir: filepath.Join(dir, "n"+strconv.Itoa(i+1)),
			Port: ports[4*i], GcommPort: ports[4*i+1], ISTPort: ports[4*i+2], SSTPort: ports[4*i+3]}
		for _, d := range []string{n.DataDir(), filepath.Join(n.dir, "tmp")} {
			if err := os.MkdirAll(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		if err := mariadbtest.CopyTree(tmpl, n.DataDir()); err != nil {
			t.Fatalf("cluster: copy the template data directory: %v", err)
		}
		c.nodes = append(c.nodes, n)
	}
	// The first node makes the cluster; the others join it by SST.
	if err := c.nodes[0].start(true); err != nil {
		t.Fatalf("cluster: bootstrap node 1: %v", err)
	}
	if err := c.nodes[0].WaitSynced(1, o.Timeout); err != nil {
		t.Fatalf("cluster: %v", err)
	}
	for _, n := range c.nodes[1:] {
		if err := n.start(false); err != nil {
			t.Fatalf("cluster: start node %d: %v", n.Index, err)
		}
	}
	if err := c.WaitSynced(o.Timeout); err != nil {
		t.Fatalf("cluster: %v", err)
	}
	t.Logf("cluster: %d Galera nodes synced in %v (SQL ports %v)", len(c.nodes), time.Since(begin).Round(time.Millisecond), c.Ports())
	return c
}

// Nodes returns the cluster's nodes in order.
func (c *Cluster) Nodes() []*Node { return c.nodes }

// Node returns node i (from 1).
func (c *Cluster) Node(i int) *Node { return c.nodes[i-1] }

// Ports returns the nodes' SQL ports.
func (c *Cluster) Ports() []int {
	p := make([]int, len(c.nodes))
	for i, n := range c.nodes {
		p[i] = n.Port
	}
	return p
}

// WaitSynced waits until every node is running, Synced and sees a cluster
// of all the nodes.
func (c *Cluster) WaitSynced(timeout time.Duration) error {
	errs := make(chan error, len(c.nodes))
	for _, n := range c.nodes {
		go func() { errs <- n.WaitSynced(len(c.nodes), timeout) }()
	}
	var all []error
	for range c.nodes {
		all = append(all, <-errs)
	}
	return errors.Join(all...)
}

// CreateDatabase creates a database with a new name on the cluster
// (through node 1; Galera replicates the DDL) and returns its name.
func (c *Cluster) CreateDatabase(t testing.TB) string {
	t.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "aimodels_g_" + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := c.nodes[0].DB().ExecContext(ctx, "CREATE DATABASE `"+name+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		t.Fatalf("cluster: create database: %v", err)
	}
	// Each other node has the writeset once node 1's commit returns, but
	// may not have applied it yet: a server connecting there at once got
	// "Unknown database". A read with wsrep_sync_wait waits until the node
	// has applied everything committed before it.
	for _, n := range c.nodes[1:] {
		if !n.Running() {
			continue
		}
		if err := n.seeDatabase(ctx, name); err != nil {
			t.Fatalf("cluster: node %s does not see database %s: %v", n.Addr(), name, err)
		}
	}
	return name
}

// seeDatabase returns once the node has applied the creation of name.
func (n *Node) seeDatabase(ctx context.Context, name string) error {
	conn, err := n.DB().Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SET SESSION wsrep_sync_wait = 1"); err != nil {
		return err
	}
	var got string
	return conn.QueryRowContext(ctx, "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", name).Scan(&got)
}

func (c *Cluster) cleanup() {
	for _, n := range c.nodes {
		if n.Running() {
			_ = n.Kill()
		}
		if n.admin != nil {
			_ = n.admin.Close()
		}
		if c.t.Failed() {
			c.t.Logf("cluster: log of node %d (127.0.0.1:%d):\n%s", n.Index, n.Port, tail(n.ErrorLog(), 6000))
		}
	}
	_ = os.RemoveAll(c.dir)
}

// DataDir returns the node's data directory.
func (n *Node) DataDir() string { return filepath.Join(n.dir, "data") }

// Socket returns the node's unix socket.
func (n *Node) Socket() string { return filepath.Join(n.dir, "mysqld.sock") }

// Addr returns "127.0.0.1:port" of the node's SQL port.
func (n *Node) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(n.Port)) }

// DSN returns a go-sql-driver DSN of root (no password) on database db
// ("" for none) over TCP, with parseTime, loc=UTC and utf8mb4.
func (n *Node) DSN(db string) string {
	cfg := gomysql.NewConfig()
	cfg.User, cfg.Net, cfg.Addr, cfg.DBName = "root", "tcp", n.Addr(), db
	cfg.ParseTime, cfg.Loc = true, time.UTC
	cfg.Params = map[string]string{"charset": "utf8mb4"}
	return cfg.FormatDSN()
}

// DB returns a pool of root without a default database, closed at the
// end of the test. It survives restarts of the node.
func (n *Node) DB() *sql.DB {
	n.adminOnce.Do(func() {
		cfg, err := gomysql.ParseDSN(n.DSN(""))
		if err != nil {
			panic(err)
		}
		cfg.Logger = &gomysql.NopLogger{}
		cfg.Timeout = 2 * time.Second
		cfg.ReadTimeout, cfg.WriteTimeout = 10*time.Second, 10*time.Second
		conn, err := gomysql.NewConnector(cfg)
		if err != nil {
			panic(err)
		}
		n.admin = sql.OpenDB(conn)
		n.admin.SetMaxIdleConns(2)
	})
	return n.admin
}

// Status returns the value of the global status variable name (such as
// wsrep_local_state_comment).
func (n *Node) Status(ctx context.Context, name string) (string, error) {
	var v string
	err := n.DB().QueryRowContext(ctx, "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = ?", strings.ToUpper(name)).Scan(&v)
	return v, err
}

// PID returns the process id of the node, 0 when it never ran.
func (n *Node) PID() int { return n.proc.PID() }

// Running reports whether the node's process is alive.
func (n *Node) Running() bool { return n.proc.Running() }

// ErrorLog returns the node's error log and console output.
func (n *Node) ErrorLog() string {
	var b strings.Builder
	for _, f := range []string{"error.log", "console.log", "recover.log"} {
		if data, err := os.ReadFile(filepath.Join(n.dir, f)); err == nil {
			b.WriteString("--- " + f + "\n")
			b.Write(data)
		}
	}
	return b.String()
}

// Kill kills the node with SIGKILL, as a crash would, and waits until
// the process has exited.
func (n *Node) Kill() error {
	if n.proc.PID() != 0 && !n.proc.Running() {
		return nil // already dead
	}
	if err := n.proc.Signal(syscall.SIGKILL, 30*time.Second); err != nil {
		return fmt.Errorf("node %d: %w", n.Index, err)
	}
	return nil
}

// Restart starts a killed node again and waits until it has rejoined the
// cluster and is synced. As Galera's systemd unit does, it first recovers
// the node's last committed position from InnoDB (mariadbd
// --wsrep-recover), so the node can ask for an incremental state transfer
// (IST) of what it missed instead of a full copy (SST).
func (n *Node) Restart() error {
	if n.Running() {
		return errors.New("the node is running")
	}
	return n.start(false)
}

var recovered = regexp.MustCompile(`WSREP: Recovered position: ([0-9a-f-]{36}:-?[0-9]+)`)

// recoverPosition runs mariadbd --wsrep-recover on the node's data
// directory and returns the recovered position ("uuid:seqno"), "" when
// none was found.
func (n *Node) recoverPosition() (string, error) {
	logf := filepath.Join(n.dir, "recover.log")
	_ = os.Remove(logf)
	args := n.args(false)
	args = append(args, "--wsrep-recover", "--log-error="+logf)
	ctx, cancel := context.WithTimeout(context.Background(), n.c.timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, n.c.bin, args...)
	if out, err := cmd.CombinedOutput(); err != nil {
		data, _ := os.ReadFile(logf)
		return "", fmt.Errorf("mariadbd --wsrep-recover: %v\n%s%s", err, out, tail(string(data), 3000))
	}
	data, err := os.ReadFile(logf)
	if err != nil {
		return "", err
	}
	if m := recovered.FindSubmatch(data); m != nil && !strings.HasPrefix(string(m[1]), "00000000-") {
		return string(m[1]), nil
	}
	return "", nil
}

// args returns the node's mariadbd arguments.
func (n *Node) args(bootstrap bool) []string {
	c := n.c
	var gcomm []string
	for _, o := range c.nodes {
		gcomm = append(gcomm, "127.0.0.1:"+strconv.Itoa(o.GcommPort))
	}
	provider := strings.Join([]string{
		"gmcast.listen_addr=tcp://127.0.0.1:" + strconv.Itoa(n.GcommPort),
		"ist.recv_addr=127.0.0.1:" + strconv.Itoa(n.ISTPort),
		"gcache.size=32M",
		// A killed node is evicted in about 3 s instead of 5 to 15.
		"evs.keepalive_period=PT0.5S",
		"evs.inactive_check_period=PT0.5S",
		"evs.suspect_timeout=PT2S",
		"evs.inactive_timeout=PT3S",
		"evs.install_timeout=PT3S",
	}, ";")
	args := append(mariadbtest.ServerArgs(n.dir, n.Port),
		"--max-connections=300",
		// What Galera needs.
		"--wsrep-on=ON",
		"--wsrep-provider="+ProviderPath,
		"--wsrep-cluster-name="+c.name,
		"--wsrep-cluster-address=gcomm://"+strings.Join(gcomm, ","),
		"--wsrep-node-name=node"+strconv.Itoa(n.Index),
		"--wsrep-node-address=127.0.0.1:"+strconv.Itoa(n.GcommPort),
		"--wsrep-node-incoming-address="+n.Addr(),
		"--wsrep-provider-options="+provider,
		"--wsrep-sst-method=rsync",
		"--wsrep-sst-receive-address=127.0.0.1:"+strconv.Itoa(n.SSTPort),
		"--binlog-format=ROW",
		"--innodb-autoinc-lock-mode=2",
		"--default-storage-engine=InnoDB",
	)
	if bootstrap {
		args = append(args, "--wsrep-new-cluster")
	}
	return append(args, c.args...)
}

// start starts the node's process (bootstrap: as the cluster's first
// node) and returns once it runs; WaitSynced waits for it to join.
func (n *Node) start(bootstrap bool) error {
	if !bootstrap {
		if err := openTree(n.DataDir()); err != nil {
			return err
		}
	}
	var extra []string
	if _, err := os.Stat(filepath.Join(n.DataDir(), "grastate.dat")); err == nil && !bootstrap {
		pos, err := n.recoverPosition()
		if err != nil {
			return err
		}
		if pos != "" {
			extra = append(extra, "--wsrep-start-position="+pos)
		}
	}
	_, err := n.proc.Launch(n.c.bin, append(n.args(bootstrap), extra...), filepath.Join(n.dir, "console.log"))
	return err
}

// WaitSynced polls the node until it answers, its
// wsrep_local_state_comment is Synced and its wsrep_cluster_size is size,
// the process exits, or timeout passes.
func (n *Node) WaitSynced(size int, timeout time.Duration) error {
	done := n.proc.Done()
	if done == nil {
		return fmt.Errorf("node %d was never started", n.Index)
	}
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	var last string
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		state, err := n.Status(ctx, "wsrep_local_state_comment")
		var got string
		if err == nil {
			got, err = n.Status(ctx, "wsrep_cluster_size")
		}
		cancel()
		if err == nil && state == "Synced" && got == strconv.Itoa(size) {
			return nil
		}
		if err != nil {
			last = err.Error()
		} else {
			last = fmt.Sprintf("state %s, cluster size %s", state, got)
		}
		select {
		case <-done:
			return fmt.Errorf("node %d exited while joining (%v); log:\n%s", n.Index, n.proc.WaitErr(), tail(n.ErrorLog(), 4000))
		case <-tick.C:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("node %d not synced in a cluster of %d within %v (last: %s); log:\n%s", n.Index, size, timeout, last, tail(n.ErrorLog(), 4000))
		}
	}
}

// openTree gives the data directory root to nobody when the test runs as
// root: rsync's daemon, which receives a full state transfer (SST) on a
// joiner, then runs as nobody and must be able to write every directory
// and set its permissions, which only the owner may. The files are in the
// test's own temporary directory; mariadbd, as root, reads them anyway.
func openTree(root string) error {
	if os.Geteuid() != 0 {
		return nil
	}
	u, err := user.Lookup("nobody")
	if err != nil {
		return fmt.Errorf("rsync's daemon writes a state transfer as nobody, who is missing: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(path, uid, gid)
	})
}

// freePorts returns n distinct TCP ports on 127.0.0.1 that nothing
// listens on now (all held open together while they are chosen).
func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	ports := make([]int, n)
	for i := range ports {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports[i] = l.Addr().(*net.TCPAddr).Port
	}
	return ports, nil
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
