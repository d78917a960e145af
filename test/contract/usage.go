package contract

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aimodels/aimodels/core/domain"
	"github.com/aimodels/aimodels/ports"
)

// The rules of ports.UsageStore.

func runUsage(t *testing.T, newStores Factory) {
	use := func(name string, f func(*testing.T, ports.UsageStore)) {
		t.Run(name, func(t *testing.T) {
			s := newStores(t)
			if s.Usage == nil {
				t.Skip("no UsageStore")
			}
			f(t, s.Usage)
		})
	}
	use("UsageRollupsEqualRows", testUsageRollups)
	use("UsageKeysOnce", testUsageKeysOnce)
	use("UsageList", testUsageList)
	use("UsagePrune", testUsagePrune)
	use("UsageConcurrentRollups", testUsageConcurrent)
	use("BalanceSnapshots", testBalanceSnapshots)
}

var usageBase = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

// usageEvents makes n events spread over scope's 3 days, 2 types, 2
// models and 2 outcomes, with costs of up to 10 decimal places.
func usageEvents(scope, prefix string, n int) []domain.UsageEvent {
	out := make([]domain.UsageEvent, n)
	for i := range out {
		outcome := domain.OutcomeOK
		if i%7 == 3 {
			outcome = "rate_limited"
		}
		typ := []string{"text", domain.UsageTypeExplicit}[i%2]
		out[i] = domain.UsageEvent{
			Key:   fmt.Sprintf("%s-%d", prefix, i),
			Time:  usageBase.Add(time.Duration(i%3)*24*time.Hour + time.Duration(i)*time.Second + 123456789),
			Scope: scope, Endpoint: domain.EndpointChat, Type: typ,
			RequestedModel: []string{"google/gemini-2.5-flash", "openai/gpt-4o"}[i%3%2],
			Model:          []string{"google/gemini-2.5-flash", ""}[i%5/4],
			Prompt:         "greeting", PromptVersion: i % 4,
			Tokens:  domain.UsageTokens{Prompt: int64(10 + i), Completion: int64(i % 13), Cached: int64(i % 3), Reasoning: 1, Audio: 2, Image: 3},
			Cost:    domain.MustDecimal(fmt.Sprintf("0.%010d", 669+i*1_000_003)),
			Latency: time.Duration(i*37) * time.Millisecond, TTFT: time.Duration(i) * time.Millisecond,
			Outcome: outcome, GenerationID: fmt.Sprintf("gen-%d", i), Provider: "Google", AudioSeconds: 0.5,
		}
	}
	return out
}

func sumCost(events []domain.UsageEvent) domain.Decimal {
	var d domain.Decimal
	for i := range events {
		d = d.Add(events[i].Cost)
	}
	return d
}

func sumRollups(rs []domain.UsageRollup) domain.UsageRollup {
	var total domain.UsageRollup
	for i := range rs {
		total.Add(&rs[i])
	}
	return total
}

