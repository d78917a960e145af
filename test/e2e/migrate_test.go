package e2e

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aimodels/aimodels/test/mariadbtest"
	of "github.com/aimodels/aimodels/test/openroutertest"
)

// runBinary runs the aimodels binary with args and the environment env
// and returns its exit status and output.
func runBinary(t *testing.T, env []string, args ...string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, env...)
	out, _ := cmd.CombinedOutput()
	return cmd.ProcessState.ExitCode(), string(out)
}

// TestMigrateLeastPrivilege runs the production setup on a private
// MariaDB: `aimodels migrate` as root creates the schema, then the server
// runs with -migrate=false (AIMODELS_MIGRATE=false) as a user that may only
// SELECT, INSERT, UPDATE and DELETE, and works; on a database nobody
// migrated, that server refuses to start and names aimodels migrate.
//
// It failed before the command: migrate was an unknown command (exit 2).
func TestMigrateLeastPrivilege(t *testing.T) {
	t.Parallel()
	mariadbtest.Require(t)
	srv := mariadbtest.Start(t, mariadbtest.Options{})
	const user, password = "app", "app-password"
	srv.Exec(t, "CREATE USER '"+user+"'@'127.0.0.1' IDENTIFIED BY '"+password+"'")
	fresh := srv.CreateDatabase(t)
	srv.Exec(t, "GRANT SELECT, INSERT, UPDATE, DELETE ON `"+fresh+"`.* TO '"+user+"'@'127.0.0.1'")

	// Nobody migrated: the row-only server refuses to start.
	code, out := runBinary(t, []string{"AIMODELS_MYSQL_DSN=" + srv.DSN(user, password, fresh), "AIMODELS_MIGRATE=false",
		"AIMODELS_DATA_DIR=" + t.TempDir(), "AIMODELS_ADDR=127.0.0.1:0", "AIMODELS_ADMIN_TOKEN=" + adminToken}, "serve")
	if code != 1 || !strings.Contains(out, "aimodels migrate") {
		t.Errorf("serve -migrate=false on an unmigrated database: exit %d, want 1 naming aimodels migrate:\n%s", code, tail(out, 2000))
	}

	// aimodels migrate as root, twice (the second changes nothing).
	for range 2 {
		code, out = runBinary(t, []string{"AIMODELS_MYSQL_DSN=" + srv.RootDSN(fresh)}, "migrate")
		if code != 0 || !strings.Contains(out, "database schema up to date: mysql") {
			t.Fatalf("aimodels migrate: exit %d:\n%s", code, tail(out, 2000))
		}
	}

	// The row-only server serves: a key stored, the selection saved.
	fake := newFake(t)
	s := start(t, opts{upstream: fake.URL(), mysqlDSN: srv.DSN(user, password, fresh), env: []string{"AIMODELS_MIGRATE=false"}})
	s.storeKey(t, of.DefaultAPIKey)
	s.saveSelection(t, map[string]string{"text": "openai/gpt-4o-mini"})
	r := s.do(t, req{method: "POST", path: "/api/v1/settings/openrouter/test-connection"})
	if r.status != 200 || !strings.Contains(string(r.body), `"success":true`) {
		t.Errorf("test-connection as the row-only user: %d %s", r.status, r.body)
	}
	s.stop(t)
}
