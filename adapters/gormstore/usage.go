package gormstore

import (
	"context"

	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/aimodels/aimodels/core/domain"
)

// The usage ledger's tables (migration 3). Times are integer microseconds
// since the Unix epoch (at_us), which order and compare the same on every
// driver; costs are the exact decimal text; a rollup's day is its UTC
// date as YYYY-MM-DD. A rollup's latency_hist is the comma list of the
// counts of domain.LatencyHistogram's fixed buckets.
var usageSQLite = []string{
	`CREATE TABLE IF NOT EXISTS usage_events (
		id INTEGER PRIMARY KEY AUTOINCREMENT,
		event_key VARCHAR(64) NOT NULL,
		scope VARCHAR(64) NOT NULL DEFAULT 'default',
		at_us BIGINT NOT NULL,
		endpoint VARCHAR(16) NOT NULL,
		model_type VARCHAR(16) NOT NULL,
		requested_model VARCHAR(255) NOT NULL DEFAULT '',
		model VARCHAR(255) NOT NULL DEFAULT '',
		prompt VARCHAR(200) NOT NULL DEFAULT '',
		prompt_version INTEGER NOT NULL DEFAULT 0,
		prompt_tokens BIGINT NOT NULL DEFAULT 0,
		completion_tokens BIGINT NOT NULL DEFAULT 0,
		cached_tokens BIGINT NOT NULL DEFAULT 0,
		reasoning_tokens BIGINT NOT NULL DEFAULT 0,
		audio_tokens BIGINT NOT NULL DEFAULT 0,
		image_tokens BIGINT NOT NULL DEFAULT 0,
		cost VARCHAR(48) NOT NULL DEFAULT '0',
		audio_seconds DOUBLE NOT NULL DEFAULT 0,
		latency_us BIGINT NOT NULL DEFAULT 0,
		ttft_us BIGINT NOT NULL DEFAULT 0,
		outcome VARCHAR(48) NOT NULL,
		generation_id VARCHAR(128) NOT NULL DEFAULT '',
		provider VARCHAR(128) NOT NULL DEFAULT '')`,
	`CREATE UNIQUE INDEX IF NOT EXISTS uq_usage_events_key ON usage_events (event_key)`,
	`CREATE INDEX IF NOT EXISTS idx_usage_events_scope_at ON usage_events (scope, at_us, id)`,
	`CREATE INDEX IF NOT EXISTS idx_usage_events_at ON usage_events (at_us)`,
	`CREATE TABLE IF NOT EXISTS usage_daily (
		id INTEGER PRIMARY KEY AUTOINCREMENT,
		scope VARCHAR(64) NOT NULL DEFAULT 'default',
		day VARCHAR(10) NOT NULL,
		model_type VARCHAR(16) NOT NULL,
		model VARCHAR(255) NOT NULL DEFAULT '',
		outcome VARCHAR(48) NOT NULL,
		requests BIGINT NOT NULL DEFAULT 0,
		prompt_tokens BIGINT NOT NULL DEFAULT 0,
		completion_tokens BIGINT NOT NULL DEFAULT 0,
		cached_tokens BIGINT NOT NULL DEFAULT 0,
		reasoning_tokens BIGINT NOT NULL DEFAULT 0,
		audio_tokens BIGINT NOT NULL DEFAULT 0,
		image_tokens BIGINT NOT NULL DEFAULT 0,
		cost VARCHAR(48) NOT NULL DEFAULT '0',
		audio_seconds DOUBLE NOT NULL DEFAULT 0,
		latency_hist VARCHAR(400) NOT NULL DEFAULT '',
		updated_at DATETIME NOT NULL)`,
	`CREATE UNIQUE INDEX IF NOT EXISTS uq_usage_daily_key ON usage_daily (scope, day, model_type, model, outcome)`,
	`CREATE TABLE IF NOT EXISTS balance_snapshots (
		id INTEGER PRIMARY KEY AUTOINCREMENT,
		scope VARCHAR(64) NOT NULL DEFAULT 'default',
		at_us BIGINT NOT NULL,
		balance VARCHAR(48) NOT NULL DEFAULT '0',
		known INTEGER NOT NULL DEFAULT 0,
		used VARCHAR(48) NOT NULL DEFAULT '0')`,
	`CREATE INDEX IF NOT EXISTS idx_balance_snapshots_scope_at ON balance_snapshots (scope, at_us)`,
}