// rollupsEqual compares rollups by key and sums (times as UTC days).
func rollupsEqual(t *testing.T, got, want []domain.UsageRollup, what string) {
	t.Helper()
	sortR := func(rs []domain.UsageRollup) {
		slices.SortFunc(rs, func(a, b domain.UsageRollup) int {
			return strings.Compare(fmt.Sprint(a.Day.Unix(), a.Type, a.Model, a.Outcome), fmt.Sprint(b.Day.Unix(), b.Type, b.Model, b.Outcome))
		})
	}
	sortR(got)
	sortR(want)
	if len(got) != len(want) {
		t.Fatalf("%s: %d rollups, want %d", what, len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if !g.Day.Equal(w.Day) || g.Scope != w.Scope || g.Type != w.Type || g.Model != w.Model || g.Outcome != w.Outcome ||
			g.Requests != w.Requests || g.Tokens != w.Tokens || !g.Cost.Equal(w.Cost) || g.Latency != w.Latency ||
			fmt.Sprintf("%.6f", g.AudioSeconds) != fmt.Sprintf("%.6f", w.AudioSeconds) {
			t.Fatalf("%s: rollup %d = %+v, want %+v", what, i, g, w)
		}
	}
}

// testUsageRollups: the rollups of inserted events equal the sums of the
// rows, per scope, day, type, model and outcome, costs exactly; ids are set.
func testUsageRollups(t *testing.T, s ports.UsageStore) {
	ctx := ctxT(t)
	must(t, s.InsertUsage(ctx, nil), "insert nothing")
	a := usageEvents("u-a", "a", 120)
	b := usageEvents("u-b", "b", 30)
	for start := 0; start < len(a); start += 50 {
		batch := a[start:min(start+50, len(a))]
		must(t, s.InsertUsage(ctx, batch), "insert a batch")
		for i := range batch {
			if batch[i].ID == 0 {
				t.Fatalf("insert did not set the id of %s", batch[i].Key)
			}
		}
	}
	must(t, s.InsertUsage(ctx, b), "insert scope b")

	got, err := s.UsageRollups(ctx, "u-a", usageBase.Add(-24*time.Hour), usageBase.Add(10*24*time.Hour))
	must(t, err, "rollups")
	rollupsEqual(t, got, domain.RollupEvents(a), "rollups of scope a")
	if total := sumRollups(got); !total.Cost.Equal(sumCost(a)) || total.Requests != int64(len(a)) {
		t.Fatalf("rollups total %s over %d requests, rows %s over %d", total.Cost, total.Requests, sumCost(a), len(a))
	}
	// The range selects whole days: [day 1, day 2) is day 1 alone.
	day1 := domain.Day(usageBase).Add(24 * time.Hour)
	one, err := s.UsageRollups(ctx, "u-a", day1, day1.Add(24*time.Hour))
	must(t, err, "rollups of one day")
	var want []domain.UsageEvent
	for _, e := range a {
		if domain.Day(e.Time).Equal(day1) {
			want = append(want, e)
		}
	}
	rollupsEqual(t, one, domain.RollupEvents(want), "rollups of day 1")
	// A `to` within a day includes that day.
	mid, err := s.UsageRollups(ctx, "u-a", day1.Add(time.Hour), day1.Add(2*time.Hour))
	must(t, err, "rollups of part of a day")
	rollupsEqual(t, mid, domain.RollupEvents(want), "rollups of part of day 1")

	none, err := s.UsageRollups(ctx, "u-nobody", usageBase, usageBase.Add(24*time.Hour))
	must(t, err, "rollups of an empty scope")
	if len(none) != 0 {
		t.Fatalf("an empty scope has rollups %+v", none)
	}
	gotB, err := s.UsageRollups(ctx, "u-b", usageBase.Add(-24*time.Hour), usageBase.Add(10*24*time.Hour))
	must(t, err, "rollups of scope b")
	rollupsEqual(t, gotB, domain.RollupEvents(b), "rollups of scope b")

	wantValidation(t, s.InsertUsage(ctx, []domain.UsageEvent{{Scope: "u-a", Time: usageBase, Outcome: "ok"}}), "insert without key")
	wantValidation(t, s.InsertUsage(ctx, []domain.UsageEvent{{Key: "long", Scope: strings.Repeat("s", 65), Time: usageBase, Outcome: "ok"}}), "insert with a scope too long")
	// A model or provider longer than the store's columns does not fail the batch.
	long := usageEvents("u-long", "long", 1)
	long[0].Model, long[0].Provider, long[0].GenerationID = strings.Repeat("m", 400), strings.Repeat("p", 300), strings.Repeat("g", 300)
	must(t, s.InsertUsage(ctx, long), "insert with long names")
	rows, err := s.ListUsage(ctx, "u-long", domain.UsageListQuery{Limit: 10})
	must(t, err, "list long")
	if len(rows) != 1 || !strings.HasPrefix(rows[0].Model, "mmmm") {
		t.Fatalf("long names: %+v", rows)
	}
}

// testUsageKeysOnce: a batch inserted again (a retried write) is stored
// and counted once, and a batch repeating a key inside itself too.
func testUsageKeysOnce(t *testing.T, s ports.UsageStore) {
	ctx := ctxT(t)
	ev := usageEvents("u-once", "once", 20)
	must(t, s.InsertUsage(ctx, ev), "insert")
	again := usageEvents("u-once", "once", 25) // 20 stored already, 5 new
	again = append(again, again[24])           // and one twice in the batch
	must(t, s.InsertUsage(ctx, again), "insert again")
	all := usageEvents("u-once", "once", 25)
	got, err := s.UsageRollups(ctx, "u-once", usageBase.Add(-24*time.Hour), usageBase.Add(10*24*time.Hour))
	must(t, err, "rollups")
	rollupsEqual(t, got, domain.RollupEvents(all), "rollups after a repeated batch")
	rows, err := s.ListUsage(ctx, "u-once", domain.UsageListQuery{Limit: 100})
	must(t, err, "list")
	if len(rows) != 25 {
		t.Fatalf("%d rows, want 25", len(rows))
	}
}

// testUsageList: newest first, filters, cursor paging visits every row
// once, content round-trips.
func testUsageList(t *testing.T, s ports.UsageStore) {
	ctx := ctxT(t)
	ev := usageEvents("u-list", "list", 60)
	// Two events at the very same time: the id orders them.
	ev[1].Time = ev[0].Time
	must(t, s.InsertUsage(ctx, ev), "insert")
	must(t, s.InsertUsage(ctx, usageEvents("u-other", "other", 5)), "insert another scope")
	_, err := s.ListUsage(ctx, "u-list", domain.UsageListQuery{})
	wantValidation(t, err, "list with limit 0")

	seen := map[string]bool{}
	var q domain.UsageListQuery
	q.Limit = 7
	var last *domain.UsageEvent
	for pages := 0; ; pages++ {
		page, err := s.ListUsage(ctx, "u-list", q)
		must(t, err, "list a page")
		for i := range page {
			e := page[i]
			if seen[e.Key] {
				t.Fatalf("%s listed twice", e.Key)
			}
			seen[e.Key] = true
			if last != nil && (e.Time.After(last.Time) || (e.Time.Equal(last.Time) && e.ID > last.ID)) {
				t.Fatalf("not newest first: %v/%d after %v/%d", e.Time, e.ID, last.Time, last.ID)
			}
			last = &page[i]
		}
		if len(page) < q.Limit {
			break
		}
		q.Before = &domain.UsageCursor{Time: last.Time, ID: last.ID}
		if pages > 20 {
			t.Fatal("paging does not end")
		}
	}
	if len(seen) != len(ev) {
		t.Fatalf("paging saw %d events, want %d", len(seen), len(ev))
	}

	one, err := s.ListUsage(ctx, "u-list", domain.UsageListQuery{Limit: 100, Outcome: "rate_limited", Type: "text"})
	must(t, err, "filter")
	n := 0
	for _, e := range ev {
		if e.Outcome == "rate_limited" && e.Type == "text" {
			n++
		}
	}
	if len(one) != n || n == 0 {
		t.Fatalf("outcome+type filter: %d rows, want %d", len(one), n)
	}
	byModel, err := s.ListUsage(ctx, "u-list", domain.UsageListQuery{Limit: 100, Model: "openai/gpt-4o"})
	must(t, err, "filter by model")
	for _, e := range byModel {
		if e.Model != "openai/gpt-4o" && e.RequestedModel != "openai/gpt-4o" {
			t.Fatalf("model filter let %+v through", e)
		}
	}
	if len(byModel) == 0 {
		t.Fatal("model filter found nothing")
	}
	day0 := domain.Day(usageBase)
	ranged, err := s.ListUsage(ctx, "u-list", domain.UsageListQuery{Limit: 100, From: day0, To: day0.Add(24 * time.Hour)})
	must(t, err, "filter by time")
	if len(ranged) != 21 { // 20 of day 0, and ev[1] moved to ev[0]'s time
		t.Fatalf("time range: %d rows, want 21", len(ranged))
	}

	// Every field round-trips (time to the microsecond, UTC).
	want := ev[5]
	var got *domain.UsageEvent
	all, err := s.ListUsage(ctx, "u-list", domain.UsageListQuery{Limit: 100})
	must(t, err, "list all")
	for i := range all {
		if all[i].Key == want.Key {
			got = &all[i]
		}
	}
	if got == nil {
		t.Fatal("event missing")
	}
	want.ID = got.ID
	want.Time = want.Time.Truncate(time.Microsecond)
	if got.Time.Location() != time.UTC || !got.Time.Equal(want.Time) || !got.Cost.Equal(want.Cost) {
		t.Fatalf("time or cost: %v %s, want %v %s", got.Time, got.Cost, want.Time, want.Cost)
	}
	got.Time, got.Cost = want.Time, want.Cost
	if fmt.Sprintf("%+v", *got) != fmt.Sprintf("%+v", want) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", *got, want)
	}
}

