package memstore

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"github.com/aimodels/aimodels/core/domain"
)

// usageData is the usage ledger of a Store; s.mu guards it.
type usageData struct {
	events    []domain.UsageEvent
	keys      map[string]bool
	rollups   map[domain.RollupKey]*domain.UsageRollup
	snapshots []domain.BalanceSnapshot
	lastID    int64
}

func (u *usageData) init() {
	if u.keys == nil {
		u.keys = map[string]bool{}
		u.rollups = map[domain.RollupKey]*domain.UsageRollup{}
	}
}

// InsertUsage stores events and adds them to their daily rollups, all or
// none (ports.UsageStore); an event whose Key is stored already is skipped.
func (s *Store) InsertUsage(ctx context.Context, events []domain.UsageEvent) error {
	if err := s.begin(ctx, "InsertUsage"); err != nil {
		return err
	}
	defer s.mu.Unlock()
	u := &s.usage
	u.init()
	norm := make([]domain.UsageEvent, 0, len(events))
	seen := map[string]bool{}
	for i := range events {
		e := events[i]
		if e.Key == "" {
			return &domain.ValidationError{Field: "key", Reason: "every usage event needs a key"}
		}
		scope, err := normScope(e.Scope)
		if err != nil {
			return err
		}
		e.Scope = scope
		e.Time = e.Time.UTC().Truncate(time.Microsecond)
		norm = append(norm, e)
	}
	for i := range norm {
		e := &norm[i]
		if u.keys[e.Key] || seen[e.Key] {
			continue
		}
		seen[e.Key] = true
		u.lastID++
		e.ID = u.lastID
		events[i].ID = e.ID
		u.events = append(u.events, *e)
		u.keys[e.Key] = true
		k := domain.RollupOf(e)
		r := u.rollups[k]
		if r == nil {
			r = &domain.UsageRollup{Scope: k.Scope, Day: k.Day, Type: k.Type, Model: k.Model, Outcome: k.Outcome}
			u.rollups[k] = r
		}
		r.AddEvent(e)
	}
	return nil
}

// UsageRollups returns the scope's rollups of the days in [from, to)
// (ports.UsageStore).
func (s *Store) UsageRollups(ctx context.Context, scope string, from, to time.Time) ([]domain.UsageRollup, error) {
	if err := s.begin(ctx, "UsageRollups"); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	scope, err := normScope(scope)
	if err != nil {
		return nil, err
	}
	out := []domain.UsageRollup{}
	for k, r := range s.usage.rollups {
		if k.Scope == scope && !k.Day.Before(domain.Day(from)) && k.Day.Before(to) {
			out = append(out, *r)
		}
	}
	slices.SortFunc(out, func(a, b domain.UsageRollup) int {
		return cmp.Or(a.Day.Compare(b.Day), strings.Compare(a.Type, b.Type), strings.Compare(a.Model, b.Model), strings.Compare(a.Outcome, b.Outcome))
	})
	return out, nil
}

// ListUsage returns the scope's events q selects, newest first
// (ports.UsageStore).
func (s *Store) ListUsage(ctx context.Context, scope string, q domain.UsageListQuery) ([]domain.UsageEvent, error) {
	if err := s.begin(ctx, "ListUsage"); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	scope, err := normScope(scope)
	if err != nil {
		return nil, err
	}
	if q.Limit < 1 {
		return nil, &domain.ValidationError{Field: "limit", Reason: "must be at least 1"}
	}
	out := []domain.UsageEvent{}
	for _, e := range s.usage.events {
		switch {
		case e.Scope != scope,
			!q.From.IsZero() && e.Time.Before(q.From),
			!q.To.IsZero() && !e.Time.Before(q.To),
			q.Type != "" && e.Type != q.Type,
			q.Model != "" && e.Model != q.Model && e.RequestedModel != q.Model,
			q.Outcome != "" && e.Outcome != q.Outcome,
			q.Before != nil && !olderThan(&e, q.Before):
			continue
		}
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b domain.UsageEvent) int {
		return cmp.Or(b.Time.Compare(a.Time), cmp.Compare(b.ID, a.ID))
	})
	if len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return out, nil
}

func olderThan(e *domain.UsageEvent, c *domain.UsageCursor) bool {
	return e.Time.Before(c.Time) || (e.Time.Equal(c.Time) && e.ID < c.ID)
}

// SaveBalanceSnapshot stores a balance snapshot (ports.UsageStore).
func (s *Store) SaveBalanceSnapshot(ctx context.Context, b domain.BalanceSnapshot) error {
	if err := s.begin(ctx, "SaveBalanceSnapshot"); err != nil {
		return err
	}
	defer s.mu.Unlock()
	scope, err := normScope(b.Scope)
	if err != nil {
		return err
	}
	b.Scope = scope
	b.Time = b.Time.UTC().Truncate(time.Microsecond)
	s.usage.snapshots = append(s.usage.snapshots, b)
	return nil
}

// BalanceSnapshots returns the scope's snapshots in [from, to), oldest
// first (ports.UsageStore).
func (s *Store) BalanceSnapshots(ctx context.Context, scope string, from, to time.Time, limit int) ([]domain.BalanceSnapshot, error) {
	if err := s.begin(ctx, "BalanceSnapshots"); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	scope, err := normScope(scope)
	if err != nil {
		return nil, err
	}
	out := []domain.BalanceSnapshot{}
	for _, b := range s.usage.snapshots {
		if b.Scope == scope && !b.Time.Before(from) && b.Time.Before(to) {
			out = append(out, b)
		}
	}
	slices.SortStableFunc(out, func(a, b domain.BalanceSnapshot) int { return a.Time.Compare(b.Time) })
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// PruneUsage deletes the events older than before, keeping the rollups
// (ports.UsageStore).
func (s *Store) PruneUsage(ctx context.Context, before time.Time) (int64, error) {
	if err := s.begin(ctx, "PruneUsage"); err != nil {
		return 0, err
	}
	defer s.mu.Unlock()
	kept := s.usage.events[:0]
	var n int64
	for _, e := range s.usage.events {
		if e.Time.Before(before) {
			n++
			delete(s.usage.keys, e.Key)
			continue
		}
		kept = append(kept, e)
	}
	clear(s.usage.events[len(kept):])
	s.usage.events = kept
	return n, nil
}
