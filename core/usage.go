package core

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aimodels/aimodels/core/domain"
	"github.com/aimodels/aimodels/ports"
)

// Usage is the use case of the usage ledger's reports: sums by day, type
// and model from the daily rollups, the recent rows, their export, and
// the balance over time.
type Usage struct {
	store ports.UsageStore
	clock ports.Clock
}

// NewUsage returns the reports over store (nil: every report is empty).
func NewUsage(store ports.UsageStore, opts Options) *Usage {
	return &Usage{store: store, clock: opts.withDefaults().Clock}
}

// Usage page sizes.
const (
	DefaultUsagePage = 50
	MaxUsagePage     = 500
	exportPage       = 1000
)

// UsageReport sums the scope's rollups of the days in [q.From, q.To),
// grouped by q.GroupBy. Reports over any range read rollups only, never
// the raw rows.
func (u *Usage) UsageReport(ctx context.Context, scope string, q domain.UsageQuery) (domain.UsageReport, error) {
	if err := q.Validate(); err != nil {
		return domain.UsageReport{}, err
	}
	if q.GroupBy == nil {
		q.GroupBy = []string{}
	}
	if u.store == nil {
		return domain.BuildUsageReport(nil, q), nil
	}
	rs, err := u.store.UsageRollups(ctx, scopeOrDefault(scope), q.From, q.To)
	if err != nil {
		return domain.UsageReport{}, fmt.Errorf("usage report: %w", err)
	}
	return domain.BuildUsageReport(rs, q), nil
}

// UsageRequests returns one page of the scope's recent rows, newest
// first: those q selects, after cursor (a page's Next; "" to start), at
// most q.Limit (0: DefaultUsagePage; at most MaxUsagePage).
func (u *Usage) UsageRequests(ctx context.Context, scope string, q domain.UsageListQuery, cursor string) (domain.UsagePage, error) {
	switch {
	case q.Limit == 0:
		q.Limit = DefaultUsagePage
	case q.Limit < 0 || q.Limit > MaxUsagePage:
		return domain.UsagePage{}, &domain.ValidationError{Field: "limit", Reason: fmt.Sprintf("must be between 1 and %d", MaxUsagePage)}
	}
	if cursor != "" {
		c, err := parseUsageCursor(cursor)
		if err != nil {
			return domain.UsagePage{}, err
		}
		q.Before = &c
	}
	if u.store == nil {
		return domain.UsagePage{Events: []domain.UsageEvent{}}, nil
	}
	want := q.Limit
	q.Limit++ // one more says whether there is a next page
	evs, err := u.store.ListUsage(ctx, scopeOrDefault(scope), q)
	if err != nil {
		return domain.UsagePage{}, fmt.Errorf("usage requests: %w", err)
	}
	page := domain.UsagePage{Events: evs}
	if len(evs) > want {
		page.Events = evs[:want]
		last := page.Events[want-1]
		page.Next = usageCursor(last.Time, last.ID)
	}
	return page, nil
}

// ExportUsage calls each with every row of the scope in [from, to),
// newest first, a page at a time; it stops at the first error of each.
func (u *Usage) ExportUsage(ctx context.Context, scope string, from, to time.Time, each func(*domain.UsageEvent) error) error {
	if !from.Before(to) {
		return &domain.ValidationError{Field: "from", Reason: "must be before to"}
	}
	if u.store == nil {
		return nil
	}
	q := domain.UsageListQuery{From: from, To: to, Limit: exportPage}
	for {
		evs, err := u.store.ListUsage(ctx, scopeOrDefault(scope), q)
		if err != nil {
			return fmt.Errorf("usage export: %w", err)
		}
		for i := range evs {
			if err := each(&evs[i]); err != nil {
				return err
			}
		}
		if len(evs) < exportPage {
			return nil
		}
		last := evs[len(evs)-1]
		q.Before = &domain.UsageCursor{Time: last.Time, ID: last.ID}
	}
}

