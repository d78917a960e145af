package contract

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"
)

// RestartEnv must be "1" for tests that stop and start the local MariaDB
// (they disturb every other user of it, so CI runs them on their own).
const RestartEnv = "AIMODELS_TEST_MYSQL_RESTART"

// SkipUnlessRestartAllowed skips a test that stops the shared MariaDB
// unless RestartEnv is set; it also needs the MySQL DSN.
func SkipUnlessRestartAllowed(t testing.TB) {
	t.Helper()
	SkipWithoutMySQL(t)
	if os.Getenv(RestartEnv) != "1" {
		t.Skip("stops the shared MariaDB: set " + RestartEnv + "=1 to run")
	}
}

// MariaDBUp reports whether MariaDB answers on 127.0.0.1:3306.
func MariaDBUp() bool {
	return exec.Command("mysqladmin", "-uroot", "--protocol=tcp", "-h127.0.0.1", "ping").Run() == nil
}

// StopMariaDB shuts the local MariaDB down and waits until it is gone.
func StopMariaDB() error {
	if out, err := exec.Command("mysqladmin", "-uroot", "--protocol=tcp", "-h127.0.0.1", "shutdown").CombinedOutput(); err != nil {
		return fmt.Errorf("mysqladmin shutdown: %v: %s", err, out)
	}
	for i := 0; i < 60 && MariaDBUp(); i++ {
		time.Sleep(250 * time.Millisecond)
	}
	if MariaDBUp() {
		return fmt.Errorf("MariaDB still answers after shutdown")
	}
	return nil
}

// StartMariaDB starts the local MariaDB and waits (up to 30 s) until it answers.
func StartMariaDB() error {
	if out, err := exec.Command("start-stop-daemon", "--start", "--oknodo", "--background", "--exec", "/usr/sbin/mariadbd").CombinedOutput(); err != nil {
		return fmt.Errorf("start mariadbd: %v: %s", err, out)
	}
	for i := 0; i < 60 && !MariaDBUp(); i++ {
		time.Sleep(500 * time.Millisecond)
	}
	if !MariaDBUp() {
		return fmt.Errorf("MariaDB did not answer within 30 s of starting")
	}
	return nil
}

// EnsureMariaDBUp restarts MariaDB at the end of a test that stopped it.
func EnsureMariaDBUp(t testing.TB) {
	t.Cleanup(func() {
		if !MariaDBUp() {
			if err := StartMariaDB(); err != nil {
				t.Error(err)
			}
		}
	})
}
