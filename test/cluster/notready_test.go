package cluster

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// testNodeNotReady sets a node to refuse queries as a Galera node that is
// not synced does (wsrep_reject_queries=ALL: error 1047, which it also
// answers while joining or when cut off from the primary component): the
// replica on it answers 503 store_unavailable and /readyz 503, although
// the server still answers a query without tables, and it is ready again
// once the node takes queries again.
func testNodeNotReady(t *testing.T, c *Cluster, upstream, keyset string) {
	n := c.Node(2)
	db := c.CreateDatabase(t)
	r := newReplica(t, replicaOpts{name: "r2", dsn: n.DSN(db), keyset: keyset, upstream: upstream})
	if err := r.start(); err != nil {
		t.Fatal(err)
	}
	if err := r.wait(60 * time.Second); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	create := func(i int) (int, string) {
		st, b, err := r.do(ctx, "POST", "/api/v1/settings/prompts", map[string]string{"name": fmt.Sprintf("p%d", i), "type": "text", "text": "hi"})
		if err != nil {
			t.Fatal(err)
		}
		return st, errorCode(b)
	}
	if st, code := create(0); st != 201 {
		t.Fatalf("create before: %d %s", st, code)
	}
	reject := func(v string) {
		t.Helper()
		if _, err := n.DB().ExecContext(ctx, "SET GLOBAL wsrep_reject_queries = "+v); err != nil {
			t.Fatal(err)
		}
	}
	reject("ALL")
	t.Cleanup(func() { _, _ = n.DB().ExecContext(context.Background(), "SET GLOBAL wsrep_reject_queries = NONE") })
	if st, code := create(1); st != 503 || code != "store_unavailable" {
		t.Errorf("create on a node that refuses queries: %d %s, want 503 store_unavailable", st, code)
	}
	if err := r.waitReadyz(503, 10*time.Second); err != nil {
		t.Error(err)
	}
	reject("NONE")
	if err := r.waitReadyz(200, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if st, code := create(2); st != 201 {
		t.Errorf("create once the node takes queries again: %d %s", st, code)
	}
	if err := r.stop(); err != nil {
		t.Error(err)
	}
}