// maxSnapshots bounds the balance history of one answer.
const maxSnapshots = 10_000

// BalanceHistory returns the scope's balance snapshots in [from, to),
// oldest first (at most 10,000).
func (u *Usage) BalanceHistory(ctx context.Context, scope string, from, to time.Time) ([]domain.BalanceSnapshot, error) {
	if !from.Before(to) {
		return nil, &domain.ValidationError{Field: "from", Reason: "must be before to"}
	}
	if u.store == nil {
		return []domain.BalanceSnapshot{}, nil
	}
	s, err := u.store.BalanceSnapshots(ctx, scopeOrDefault(scope), from, to, maxSnapshots)
	if err != nil {
		return nil, fmt.Errorf("balance history: %w", err)
	}
	return s, nil
}

// usageCursor is the opaque cursor after the row of t and id.
func usageCursor(t time.Time, id int64) string {
	return strconv.FormatInt(t.UnixMicro(), 36) + "." + strconv.FormatInt(id, 36)
}

func parseUsageCursor(s string) (domain.UsageCursor, error) {
	bad := &domain.ValidationError{Field: "cursor", Reason: "is not a cursor this API returned"}
	a, b, ok := strings.Cut(s, ".")
	if !ok {
		return domain.UsageCursor{}, bad
	}
	us, err1 := strconv.ParseInt(a, 36, 64)
	id, err2 := strconv.ParseInt(b, 36, 64)
	if err1 != nil || err2 != nil {
		return domain.UsageCursor{}, bad
	}
	return domain.UsageCursor{Time: time.UnixMicro(us).UTC(), ID: id}, nil
}

// BurnWindowDays is the window of the burn rate.
const BurnWindowDays = 7

// snapshotEvery throttles balance snapshots per scope.
const snapshotEvery = time.Minute

// usageAccount is what Account needs of the ledger: the store for the
// burn rate and the snapshots, and when each scope last had one.
type usageAccount struct {
	store ports.UsageStore
	clock ports.Clock
	mu    sync.Mutex
	last  map[string]time.Time
}

// burn returns the burn rate of the scope over the last BurnWindowDays
// days (today and the six before) from the rollups.
func (ua *usageAccount) burn(ctx context.Context, scope string, b domain.Balance) (*domain.BurnRate, error) {
	today := domain.Day(ua.clock.Now())
	rs, err := ua.store.UsageRollups(ctx, scope, today.AddDate(0, 0, -(BurnWindowDays-1)), today.AddDate(0, 0, 1))
	if err != nil {
		return nil, err
	}
	var spent domain.Decimal
	for i := range rs {
		spent = spent.Add(rs[i].Cost)
	}
	br := domain.ComputeBurnRate(spent, BurnWindowDays, b.Balance, b.BalanceKnown)
	return &br, nil
}

// snapshot keeps b as the scope's balance now, at most once a minute.
func (ua *usageAccount) snapshot(ctx context.Context, scope string, b domain.Balance) error {
	now := ua.clock.Now()
	ua.mu.Lock()
	if last, ok := ua.last[scope]; ok && now.Sub(last) < snapshotEvery {
		ua.mu.Unlock()
		return nil
	}
	ua.last[scope] = now
	ua.mu.Unlock()
	return ua.store.SaveBalanceSnapshot(ctx, domain.BalanceSnapshot{Scope: scope, Time: now, Balance: b.Balance, Known: b.BalanceKnown, Used: b.Usage})
}

// CatalogStatus says when the catalog in memory was fetched and whether
// it is served stale (its last refresh failed), without fetching; ok is
// false before the first fetch. For metrics.
func (m *ModelManager) CatalogStatus() (fetchedAt time.Time, stale, ok bool) {
	v, ok := m.catalog.cached()
	if !ok || v.Catalog == nil {
		return time.Time{}, false, false
	}
	return v.Catalog.FetchedAt(), v.Stale, true
}
