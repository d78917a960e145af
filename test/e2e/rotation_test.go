package e2e

import (
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestKeysetRotationWhileServing: `aimodels keyset rotate -disable-old`
// runs beside a serving process; once the server's cache lets go of the
// old record it cannot read the re-encrypted key, and SIGHUP makes it
// load the new keyset without a restart.
func TestKeysetRotationWhileServing(t *testing.T) {
	fake := newFake(t)
	srv := start(t, opts{upstream: fake.URL(), env: []string{"AIMODELS_SETTINGS_TTL=100ms"}})
	srv.storeKey(t, fake.APIKey())
	balance := func() res {
		return srv.do(t, req{method: "GET", path: "/api/v1/settings/openrouter/balance"})
	}
	if r := balance(); r.status != 200 {
		t.Fatalf("balance before the rotation: %d %s", r.status, r.body)
	}

	rotate := exec.Command(binary, "keyset", "rotate", "-disable-old")
	rotate.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + srv.dataDir, "AIMODELS_DATA_DIR=" + srv.dataDir}
	out, err := rotate.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "re-encrypted 1 secret") {
		t.Fatalf("keyset rotate: %v\n%s", err, out)
	}

	time.Sleep(300 * time.Millisecond) // past the settings TTL
	if r := balance(); r.status != 500 || !strings.Contains(string(r.body), `"key_unreadable"`) {
		t.Fatalf("with the old keyset, the re-encrypted key must be unreadable: %d %s", r.status, r.body)
	}

	if err := srv.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(srv.logs(), "SIGHUP: keyset reloaded") {
		if time.Now().After(deadline) {
			t.Fatalf("no reload logged:\n%s", tail(srv.logs(), 3000))
		}
		time.Sleep(20 * time.Millisecond)
	}
	if r := balance(); r.status != 200 {
		t.Fatalf("balance after SIGHUP: %d %s", r.status, r.body)
	}
	// A second SIGHUP with the same file changes nothing and keeps serving.
	if err := srv.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	for !strings.Contains(srv.logs(), "SIGHUP: keyset unchanged") {
		if time.Now().After(deadline) {
			t.Fatalf("no second reload logged")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if r := balance(); r.status != 200 {
		t.Fatalf("balance after a second SIGHUP: %d %s", r.status, r.body)
	}
}