// testUsagePrune: prune deletes old rows of every scope and keeps the rollups.
func testUsagePrune(t *testing.T, s ports.UsageStore) {
	ctx := ctxT(t)
	ev := usageEvents("u-prune", "prune", 30)
	must(t, s.InsertUsage(ctx, ev), "insert")
	must(t, s.InsertUsage(ctx, usageEvents("u-prune2", "prune2", 30)), "insert another scope")
	cut := domain.Day(usageBase).Add(24 * time.Hour) // day 0 goes
	n, err := s.PruneUsage(ctx, cut)
	must(t, err, "prune")
	if n != 20 {
		t.Fatalf("pruned %d, want 20 (10 per scope)", n)
	}
	rows, err := s.ListUsage(ctx, "u-prune", domain.UsageListQuery{Limit: 100})
	must(t, err, "list")
	if len(rows) != 20 {
		t.Fatalf("%d rows after prune, want 20", len(rows))
	}
	for _, e := range rows {
		if e.Time.Before(cut) {
			t.Fatalf("row %v kept", e.Time)
		}
	}
	got, err := s.UsageRollups(ctx, "u-prune", usageBase.Add(-24*time.Hour), usageBase.Add(10*24*time.Hour))
	must(t, err, "rollups")
	rollupsEqual(t, got, domain.RollupEvents(ev), "rollups after prune")
	n, err = s.PruneUsage(ctx, cut)
	must(t, err, "prune again")
	if n != 0 {
		t.Fatalf("pruned %d again", n)
	}
}

