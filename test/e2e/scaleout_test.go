package e2e

import (
	"database/sql"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aimodels/aimodels/test/contract"
	of "github.com/aimodels/aimodels/test/openroutertest"
)

// TestScaleOut runs two servers on one MySQL database (sharing the
// keyset) with AIMODELS_SETTINGS_TTL=1s: what A stores, B uses within the
// TTL, and concurrent autosaves through both leave one row per type.
func TestScaleOut(t *testing.T) {
	t.Parallel()
	dsn := contract.FreshMySQL(t) // skips, naming the variable, without MySQL
	fake := newFake(t)
	dir := t.TempDir()
	o := opts{dataDir: dir, mysqlDSN: dsn, upstream: fake.URL(), env: []string{"AIMODELS_SETTINGS_TTL=1s"}}
	a := start(t, o) // generates the keyset B then loads
	b := start(t, o)
	defer a.stop(t)
	defer b.stop(t)

	chat := req{method: "POST", path: "/api/v1/chat/completions", body: []byte(`{"model":"text","messages":[{"role":"user","content":"hi"}]}`)}
	// B looks first and caches "no key".
	if r := b.do(t, chat); r.status != 400 || r.errCode(t) != "no_api_key" {
		t.Fatalf("B before any key: %d %s, want 400 no_api_key", r.status, r.body)
	}

	// waitB polls B's chat with model "text" until it reaches the fake
	// with model; it must within the TTL plus slack.
	waitB := func(model string) {
		t.Helper()
		stored := time.Now()
		for {
			fake.Reset()
			r := b.do(t, chat)
			if r.status == 200 {
				if up := lastUpstream(t, fake, of.RouteChat); up.Model == model && up.Auth == "Bearer "+of.DefaultAPIKey {
					t.Logf("B used %s %v after A saved it", model, time.Since(stored).Round(time.Millisecond))
					return
				}
			}
			if time.Since(stored) > 3*time.Second {
				t.Fatalf("B did not use %s within 3 s of A saving it (TTL 1 s): last %d %s", model, r.status, tail(string(r.body), 300))
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	a.storeKey(t, of.DefaultAPIKey)
	a.saveSelection(t, map[string]string{"text": "openai/gpt-4o-mini"})
	waitB("openai/gpt-4o-mini")
	a.saveSelection(t, map[string]string{"text": "openai/gpt-3.5-turbo"})
	waitB("openai/gpt-3.5-turbo")

	// Concurrent autosaves: 20 through each server.
	texts := []string{"openai/gpt-4o-mini", "openai/gpt-3.5-turbo", "openai/gpt-4o"}
	images := []string{"openai/gpt-4o", "openai/gpt-4o-mini"}
	var wg sync.WaitGroup
	errs := make(chan string, 40)
	for si, s := range []*server{a, b} {
		for i := range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				body := mustJSON(map[string]string{"text": texts[(i+si)%len(texts)], "image": images[i%len(images)], "audio": "openai/whisper-1"})
				r := s.do(t, req{method: "PUT", path: "/api/v1/settings/openrouter/selection", body: body})
				if r.status != 200 {
					errs <- fmt.Sprintf("server %d save %d: %d %s", si, i, r.status, tail(string(r.body), 200))
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query("SELECT model_type, COUNT(*), MAX(model_id) FROM openrouter_models GROUP BY model_type ORDER BY model_type")
	if err != nil {
		t.Fatal(err)
	}
	inDB := map[string]string{}
	for rows.Next() {
		var typ, id string
		var n int
		if err := rows.Scan(&typ, &n, &id); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("openrouter_models holds %d rows for %s, want 1", n, typ)
		}
		inDB[typ] = id
	}
	rows.Close()
	if len(inDB) != 3 {
		t.Fatalf("openrouter_models types: %v, want text, image and audio", inDB)
	}
	time.Sleep(1200 * time.Millisecond) // past the settings TTL
	for name, s := range map[string]*server{"A": a, "B": b} {
		sel := s.selection(t)
		for typ, id := range inDB {
			if e := sel[typ]; e.ModelID != id || !e.Saved {
				t.Errorf("%s shows %s = %+v; the database holds %s", name, typ, e, id)
			}
		}
	}
}
