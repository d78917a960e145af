package e2e

import (
	"github.com/aimodels/aimodels/test/testenv"

	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	of "github.com/aimodels/aimodels/test/openroutertest"
)

// TestOpenAINodeClient runs test/npmclient (the official openai npm
// client, node --test) against the binary with a stored key: a chat
// completion and a stream with model "text". It installs the packages
// from the committed lockfile first when they are missing, and skips
// only when node or npm is not on PATH.
func TestOpenAINodeClient(t *testing.T) {
	t.Parallel()
	node, err := exec.LookPath("node")
	if err != nil {
		testenv.Missing(t, "node is not on PATH: the openai npm client test (test/npmclient) needs Node 20+")
	}
	dir := filepath.Join(repoRoot, "test", "npmclient")
	testenv.NpmCI(t, dir, "openai")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	fake := newFake(t)
	s := start(t, opts{upstream: fake.URL()})
	defer s.stop(t)
	s.storeKey(t, of.DefaultAPIKey)
	s.saveSelection(t, map[string]string{"text": "openai/gpt-4o-mini"})

	cmd := exec.CommandContext(ctx, node, "--test", "client.test.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "AIMODELS_URL="+s.URL, "AIMODELS_TOKEN="+adminToken)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node --test client.test.mjs: %v\n%s", err, out)
	}
	t.Logf("node --test:\n%s", tail(string(out), 1500))
	// The client's requests reached the fake with the selected model.
	if n := fake.RequestCount(of.RouteChat); n < 2 {
		t.Errorf("the fake saw %d chat requests, want the completion and the stream", n)
	}
	var streamed bool
	for _, rq := range fake.Requests() {
		if rq.Route == of.RouteChat {
			var u upstreamReq
			if err := json.Unmarshal(rq.Body, &u); err != nil || u.Model != "openai/gpt-4o-mini" {
				t.Errorf("upstream chat request model %q (%v), want openai/gpt-4o-mini", u.Model, err)
			}
			streamed = streamed || u.Stream
		}
	}
	if !streamed {
		t.Error("no streamed request reached the fake")
	}
}
