package mariadbtest_test

import (
	"context"
	"database/sql"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"

	"github.com/aimodels/aimodels/test/mariadbtest"
)

// shared reports whether the machine's MariaDB answers on 127.0.0.1:3306
// and the contents of its pid file (its process id, where readable), so
// a test can check that it was left alone.
func shared(t *testing.T) (bool, string) {
	t.Helper()
	out, err := exec.Command("mariadb", "--protocol=tcp", "-h127.0.0.1", "-P3306", "-uroot", "-N", "-e", "SELECT @@pid_file").Output()
	if err != nil {
		return false, ""
	}
	pid, _ := os.ReadFile(strings.TrimSpace(string(out)))
	return true, strings.TrimSpace(string(pid))
}

// TestStopKillRestart: a private server keeps what it committed across a
// clean stop and a kill -9, answers on the same port afterwards, and the
// machine's MariaDB (when there is one) is not touched.
func TestStopKillRestart(t *testing.T) {
	upBefore, idBefore := shared(t)
	s := mariadbtest.Start(t, mariadbtest.Options{Args: []string{"--max-connections=37"}})
	port := s.Port()
	db := s.CreateDatabase(t)
	s.Exec(t, "CREATE TABLE `"+db+"`.t (i INT PRIMARY KEY) ENGINE=InnoDB", "INSERT INTO `"+db+"`.t VALUES (1)")

	app, err := sql.Open("mysql", s.RootDSN(db))
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	var maxConn int
	if err := app.QueryRow("SELECT @@max_connections").Scan(&maxConn); err != nil || maxConn != 37 {
		t.Fatalf("Options.Args not applied: max_connections %d, %v", maxConn, err)
	}
	count := func() int {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var n int
		if err := app.QueryRowContext(ctx, "SELECT COUNT(*) FROM t").Scan(&n); err != nil {
			t.Fatalf("count: %v", err)
		}
		return n
	}

	pid := s.PID()
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if s.Running() || s.PID() != pid {
		t.Fatalf("after Stop: running %v, pid %d (was %d)", s.Running(), s.PID(), pid)
	}
	if _, err := os.Stat("/proc/" + strconv.Itoa(pid)); err == nil {
		if b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat"); !strings.Contains(string(b), ") Z") {
			t.Fatalf("pid %d still exists after Stop", pid)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	if err := app.PingContext(ctx); err == nil {
		t.Fatal("the server answers after Stop")
	}
	cancel()
	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	if s.Port() != port || s.PID() == pid {
		t.Fatalf("Restart: port %d (was %d), pid %d (was %d)", s.Port(), port, s.PID(), pid)
	}
	if n := count(); n != 1 {
		t.Fatalf("%d rows after a clean restart, want 1", n)
	}

	s.Exec(t, "INSERT INTO `"+db+"`.t VALUES (2)")
	if err := s.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 2 {
		t.Fatalf("%d rows after kill -9 and restart, want 2 (a committed row was lost)", n)
	}
	if !strings.Contains(s.ErrorLog(), "ready for connections") {
		t.Error("ErrorLog lacks the server's log")
	}

	if upBefore {
		upAfter, idAfter := shared(t)
		if !upAfter || idAfter != idBefore {
			t.Fatalf("the machine's MariaDB was disturbed: up %v, id %q (was %q)", upAfter, idAfter, idBefore)
		}
	}
}
