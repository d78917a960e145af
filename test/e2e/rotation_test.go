package e2e

import (
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestKeysetRotationWhileServing runs the documented rotation beside a
// serving process: `keyset rotate`, SIGHUP, `keyset disable-old`, SIGHUP.
// Until the first SIGHUP the server cannot read the re-encrypted key; a
// key it saves in that window (under the old primary) survives the
// retirement of the old key.
func TestKeysetRotationWhileServing(t *testing.T) {
	fake := newFake(t)
	srv := start(t, opts{upstream: fake.URL(), env: []string{"AIMODELS_SETTINGS_TTL=100ms"}})
	srv.storeKey(t, fake.APIKey())
	balance := func(when string, want int) {
		t.Helper()
		r := srv.do(t, req{method: "GET", path: "/api/v1/settings/openrouter/balance"})
		if r.status != want {
			t.Fatalf("balance %s: %d %s, want %d", when, r.status, r.body, want)
		}
		if want == 500 && !strings.Contains(string(r.body), `"key_unreadable"`) {
			t.Fatalf("balance %s: %s, want key_unreadable", when, r.body)
		}
	}
	keyset := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(binary, append([]string{"keyset"}, args...)...)
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + srv.dataDir, "AIMODELS_DATA_DIR=" + srv.dataDir}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("keyset %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	hup := func(want string) {
		t.Helper()
		seen := strings.Count(srv.logs(), want)
		if err := srv.cmd.Process.Signal(syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for strings.Count(srv.logs(), want) == seen {
			if time.Now().After(deadline) {
				t.Fatalf("SIGHUP: %q not logged:\n%s", want, tail(srv.logs(), 3000))
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	balance("before the rotation", 200)

	if out := keyset("rotate"); !strings.Contains(out, "re-encrypted 1 secret") {
		t.Fatalf("rotate: %s", out)
	}
	time.Sleep(300 * time.Millisecond) // past the settings TTL
	balance("with the old keyset and the re-encrypted key", 500)

	// In the window, the server saves a key: under the old primary.
	srv.storeKey(t, fake.APIKey())
	balance("after a save in the window", 200)

	hup("SIGHUP: keyset reloaded")
	balance("after the first SIGHUP", 200)

	if out := keyset("disable-old"); !strings.Contains(out, "re-encrypted 1 secret") || !strings.Contains(out, "disabled [") {
		t.Fatalf("disable-old must re-encrypt the key saved in the window and disable the old key: %s", out)
	}
	time.Sleep(300 * time.Millisecond)
	balance("after disable-old", 200)
	hup("SIGHUP: keyset reloaded")
	balance("after the second SIGHUP", 200)

	hup("SIGHUP: keyset unchanged")
	balance("after a SIGHUP with nothing new", 200)
}
