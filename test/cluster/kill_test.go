package cluster

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/aimodels/aimodels/adapters/tinkcipher"
	"github.com/aimodels/aimodels/core/domain"
	of "github.com/aimodels/aimodels/test/openroutertest"
)

// textModels are the fake catalog's text models the autosaves pick from.
var textModels = []string{"openai/gpt-4o-mini", "openai/gpt-3.5-turbo", "openai/gpt-4o"}

// outcome is what one request of the load got.
type outcome struct {
	replica int // 1..3, the node it runs on
	kind    string
	status  int    // 0: no answer (transport error)
	code    string // error.code of a non-2xx answer
	value   string // the model id saved, the prompt's name
	at      time.Time
	// cut: the load stopped while the request was in flight, so its
	// outcome is unknown (a prompt it created may or may not exist).
	cut bool
}

func (o outcome) ok() bool { return !o.cut && o.status >= 200 && o.status < 300 }

// ledger records the load's outcomes and wakes those who wait for one.
type ledger struct {
	mu   sync.Mutex
	all  []outcome
	wake chan struct{} // closed and replaced at each record
}

func newLedger() *ledger { return &ledger{wake: make(chan struct{})} }

func (l *ledger) record(o outcome) {
	l.mu.Lock()
	l.all = append(l.all, o)
	close(l.wake)
	l.wake = make(chan struct{})
	l.mu.Unlock()
}

// waitFor waits until cond holds over the outcomes (checked at each new
// one) or timeout passes.
func (l *ledger) waitFor(timeout time.Duration, cond func([]outcome) bool) bool {
	deadline := time.After(timeout)
	for {
		l.mu.Lock()
		done, wake := cond(l.all), l.wake
		l.mu.Unlock()
		if done {
			return true
		}
		select {
		case <-wake:
		case <-deadline:
			return false
		}
	}
}

func (l *ledger) snapshot() []outcome {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.all)
}

// count returns how many outcomes since after match.
func count(all []outcome, after time.Time, match func(outcome) bool) int {
	n := 0
	for _, o := range all {
		if o.at.After(after) && match(o) {
			n++
		}
	}
	return n
}