// testUsageConcurrent: writers adding to the same rollups at once lose
// nothing (on MySQL the rollup rows are read FOR UPDATE).
func testUsageConcurrent(t *testing.T, s ports.UsageStore) {
	ctx := ctxT(t)
	const writers, batches, per = 4, 5, 20
	var wg sync.WaitGroup
	errs := make(chan error, writers*batches)
	var all []domain.UsageEvent
	var mu sync.Mutex
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range batches {
				ev := usageEvents("u-conc", fmt.Sprintf("w%d-b%d", w, b), per)
				mu.Lock()
				all = append(all, ev...)
				mu.Unlock()
				if err := s.InsertUsage(ctx, ev); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent insert: %v", err)
	}
	got, err := s.UsageRollups(ctx, "u-conc", usageBase.Add(-24*time.Hour), usageBase.Add(10*24*time.Hour))
	must(t, err, "rollups")
	rollupsEqual(t, got, domain.RollupEvents(all), "rollups after concurrent writers")
}

// testBalanceSnapshots: stored with their scope, listed oldest first in
// the range, at most limit.
func testBalanceSnapshots(t *testing.T, s ports.UsageStore) {
	ctx := ctxT(t)
	for i := range 5 {
		must(t, s.SaveBalanceSnapshot(ctx, domain.BalanceSnapshot{Scope: "u-bal", Time: usageBase.Add(time.Duration(4-i) * time.Hour),
			Balance: domain.MustDecimal(fmt.Sprintf("239.26%d", i)), Known: i != 2, Used: domain.MustDecimal("60.73895567")}), "save snapshot")
	}
	must(t, s.SaveBalanceSnapshot(ctx, domain.BalanceSnapshot{Scope: "u-bal2", Time: usageBase, Balance: domain.MustDecimal("1")}), "save another scope")
	got, err := s.BalanceSnapshots(ctx, "u-bal", usageBase, usageBase.Add(4*time.Hour), 0)
	must(t, err, "snapshots")
	if len(got) != 4 {
		t.Fatalf("%d snapshots in range, want 4", len(got))
	}
	for i := 1; i < len(got); i++ {
		if !got[i].Time.After(got[i-1].Time) {
			t.Fatalf("not oldest first: %+v", got)
		}
	}
	if got[0].Balance.String() != "239.264" || !got[0].Known || got[0].Used.String() != "60.73895567" || got[0].Scope != "u-bal" {
		t.Fatalf("first snapshot %+v", got[0])
	}
	if got[2].Known {
		t.Fatalf("unknown balance stored as known: %+v", got[2])
	}
	lim, err := s.BalanceSnapshots(ctx, "u-bal", usageBase, usageBase.Add(24*time.Hour), 2)
	must(t, err, "snapshots with limit")
	if len(lim) != 2 {
		t.Fatalf("limit 2 gave %d", len(lim))
	}
}
