package cluster

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	of "github.com/aimodels/aimodels/test/openroutertest"
)

// TestGalera runs aimodels replicas on a 3-node Galera cluster: started
// together, one per node, on a fresh database; on a node that refuses
// queries; then under load while a node is killed.
func TestGalera(t *testing.T) {
	begin := time.Now()
	c := Start(t, Options{})
	aimodelsBinary(t)
	fake, err := of.Start()
	if err != nil {
		t.Fatalf("fake OpenRouter: %v", err)
	}
	t.Cleanup(fake.Close)
	keyset, cipher := sharedKeyset(t)
	t.Run("ReplicasStartTogether", func(t *testing.T) { testStartTogether(t, c, fake.URL(), keyset) })
	t.Run("NodeNotReady", func(t *testing.T) { testNodeNotReady(t, c, fake.URL(), keyset) })
	t.Run("NodeKilledUnderLoad", func(t *testing.T) { testNodeKill(t, c, fake, keyset, cipher) })
	t.Logf("TestGalera took %v", time.Since(begin).Round(time.Millisecond))
}

// testStartTogether starts three replicas at the same instant, one per
// node, on a fresh database, five times: every one must become ready
// (each migrates, or waits for the one that does).
func testStartTogether(t *testing.T, c *Cluster, upstream, keyset string) {
	const rounds = 5
	attempts, ready := 0, 0
	var failures []string
	for round := 1; round <= rounds; round++ {
		db := c.CreateDatabase(t)
		var rs []*replica
		for _, n := range c.Nodes() {
			rs = append(rs, newReplica(t, replicaOpts{name: fmt.Sprintf("round %d node %d", round, n.Index),
				dsn: n.DSN(db), keyset: keyset, upstream: upstream}))
		}
		// The processes are made first and started together behind a barrier.
		go1 := make(chan struct{})
		started := make(chan error, len(rs))
		for _, r := range rs {
			go func() {
				<-go1
				started <- r.start()
			}()
		}
		t0 := time.Now()
		close(go1)
		for range rs {
			if err := <-started; err != nil {
				t.Fatalf("start: %v", err)
			}
		}
		errs := make(chan error, len(rs))
		for _, r := range rs {
			go func() { errs <- r.wait(60 * time.Second) }()
		}
		for range rs {
			attempts++
			if err := <-errs; err != nil {
				failures = append(failures, err.Error())
				if !errors.Is(err, errExited) {
					t.Errorf("round %d: %v", round, err)
				}
				continue
			}
			ready++
		}
		t.Logf("round %d: %d replicas started together, all answered in %v", round, len(rs), time.Since(t0).Round(time.Millisecond))
		for _, r := range rs {
			if r.url == "" {
				continue // it exited
			}
			if err := r.stop(); err != nil {
				t.Error(err)
			}
		}
	}
	t.Logf("concurrent starts: %d attempted, %d ready", attempts, ready)
	if ready != attempts {
		t.Fatalf("%d of %d replicas started together did not become ready:\n%s", attempts-ready, attempts, strings.Join(failures, "\n"))
	}
}