// testNodeKill puts a mixed load through three replicas, one per node
// (autosaves of the one text selection from every replica, prompt
// creates, key saves, chat requests), kills node 3 with SIGKILL, and
// checks that the replicas on nodes 1 and 2 keep answering, that the one
// on node 3 answers 503 store_unavailable and /readyz 503 and recovers
// by itself once its node has rejoined, and that every acknowledged write
// is on every node afterwards, once.
func testNodeKill(t *testing.T, c *Cluster, fake *of.Server, keyset string, cipher *tinkcipher.Cipher) {
	db := c.CreateDatabase(t)
	var rs []*replica
	for _, n := range c.Nodes() {
		rs = append(rs, newReplica(t, replicaOpts{name: fmt.Sprintf("r%d", n.Index), dsn: n.DSN(db), keyset: keyset, upstream: fake.URL()}))
	}
	for _, r := range rs {
		if err := r.start(); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range rs {
		if err := r.wait(60 * time.Second); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	if st, b, err := rs[0].do(ctx, "PUT", "/api/v1/settings/api-keys/openrouter", map[string]string{"key": of.DefaultAPIKey}); err != nil || st != 200 {
		t.Fatalf("store the key: %d %s %v", st, b, err)
	}
	if st, b, err := rs[0].do(ctx, "PUT", "/api/v1/settings/openrouter/selection", map[string]string{"text": textModels[0]}); err != nil || st != 200 {
		t.Fatalf("save the selection: %d %s %v", st, b, err)
	}

	led := newLedger()
	loadCtx, stopLoad := context.WithCancel(ctx)
	var wg sync.WaitGroup
	stopped := false
	stopAll := func() {
		if !stopped {
			stopped = true
			stopLoad()
			wg.Wait()
		}
	}
	t.Cleanup(stopAll) // before the replicas and the cluster go, also on an early failure
	const workers = 2
	for i, r := range rs {
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				load(loadCtx, r, i+1, w, led)
			}()
		}
	}
	const timeout = 60 * time.Second
	okFrom := func(replica int) func(outcome) bool {
		return func(o outcome) bool { return o.replica == replica && o.ok() && o.kind != "chat" }
	}

	// 1. All three answer.
	t0 := time.Now()
	if !led.waitFor(timeout, func(all []outcome) bool {
		return count(all, t0, okFrom(1)) >= 20 && count(all, t0, okFrom(2)) >= 20 && count(all, t0, okFrom(3)) >= 20
	}) {
		t.Fatalf("the load did not reach 20 writes acknowledged by each replica within %v", timeout)
	}

	// 2. Kill node 3.
	n3 := c.Node(3)
	if err := n3.Kill(); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	t.Logf("node 3 killed (SIGKILL) %v into the load", killed.Sub(t0).Round(time.Millisecond))
	unavailable := func(o outcome) bool { return o.replica == 3 && o.status == 503 && o.code == "store_unavailable" }
	if !led.waitFor(timeout, func(all []outcome) bool {
		return count(all, killed, okFrom(1)) >= 20 && count(all, killed, okFrom(2)) >= 20 && count(all, killed, unavailable) >= 3
	}) {
		all := led.snapshot()
		t.Fatalf("after the kill, within %v: %d writes acknowledged by r1, %d by r2, %d store_unavailable from r3 (want 20, 20, 3)",
			timeout, count(all, killed, okFrom(1)), count(all, killed, okFrom(2)), count(all, killed, unavailable))
	}
	if st, _, err := rs[2].get("/readyz"); err != nil || st != 503 {
		t.Errorf("r3's /readyz with its node down: %d %v, want 503", st, err)
	}
	if err := c.Node(1).WaitSynced(2, timeout); err != nil {
		t.Fatal(err)
	}
	down := time.Since(killed)

	// 3. Node 3 rejoins; its replica recovers by itself.
	restart := time.Now()
	if err := n3.Restart(); err != nil {
		t.Fatal(err)
	}
	if err := c.WaitSynced(timeout); err != nil {
		t.Fatal(err)
	}
	synced := time.Now()
	if !led.waitFor(timeout, func(all []outcome) bool { return count(all, synced, okFrom(3)) >= 1 }) {
		t.Fatalf("r3 acknowledged no write within %v of its node rejoining", timeout)
	}
	var firstOK time.Time
	for _, o := range led.snapshot() {
		if o.at.After(synced) && okFrom(3)(o) {
			firstOK = o.at
			break
		}
	}
	if err := rs[2].waitReadyz(200, timeout); err != nil {
		t.Fatal(err)
	}
	t.Logf("node 3: down %v (killed until the others saw a cluster of 2 and it was restarted), rejoined and synced %v after its restart; "+
		"r3 acknowledged a write %v after its node was synced (%v after the restart began)",
		down.Round(time.Millisecond), synced.Sub(restart).Round(time.Millisecond),
		firstOK.Sub(synced).Round(time.Millisecond), firstOK.Sub(restart).Round(time.Millisecond))

	// 4. All three again, then stop the load.
	back := time.Now()
	if !led.waitFor(timeout, func(all []outcome) bool {
		return count(all, back, okFrom(1)) >= 10 && count(all, back, okFrom(2)) >= 10 && count(all, back, okFrom(3)) >= 10
	}) {
		t.Fatalf("after the rejoin the replicas did not each acknowledge 10 writes within %v", timeout)
	}
	stopAll()
	all := led.snapshot()
	report(t, all, killed, synced)

	// The replicas on the surviving nodes kept answering: no failure.
	for _, o := range all {
		if o.cut {
			continue
		}
		if o.replica != 3 && !o.ok() {
			t.Errorf("r%d %s %s: %d %s (the replicas on the surviving nodes must not fail)", o.replica, o.kind, o.value, o.status, o.code)
		}
		if o.replica == 3 && !o.ok() && !(o.status == 503 && o.code == "store_unavailable") && o.status != 0 {
			t.Errorf("r3 %s %s: %d %s; with its node down, want 503 store_unavailable", o.kind, o.value, o.status, o.code)
		}
	}
	verify(t, c, db, all, cipher)
	for _, r := range rs {
		// The key decrypts on every replica: a chat through each reaches
		// the fake with it.
		if st, b, err := r.do(ctx, "POST", "/api/v1/chat/completions", chatBody); err != nil || st != 200 {
			t.Errorf("%s chat after the load: %d %s %v", r.name, st, tail(string(b), 300), err)
		}
		if err := r.stop(); err != nil {
			t.Error(err)
		}
	}
}