// On MySQL the indexes are inline, so that CREATE TABLE IF NOT EXISTS
// makes each table whole or not at all (DDL commits implicitly). Index
// sizes: (64+10+16+255+48)*4 = 1572 bytes, within InnoDB's 3072.
var usageMySQL = []string{
	`CREATE TABLE IF NOT EXISTS usage_events (
		id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
		event_key VARCHAR(64) NOT NULL,
		scope VARCHAR(64) NOT NULL DEFAULT 'default',
		at_us BIGINT NOT NULL,
		endpoint VARCHAR(16) NOT NULL,
		model_type VARCHAR(16) NOT NULL,
		requested_model VARCHAR(255) NOT NULL DEFAULT '',
		model VARCHAR(255) NOT NULL DEFAULT '',
		prompt VARCHAR(200) NOT NULL DEFAULT '',
		prompt_version INT NOT NULL DEFAULT 0,
		prompt_tokens BIGINT NOT NULL DEFAULT 0,
		completion_tokens BIGINT NOT NULL DEFAULT 0,
		cached_tokens BIGINT NOT NULL DEFAULT 0,
		reasoning_tokens BIGINT NOT NULL DEFAULT 0,
		audio_tokens BIGINT NOT NULL DEFAULT 0,
		image_tokens BIGINT NOT NULL DEFAULT 0,
		cost VARCHAR(48) NOT NULL DEFAULT '0',
		audio_seconds DOUBLE NOT NULL DEFAULT 0,
		latency_us BIGINT NOT NULL DEFAULT 0,
		ttft_us BIGINT NOT NULL DEFAULT 0,
		outcome VARCHAR(48) NOT NULL,
		generation_id VARCHAR(128) NOT NULL DEFAULT '',
		provider VARCHAR(128) NOT NULL DEFAULT '',
		UNIQUE KEY uq_usage_events_key (event_key),
		KEY idx_usage_events_scope_at (scope, at_us, id),
		KEY idx_usage_events_at (at_us)
	) ENGINE=InnoDB ROW_FORMAT=DYNAMIC DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
	`CREATE TABLE IF NOT EXISTS usage_daily (
		id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
		scope VARCHAR(64) NOT NULL DEFAULT 'default',
		day VARCHAR(10) NOT NULL,
		model_type VARCHAR(16) NOT NULL,
		model VARCHAR(255) NOT NULL DEFAULT '',
		outcome VARCHAR(48) NOT NULL,
		requests BIGINT NOT NULL DEFAULT 0,
		prompt_tokens BIGINT NOT NULL DEFAULT 0,
		completion_tokens BIGINT NOT NULL DEFAULT 0,
		cached_tokens BIGINT NOT NULL DEFAULT 0,
		reasoning_tokens BIGINT NOT NULL DEFAULT 0,
		audio_tokens BIGINT NOT NULL DEFAULT 0,
		image_tokens BIGINT NOT NULL DEFAULT 0,
		cost VARCHAR(48) NOT NULL DEFAULT '0',
		audio_seconds DOUBLE NOT NULL DEFAULT 0,
		latency_hist VARCHAR(400) NOT NULL DEFAULT '',
		updated_at DATETIME(6) NOT NULL,
		UNIQUE KEY uq_usage_daily_key (scope, day, model_type, model, outcome)
	) ENGINE=InnoDB ROW_FORMAT=DYNAMIC DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
	`CREATE TABLE IF NOT EXISTS balance_snapshots (
		id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
		scope VARCHAR(64) NOT NULL DEFAULT 'default',
		at_us BIGINT NOT NULL,
		balance VARCHAR(48) NOT NULL DEFAULT '0',
		known TINYINT NOT NULL DEFAULT 0,
		used VARCHAR(48) NOT NULL DEFAULT '0',
		KEY idx_balance_snapshots_scope_at (scope, at_us)
	) ENGINE=InnoDB ROW_FORMAT=DYNAMIC DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
}

// usageEventRow is a row of usage_events.
type usageEventRow struct {
	ID               int64 `gorm:"primaryKey"`
	EventKey         string
	Scope            string
	AtUs             int64
	Endpoint         string
	ModelType        string
	RequestedModel   string
	Model            string
	Prompt           string
	PromptVersion    int
	PromptTokens     int64
	CompletionTokens int64
	CachedTokens     int64
	ReasoningTokens  int64
	AudioTokens      int64
	ImageTokens      int64
	Cost             string
	AudioSeconds     float64
	LatencyUs        int64
	TtftUs           int64
	Outcome          string
	GenerationID     string `gorm:"column:generation_id"`
	Provider         string
}

func (usageEventRow) TableName() string { return "usage_events" }

// usageDailyRow is a row of usage_daily.
type usageDailyRow struct {
	ID               int64 `gorm:"primaryKey"`
	Scope            string
	Day              string
	ModelType        string
	Model            string
	Outcome          string
	Requests         int64
	PromptTokens     int64
	CompletionTokens int64
	CachedTokens     int64
	ReasoningTokens  int64
	AudioTokens      int64
	ImageTokens      int64
	Cost             string
	AudioSeconds     float64
	LatencyHist      string
	UpdatedAt        time.Time
}

func (usageDailyRow) TableName() string { return "usage_daily" }

// balanceSnapshotRow is a row of balance_snapshots.
type balanceSnapshotRow struct {
	ID      int64 `gorm:"primaryKey"`
	Scope   string
	AtUs    int64
	Balance string
	Known   bool
	Used    string
}

func (balanceSnapshotRow) TableName() string { return "balance_snapshots" }

const dayLayout = "2006-01-02"

func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

// clip shortens s to at most n bytes on a rune boundary: what the
// upstream names (models, providers, ids) must never make a row fail.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

func eventRow(e *domain.UsageEvent, scope string) usageEventRow {
	t := e.Tokens
	return usageEventRow{
		EventKey: clip(e.Key, 64), Scope: scope, AtUs: micros(e.Time), Endpoint: clip(string(e.Endpoint), 16),
		ModelType: clip(e.Type, 16), RequestedModel: clip(e.RequestedModel, 255), Model: clip(e.Model, 255),
		Prompt: clip(e.Prompt, 200), PromptVersion: e.PromptVersion,
		PromptTokens: t.Prompt, CompletionTokens: t.Completion, CachedTokens: t.Cached, ReasoningTokens: t.Reasoning,
		AudioTokens: t.Audio, ImageTokens: t.Image, Cost: e.Cost.String(), AudioSeconds: e.AudioSeconds,
		LatencyUs: e.Latency.Microseconds(), TtftUs: e.TTFT.Microseconds(), Outcome: clip(e.Outcome, 48),
		GenerationID: clip(e.GenerationID, 128), Provider: clip(e.Provider, 128),
	}
}

func (r *usageEventRow) toDomain() domain.UsageEvent {
	cost, _ := domain.ParseDecimal(r.Cost)
	return domain.UsageEvent{
		ID: r.ID, Key: r.EventKey, Time: fromMicros(r.AtUs), Scope: r.Scope, Endpoint: domain.UsageEndpoint(r.Endpoint),
		Type: r.ModelType, RequestedModel: r.RequestedModel, Model: r.Model, Prompt: r.Prompt, PromptVersion: r.PromptVersion,
		Tokens: domain.UsageTokens{Prompt: r.PromptTokens, Completion: r.CompletionTokens, Cached: r.CachedTokens,
			Reasoning: r.ReasoningTokens, Audio: r.AudioTokens, Image: r.ImageTokens},
		Cost: cost, AudioSeconds: r.AudioSeconds, Latency: time.Duration(r.LatencyUs) * time.Microsecond,
		TTFT: time.Duration(r.TtftUs) * time.Microsecond, Outcome: r.Outcome, GenerationID: r.GenerationID, Provider: r.Provider,
	}
}

func histText(h domain.LatencyHistogram) string {
	var b strings.Builder
	for i, c := range h {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(c, 10))
	}
	return b.String()
}

func parseHist(s string) domain.LatencyHistogram {
	var h domain.LatencyHistogram
	for i, p := range strings.Split(s, ",") {
		if i >= len(h) {
			break
		}
		h[i], _ = strconv.ParseInt(p, 10, 64)
	}
	return h
}

func (r *usageDailyRow) toDomain() domain.UsageRollup {
	day, _ := time.Parse(dayLayout, r.Day)
	cost, _ := domain.ParseDecimal(r.Cost)
	return domain.UsageRollup{
		Scope: r.Scope, Day: day.UTC(), Type: r.ModelType, Model: r.Model, Outcome: r.Outcome, Requests: r.Requests,
		Tokens: domain.UsageTokens{Prompt: r.PromptTokens, Completion: r.CompletionTokens, Cached: r.CachedTokens,
			Reasoning: r.ReasoningTokens, Audio: r.AudioTokens, Image: r.ImageTokens},
		Cost: cost, AudioSeconds: r.AudioSeconds, Latency: parseHist(r.LatencyHist),
	}
}

func (r *usageDailyRow) set(u *domain.UsageRollup, now time.Time) {
	t := u.Tokens
	r.Requests, r.PromptTokens, r.CompletionTokens, r.CachedTokens = u.Requests, t.Prompt, t.Completion, t.Cached
	r.ReasoningTokens, r.AudioTokens, r.ImageTokens = t.Reasoning, t.Audio, t.Image
	r.Cost, r.AudioSeconds, r.LatencyHist, r.UpdatedAt = u.Cost.String(), u.AudioSeconds, histText(u.Latency), now
}

type dailyKey struct{ scope, day, typ, model, outcome string }

// insertChunk bounds the keys of one IN list.
const insertChunk = 200

// rowsChunk is the rows of one INSERT. On SQLite (BenchmarkInsertUsage,
// 500-row batches, on this project's 2-core machine) 100 rows a statement
// cost ≈ 20 µs a row, against ≈ 28 µs for 25 and ≈ 27 µs for 500 (whose
// statement text alone is long to parse).
const rowsChunk = 100

// InsertUsage stores events and adds them to their daily rollups in one
// transaction (ports.UsageStore). The rollups are read, summed in Go
// (costs exactly) and written back; on MySQL they are read FOR UPDATE, so
// replicas writing the same rollup serialize (a deadlock or certification
// conflict between them is retried, as a duplicate rollup row made by
// another writer meanwhile is).
func (s *Store) InsertUsage(ctx context.Context, events []domain.UsageEvent) error {
	if len(events) == 0 {
		return nil
	}
	scopes := make([]string, len(events))
	for i := range events {
		if events[i].Key == "" {
			return &domain.ValidationError{Field: "key", Reason: "every usage event needs a key"}
		}
		sc, err := normScope(events[i].Scope)
		if err != nil {
			return err
		}
		scopes[i] = sc
	}
	var ids map[string]int64
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		// The first attempt inserts without looking the keys up: a key
		// stored already (a batch written again after its answer was
		// lost, which is rare) fails it with a duplicate, and the next
		// attempts skip the keys they find.
		check := attempt > 0
		err = retry(ctx, func() error {
			var terr error
			ids, terr = s.insertUsageTx(ctx, events, scopes, check)
			return terr
		})
		if err == nil || !isDuplicate(err) {
			break
		}
	}
	if err != nil {
		return s.wrap("insert usage", err)
	}
	for i := range events {
		if id, ok := ids[events[i].Key]; ok {
			events[i].ID = id
		}
	}
	return nil
}

func (s *Store) insertUsageTx(ctx context.Context, events []domain.UsageEvent, scopes []string, check bool) (map[string]int64, error) {
	ids := map[string]int64{}
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		keys := make([]string, 0, len(events))
		for i := range events {
			keys = append(keys, clip(events[i].Key, 64))
		}
		have := make(map[string]bool, len(keys))
		for start := 0; check && start < len(keys); start += insertChunk {
			var got []string
			if err := tx.Model(&usageEventRow{}).Where("event_key IN ?", keys[start:min(start+insertChunk, len(keys))]).
				Pluck("event_key", &got).Error; err != nil {
				return err
			}
			for _, k := range got {
				have[k] = true
			}
		}
		rows := make([]usageEventRow, 0, len(events))
		fresh := make([]domain.UsageEvent, 0, len(events))
		for i := range events {
			if have[keys[i]] {
				continue
			}
			have[keys[i]] = true
			rows = append(rows, eventRow(&events[i], scopes[i]))
			e := events[i]
			e.Scope = scopes[i]
			e.Time = fromMicros(micros(e.Time))
			fresh = append(fresh, e)
		}
		if len(rows) == 0 {
			return nil
		}
		if err := tx.CreateInBatches(rows, rowsChunk).Error; err != nil {
			return err
		}
		for i := range rows {
			ids[rows[i].EventKey] = rows[i].ID
		}
		return s.addRollups(tx, domain.RollupEvents(fresh))
	})
	return ids, err
}

// addRollups adds deltas to their usage_daily rows, creating the missing ones.
func (s *Store) addRollups(tx *gorm.DB, deltas []domain.UsageRollup) error {
	scopeSet, daySet := map[string]bool{}, map[string]bool{}
	for i := range deltas {
		scopeSet[deltas[i].Scope] = true
		daySet[deltas[i].Day.Format(dayLayout)] = true
	}
	q := tx.Where("scope IN ? AND day IN ?", keysOf(scopeSet), keysOf(daySet))
	if s.driver == DriverMySQL {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	var existing []usageDailyRow
	if err := q.Find(&existing).Error; err != nil {
		return err
	}
	byKey := make(map[dailyKey]*usageDailyRow, len(existing))
	for i := range existing {
		r := &existing[i]
		byKey[dailyKey{r.Scope, r.Day, r.ModelType, r.Model, r.Outcome}] = r
	}
	now := s.now()
	for i := range deltas {
		d := &deltas[i]
		model := clip(d.Model, 255)
		k := dailyKey{d.Scope, d.Day.Format(dayLayout), clip(d.Type, 16), model, clip(d.Outcome, 48)}
		if r, ok := byKey[k]; ok {
			sum := r.toDomain()
			sum.Add(d)
			r.set(&sum, now)
			if err := tx.Model(&usageDailyRow{}).Where("id = ?", r.ID).Select("*").Omit("id", "scope", "day", "model_type", "model", "outcome").Updates(r).Error; err != nil {
				return err
			}
			continue
		}
		r := &usageDailyRow{Scope: k.scope, Day: k.day, ModelType: k.typ, Model: k.model, Outcome: k.outcome}
		r.set(d, now)
		if err := tx.Create(r).Error; err != nil {
			return err
		}
		byKey[k] = r
	}
	return nil
}

func keysOf(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// UsageRollups returns the scope's rollups of the days in [from, to)
// (ports.UsageStore).
func (s *Store) UsageRollups(ctx context.Context, scope string, from, to time.Time) ([]domain.UsageRollup, error) {
	scope, err := normScope(scope)
	if err != nil {
		return nil, err
	}
	// Days of [from, to): from's day on, and days strictly before to.
	lo := domain.Day(from).Format(dayLayout)
	hi := domain.Day(to)
	hiOp := "day < ?"
	if !hi.Equal(to.UTC()) {
		hiOp = "day <= ?" // to is within its day: that day starts before to
	}
	var rows []usageDailyRow
	err = s.r.WithContext(ctx).Where("scope = ? AND day >= ? AND "+hiOp, scope, lo, hi.Format(dayLayout)).
		Order("day, model_type, model, outcome").Find(&rows).Error
	if err != nil {
		return nil, s.wrap("usage rollups", err)
	}
	out := make([]domain.UsageRollup, len(rows))
	for i := range rows {
		out[i] = rows[i].toDomain()
	}
	return out, nil
}

// ListUsage returns the scope's events q selects, newest first
// (ports.UsageStore).
func (s *Store) ListUsage(ctx context.Context, scope string, q domain.UsageListQuery) ([]domain.UsageEvent, error) {
	scope, err := normScope(scope)
	if err != nil {
		return nil, err
	}
	if q.Limit < 1 {
		return nil, &domain.ValidationError{Field: "limit", Reason: "must be at least 1"}
	}
	db := s.r.WithContext(ctx).Where("scope = ?", scope)
	if !q.From.IsZero() {
		db = db.Where("at_us >= ?", micros(q.From))
	}
	if !q.To.IsZero() {
		db = db.Where("at_us < ?", micros(q.To))
	}
	if q.Type != "" {
		db = db.Where("model_type = ?", q.Type)
	}
	if q.Model != "" {
		db = db.Where("(model = ? OR requested_model = ?)", q.Model, q.Model)
	}
	if q.Outcome != "" {
		db = db.Where("outcome = ?", q.Outcome)
	}
	if c := q.Before; c != nil {
		at := micros(c.Time)
		db = db.Where("(at_us < ? OR (at_us = ? AND id < ?))", at, at, c.ID)
	}
	var rows []usageEventRow
	if err := db.Order("at_us DESC, id DESC").Limit(q.Limit).Find(&rows).Error; err != nil {
		return nil, s.wrap("list usage", err)
	}
	out := make([]domain.UsageEvent, len(rows))
	for i := range rows {
		out[i] = rows[i].toDomain()
	}
	return out, nil
}

// SaveBalanceSnapshot stores a balance snapshot (ports.UsageStore).
func (s *Store) SaveBalanceSnapshot(ctx context.Context, b domain.BalanceSnapshot) error {
	scope, err := normScope(b.Scope)
	if err != nil {
		return err
	}
	row := balanceSnapshotRow{Scope: scope, AtUs: micros(b.Time), Balance: b.Balance.String(), Known: b.Known, Used: b.Used.String()}
	err = retry(ctx, func() error {
		r := row
		return s.w.WithContext(ctx).Create(&r).Error
	})
	return s.wrap("save balance snapshot", err)
}

// BalanceSnapshots returns the scope's snapshots in [from, to), oldest
// first (ports.UsageStore).
func (s *Store) BalanceSnapshots(ctx context.Context, scope string, from, to time.Time, limit int) ([]domain.BalanceSnapshot, error) {
	scope, err := normScope(scope)
	if err != nil {
		return nil, err
	}
	db := s.r.WithContext(ctx).Where("scope = ? AND at_us >= ? AND at_us < ?", scope, micros(from), micros(to)).Order("at_us, id")
	if limit > 0 {
		db = db.Limit(limit)
	}
	var rows []balanceSnapshotRow
	if err := db.Find(&rows).Error; err != nil {
		return nil, s.wrap("balance snapshots", err)
	}
	out := make([]domain.BalanceSnapshot, len(rows))
	for i, r := range rows {
		bal, _ := domain.ParseDecimal(r.Balance)
		used, _ := domain.ParseDecimal(r.Used)
		out[i] = domain.BalanceSnapshot{Scope: r.Scope, Time: fromMicros(r.AtUs), Balance: bal, Known: r.Known, Used: used}
	}
	return out, nil
}

// pruneChunk bounds the rows one prune statement deletes.
const pruneChunk = 5000

// PruneUsage deletes the events older than before, a chunk at a time,
// keeping the rollups (ports.UsageStore).
func (s *Store) PruneUsage(ctx context.Context, before time.Time) (int64, error) {
	var total int64
	for {
		var ids []int64
		if err := s.w.WithContext(ctx).Model(&usageEventRow{}).Where("at_us < ?", micros(before)).
			Order("id").Limit(pruneChunk).Pluck("id", &ids).Error; err != nil {
			return total, s.wrap("prune usage", err)
		}
		if len(ids) == 0 {
			return total, nil
		}
		var n int64
		err := retry(ctx, func() error {
			res := s.w.WithContext(ctx).Where("id IN ?", ids).Delete(&usageEventRow{})
			n = res.RowsAffected
			return res.Error
		})
		if err != nil {
			return total, s.wrap("prune usage", err)
		}
		total += n
		if len(ids) < pruneChunk {
			return total, nil
		}
	}
}