var chatBody = map[string]any{"model": "text", "messages": []map[string]string{{"role": "user", "content": "hi"}}}

// load sends requests through r until ctx ends, in a cycle: an autosave
// of the text selection, a prompt create, a key save and a chat request.
func load(ctx context.Context, r *replica, replica, worker int, led *ledger) {
	for i := 0; ctx.Err() == nil; i++ {
		var o outcome
		var method, path string
		var body any
		switch i % 4 {
		case 0:
			o.kind, o.value = "selection", textModels[(i/4+replica+worker)%len(textModels)]
			method, path, body = "PUT", "/api/v1/settings/openrouter/selection", map[string]string{"text": o.value}
		case 1:
			o.kind, o.value = "prompt", fmt.Sprintf("r%d-w%d-%d", replica, worker, i)
			method, path, body = "POST", "/api/v1/settings/prompts", map[string]string{"name": o.value, "type": "text", "text": "Say " + o.value}
		case 2:
			o.kind = "key"
			method, path, body = "PUT", "/api/v1/settings/api-keys/openrouter", map[string]string{"key": of.DefaultAPIKey}
		case 3:
			o.kind = "chat"
			method, path, body = "POST", "/api/v1/chat/completions", chatBody
		}
		st, b, err := r.do(ctx, method, path, body)
		o.replica, o.status, o.at = replica, st, time.Now()
		if ctx.Err() != nil {
			o.cut = true
			led.record(o)
			return
		}
		if err == nil && (st < 200 || st > 299) {
			o.code = errorCode(b)
		}
		led.record(o)
		if !o.ok() {
			// As a client would, pause after a failure instead of
			// spinning on a replica whose database is down.
			select {
			case <-ctx.Done():
			case <-time.After(20 * time.Millisecond):
			}
		}
	}
}

// report logs the load's figures.
func report(t *testing.T, all []outcome, killed, synced time.Time) {
	t.Helper()
	type key struct {
		replica int
		kind    string
		result  string
	}
	n := map[key]int{}
	for _, o := range all {
		phase := "before the kill"
		switch {
		case o.at.After(synced):
			phase = "after the rejoin"
		case o.at.After(killed):
			phase = "node 3 down or rejoining"
		}
		res := "ok"
		switch {
		case o.cut:
			res = "cut short by the end of the load"
		case !o.ok():
			res = fmt.Sprintf("%d %s", o.status, o.code)
		}
		n[key{o.replica, o.kind, phase + ": " + res}]++
	}
	acked := map[string]int{}
	for k, v := range n {
		if k.kind != "chat" && strings.HasSuffix(k.result, ": ok") {
			acked[strings.TrimSuffix(k.result, ": ok")] += v
		}
	}
	t.Logf("writes acknowledged (selection autosaves, prompt creates, key saves): %d before the kill, %d while node 3 was down or rejoining, %d after it was synced again",
		acked["before the kill"], acked["node 3 down or rejoining"], acked["after the rejoin"])
	var lines []string
	for k, v := range n {
		lines = append(lines, fmt.Sprintf("r%d %-9s %s: %d", k.replica, k.kind, k.result, v))
	}
	sort.Strings(lines)
	t.Logf("outcomes:\n%s", strings.Join(lines, "\n"))
}

// verify checks every node's rows against the acknowledged writes.
func verify(t *testing.T, c *Cluster, db string, all []outcome, cipher *tinkcipher.Cipher) {
	t.Helper()
	ackedPrompts := map[string]bool{}
	triedPrompts := map[string]bool{}
	ackedModels := map[string]bool{textModels[0]: true} // the first save, before the load
	acked := 0
	for _, o := range all {
		switch o.kind {
		case "prompt":
			triedPrompts[o.value] = true
			if o.ok() {
				ackedPrompts[o.value] = true
			}
		case "selection":
			if o.ok() {
				ackedModels[o.value] = true
			}
		}
		if o.ok() && o.kind != "chat" {
			acked++
		}
	}
	if err := c.WaitSynced(time.Minute); err != nil {
		t.Fatal(err)
	}
	for _, n := range c.Nodes() {
		// wsrep_sync_wait: each read waits until the node has applied
		// everything the cluster committed before it.
		cfg, err := gomysql.ParseDSN(n.DSN(db))
		if err != nil {
			t.Fatal(err)
		}
		cfg.Params["wsrep_sync_wait"] = "1"
		conn, err := gomysql.NewConnector(cfg)
		if err != nil {
			t.Fatal(err)
		}
		q := sql.OpenDB(conn)
		defer q.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()

		rows, err := q.QueryContext(ctx, "SELECT name, COUNT(*) FROM prompts WHERE scope = 'default' GROUP BY name")
		if err != nil {
			t.Fatal(err)
		}
		present := map[string]bool{}
		for rows.Next() {
			var name string
			var k int
			if err := rows.Scan(&name, &k); err != nil {
				t.Fatal(err)
			}
			present[name] = true
			if k != 1 {
				t.Errorf("node %d: prompt %q is stored %d times", n.Index, name, k)
			}
			if !triedPrompts[name] {
				t.Errorf("node %d: prompt %q was never created", n.Index, name)
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
		lost := 0
		for name := range ackedPrompts {
			if !present[name] {
				lost++
				if lost <= 5 {
					t.Errorf("node %d: acknowledged prompt %q is missing", n.Index, name)
				}
			}
		}

		var sels []string
		srows, err := q.QueryContext(ctx, "SELECT model_id FROM openrouter_models WHERE scope = 'default' AND model_type = 'text'")
		if err != nil {
			t.Fatal(err)
		}
		for srows.Next() {
			var id string
			if err := srows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			sels = append(sels, id)
		}
		srows.Close()
		if len(sels) != 1 || !ackedModels[sels[0]] {
			t.Errorf("node %d: the text selection is %v; want one row holding an acknowledged value of %v", n.Index, sels, ackedModels)
		}

		var cts [][]byte
		krows, err := q.QueryContext(ctx, "SELECT ciphertext FROM api_keys WHERE scope = 'default' AND provider = 'openrouter'")
		if err != nil {
			t.Fatal(err)
		}
		for krows.Next() {
			var ct []byte
			if err := krows.Scan(&ct); err != nil {
				t.Fatal(err)
			}
			cts = append(cts, ct)
		}
		krows.Close()
		if len(cts) != 1 {
			t.Errorf("node %d: %d api_keys rows for openrouter, want 1", n.Index, len(cts))
		} else if pt, err := cipher.Decrypt(cts[0], domain.AssociatedData("default", "openrouter")); err != nil || string(pt) != of.DefaultAPIKey {
			t.Errorf("node %d: the stored key does not decrypt to the saved key (%v)", n.Index, err)
		}
		var inc, off, minID, maxID int64
		if err := q.QueryRowContext(ctx, "SELECT @@auto_increment_increment, @@auto_increment_offset, MIN(id), MAX(id) FROM prompts").Scan(&inc, &off, &minID, &maxID); err != nil {
			t.Fatal(err)
		}
		t.Logf("node %d: auto_increment_increment %d, offset %d (Galera's wsrep_auto_increment_control): prompt IDs %d to %d for %d rows",
			n.Index, inc, off, minID, maxID, len(present))
		t.Logf("node %d: %d of %d acknowledged prompts present (%d rows, %d created without an acknowledgement), text selection %v, 1 key that decrypts",
			n.Index, len(ackedPrompts)-lost, len(ackedPrompts), len(present), len(present)-len(ackedPrompts)+lost, sels)
	}
	t.Logf("writes acknowledged during the load: %d (%d prompt creates)", acked, len(ackedPrompts))
}
