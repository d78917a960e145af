package domain

import (
	"context"
	"errors"
	"math"
	"math/big"
	"slices"
	"strings"
	"time"
)

// UsageEndpoint is which kind of upstream call a usage event records.
type UsageEndpoint string

// Usage endpoints.
const (
	// EndpointChat is a chat completion.
	EndpointChat UsageEndpoint = "chat"
	// EndpointStream is a streamed chat completion.
	EndpointStream UsageEndpoint = "stream"
	// EndpointTranscription is a transcription (on the transcription
	// endpoint, or by a chat model that takes audio).
	EndpointTranscription UsageEndpoint = "transcription"
	// EndpointTry is a model tried from the models page.
	EndpointTry UsageEndpoint = "try"
)

// UsageTypeExplicit is the type of a request that named a model id
// rather than a type (text, image, audio).
const UsageTypeExplicit = "explicit"

// OutcomeOK is the outcome of a request that succeeded; a failed one has
// the kind of its error (ErrorKind).
const OutcomeOK = "ok"

// UsageTokens are the token counts OpenRouter reported for a request, or
// their sums. Cached, reasoning, audio and image tokens are part of the
// prompt or completion counts, not added to them.
type UsageTokens struct {
	Prompt     int64
	Completion int64
	Cached     int64
	Reasoning  int64
	Audio      int64
	Image      int64
}

// Add adds o to t.
func (t *UsageTokens) Add(o UsageTokens) {
	t.Prompt += o.Prompt
	t.Completion += o.Completion
	t.Cached += o.Cached
	t.Reasoning += o.Reasoning
	t.Audio += o.Audio
	t.Image += o.Image
}

// UsageEvent is one request aimodels sent upstream, as the ledger keeps
// it: what was asked, what served it, what it cost and how long it took.
// It never holds the content of a message, a prompt or an answer.
type UsageEvent struct {
	// ID is the store's id (0 until stored).
	ID int64
	// Key identifies the event across retried writes; the ledger sets it,
	// and a store keeps one row per key.
	Key string
	// Time is when the request was sent (UTC).
	Time     time.Time
	Scope    string
	Endpoint UsageEndpoint
	// Type is the model type the request named (text, image, audio) or
	// UsageTypeExplicit when it named a model id.
	Type string
	// RequestedModel is the model id aimodels asked for (a type resolved
	// to the scope's selected model).
	RequestedModel string
	// Model is the model that served the request, as the upstream said
	// ("" when it did not answer).
	Model string
	// Prompt and PromptVersion name the stored prompt applied, if any
	// (version 0 when unknown).
	Prompt        string
	PromptVersion int
	Tokens        UsageTokens
	// Cost is what OpenRouter charged (its usage.cost), exactly.
	Cost Decimal
	// AudioSeconds is the audio's length a transcription reported.
	AudioSeconds float64
	// Latency is from sending the request to its answer (for a stream,
	// to its end); TTFT is to a stream's first chunk (0 otherwise).
	Latency time.Duration
	TTFT    time.Duration
	// Outcome is OutcomeOK or the kind of the error (ErrorKind).
	Outcome      string
	GenerationID string
	Provider     string
}

// RollupModel is the model an event is counted under in the daily
// rollups: the model that served it, else the one requested.
func (e *UsageEvent) RollupModel() string {
	if e.Model != "" {
		return e.Model
	}
	return e.RequestedModel
}

// Day is the UTC day of t, at midnight.
func Day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// ErrorKind is the stable name of err's kind, the outcome a usage event
// records ("" for nil): the same codes as the HTTP API's error bodies.
func ErrorKind(err error) string {
	var me *ModelError
	switch {
	case err == nil:
		return ""
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.As(err, &me):
		if errors.Is(err, ErrModelTypeMismatch) {
			return "model_type_mismatch"
		}
		return "model_not_found"
	case errors.Is(err, ErrValidation):
		return "validation_error"
	case errors.Is(err, ErrNoAPIKey):
		return "no_api_key"
	case errors.Is(err, ErrInvalidKey):
		return "invalid_key"
	case errors.Is(err, ErrForbidden):
		return "forbidden"
	case errors.Is(err, ErrInsufficientCredits):
		return "insufficient_credits"
	case errors.Is(err, ErrRateLimited):
		return "rate_limited"
	case errors.Is(err, ErrModelNotFound):
		return "model_not_found"
	case errors.Is(err, ErrUpstreamRejected):
		return "upstream_rejected"
	case errors.Is(err, ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, ErrBadUpstreamResponse):
		return "bad_upstream_response"
	case errors.Is(err, ErrUpstreamUnavailable):
		return "upstream_unavailable"
	case errors.Is(err, ErrStoreUnavailable):
		return "store_unavailable"
	case errors.Is(err, ErrDecrypt):
		return "key_unreadable"
	}
	return "internal"
}

// LatencyBoundsMs are the upper bounds, in milliseconds, of the buckets of
// a LatencyHistogram; a last bucket takes everything above the last bound.
// They never change: rollups stored with them stay comparable.
var LatencyBoundsMs = [...]int64{25, 50, 100, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000, 7500, 10000, 15000, 20000, 30000, 60000, 120000}

// LatencyBuckets is the number of buckets of a LatencyHistogram.
const LatencyBuckets = len(LatencyBoundsMs) + 1

// LatencyHistogram counts latencies in the fixed buckets of
// LatencyBoundsMs, so that percentiles over months of rollups need no raw
// rows. Percentiles from it are approximations: Quantile interpolates
// within the bucket the percentile falls in.
type LatencyHistogram [LatencyBuckets]int64

// Observe counts one latency.
func (h *LatencyHistogram) Observe(d time.Duration) {
	ms := d.Milliseconds()
	i, _ := slices.BinarySearch(LatencyBoundsMs[:], ms)
	h[i]++
}

// Add adds o's counts to h.
func (h *LatencyHistogram) Add(o LatencyHistogram) {
	for i := range h {
		h[i] += o[i]
	}
}

// Count is the number of latencies counted.
func (h *LatencyHistogram) Count() int64 {
	var n int64
	for _, c := range h {
		n += c
	}
	return n
}

// Quantile returns the approximate q-quantile (0 < q ≤ 1) of the counted
// latencies: it finds the bucket holding the rank q·count and
// interpolates linearly between its bounds (the open last bucket answers
// its lower bound). It returns 0 for an empty histogram.
func (h *LatencyHistogram) Quantile(q float64) time.Duration {
	n := h.Count()
	if n == 0 {
		return 0
	}
	rank := q * float64(n)
	var seen int64
	for i, c := range h {
		if c == 0 || float64(seen+c) < rank {
			seen += c
			continue
		}
		lo := int64(0)
		if i > 0 {
			lo = LatencyBoundsMs[i-1]
		}
		if i == len(LatencyBoundsMs) {
			return time.Duration(lo) * time.Millisecond
		}
		hi := LatencyBoundsMs[i]
		frac := (rank - float64(seen)) / float64(c)
		return time.Duration((float64(lo) + frac*float64(hi-lo)) * float64(time.Millisecond))
	}
	return time.Duration(LatencyBoundsMs[len(LatencyBoundsMs)-1]) * time.Millisecond
}

// UsageRollup is the daily sum of a scope's usage events of one type,
// model and outcome.
type UsageRollup struct {
	Scope string
	// Day is the UTC day, at midnight.
	Day      time.Time
	Type     string
	Model    string
	Outcome  string
	Requests int64
	Tokens   UsageTokens
	Cost     Decimal
	// AudioSeconds sums the audio transcribed.
	AudioSeconds float64
	Latency      LatencyHistogram
}

// RollupKey is what a UsageRollup sums over.
type RollupKey struct {
	Scope   string
	Day     time.Time
	Type    string
	Model   string
	Outcome string
}

// Key returns r's key.
func (r *UsageRollup) Key() RollupKey {
	return RollupKey{Scope: r.Scope, Day: r.Day, Type: r.Type, Model: r.Model, Outcome: r.Outcome}
}

// AddEvent counts e in r.
func (r *UsageRollup) AddEvent(e *UsageEvent) {
	r.Requests++
	r.Tokens.Add(e.Tokens)
	r.Cost = r.Cost.Add(e.Cost)
	r.AudioSeconds += e.AudioSeconds
	r.Latency.Observe(e.Latency)
}

// Add adds o's sums to r.
func (r *UsageRollup) Add(o *UsageRollup) {
	r.Requests += o.Requests
	r.Tokens.Add(o.Tokens)
	r.Cost = r.Cost.Add(o.Cost)
	r.AudioSeconds += o.AudioSeconds
	r.Latency.Add(o.Latency)
}

// RollupOf returns the key of the rollup an event is counted in.
func RollupOf(e *UsageEvent) RollupKey {
	return RollupKey{Scope: e.Scope, Day: Day(e.Time), Type: e.Type, Model: e.RollupModel(), Outcome: e.Outcome}
}

// RollupEvents sums events into daily rollups, in the order their keys
// first appear.
func RollupEvents(events []UsageEvent) []UsageRollup {
	idx := make(map[RollupKey]int)
	var out []UsageRollup
	for i := range events {
		k := RollupOf(&events[i])
		j, ok := idx[k]
		if !ok {
			j = len(out)
			idx[k] = j
			out = append(out, UsageRollup{Scope: k.Scope, Day: k.Day, Type: k.Type, Model: k.Model, Outcome: k.Outcome})
		}
		out[j].AddEvent(&events[i])
	}
	return out
}

// UsageGroupBy are the keys a usage report may group by.
var UsageGroupBy = []string{"day", "type", "model"}

// UsageQuery selects the rollups of a usage report: days in [From, To).
type UsageQuery struct {
	From, To time.Time
	// GroupBy is a subset of UsageGroupBy, in that order.
	GroupBy []string
}

// Validate checks the range and the grouping.
func (q *UsageQuery) Validate() error {
	if !q.From.Before(q.To) {
		return &ValidationError{Field: "from", Reason: "must be before to"}
	}
	if q.To.Sub(q.From) > 3700*24*time.Hour {
		return &ValidationError{Field: "to", Reason: "the range may span at most ten years"}
	}
	for _, g := range q.GroupBy {
		if !slices.Contains(UsageGroupBy, g) {
			return &ValidationError{Field: "group_by", Reason: "must be a comma list of day, type and model"}
		}
	}
	return nil
}

// ParseGroupBy reads a comma list of day, type and model (in any order,
// each at most once) and returns it in that canonical order.
func ParseGroupBy(s string) ([]string, error) {
	out := []string{}
	if strings.TrimSpace(s) == "" {
		return out, nil
	}
	seen := map[string]bool{}
	for _, p := range strings.Split(s, ",") {
		p = strings.TrimSpace(strings.ToLower(p))
		if !slices.Contains(UsageGroupBy, p) || seen[p] {
			return nil, &ValidationError{Field: "group_by", Reason: "must be a comma list of day, type and model, each once"}
		}
		seen[p] = true
	}
	for _, g := range UsageGroupBy {
		if seen[g] {
			out = append(out, g)
		}
	}
	return out, nil
}

// UsageTotals are the sums of a group of a usage report.
type UsageTotals struct {
	Requests     int64
	Errors       int64
	ErrorsByKind map[string]int64
	Tokens       UsageTokens
	Cost         Decimal
	AudioSeconds float64
	// Latency is the histogram the percentiles come from.
	Latency LatencyHistogram
}

// P50 and P95 are the approximate median and 95th percentile latency
// (see LatencyHistogram.Quantile).
func (t *UsageTotals) P50() time.Duration { return t.Latency.Quantile(0.50) }

// P95 is the approximate 95th percentile latency.
func (t *UsageTotals) P95() time.Duration { return t.Latency.Quantile(0.95) }

func (t *UsageTotals) add(r *UsageRollup) {
	t.Requests += r.Requests
	if r.Outcome != OutcomeOK {
		t.Errors += r.Requests
		if t.ErrorsByKind == nil {
			t.ErrorsByKind = map[string]int64{}
		}
		t.ErrorsByKind[r.Outcome] += r.Requests
	}
	t.Tokens.Add(r.Tokens)
	t.Cost = t.Cost.Add(r.Cost)
	t.AudioSeconds += r.AudioSeconds
	t.Latency.Add(r.Latency)
}

// UsageGroup is one group of a usage report: the keys it was grouped by
// (the others are zero) and its totals.
type UsageGroup struct {
	Day   time.Time
	Type  string
	Model string
	UsageTotals
}

// UsageReport sums a scope's usage over days [From, To), grouped.
type UsageReport struct {
	From, To time.Time
	GroupBy  []string
	// Groups are ordered by day, type, then model (the keys grouped by).
	Groups []UsageGroup
	Total  UsageTotals
}

// BuildUsageReport sums rollups into the groups of q.
func BuildUsageReport(rollups []UsageRollup, q UsageQuery) UsageReport {
	rep := UsageReport{From: q.From, To: q.To, GroupBy: q.GroupBy, Groups: []UsageGroup{}}
	by := func(k string) bool { return slices.Contains(q.GroupBy, k) }
	type gk struct {
		day        time.Time
		typ, model string
	}
	idx := map[gk]int{}
	for i := range rollups {
		r := &rollups[i]
		rep.Total.add(r)
		if len(q.GroupBy) == 0 {
			continue
		}
		var k gk
		if by("day") {
			k.day = Day(r.Day)
		}
		if by("type") {
			k.typ = r.Type
		}
		if by("model") {
			k.model = r.Model
		}
		j, ok := idx[k]
		if !ok {
			j = len(rep.Groups)
			idx[k] = j
			rep.Groups = append(rep.Groups, UsageGroup{Day: k.day, Type: k.typ, Model: k.model})
		}
		rep.Groups[j].add(r)
	}
	slices.SortFunc(rep.Groups, func(a, b UsageGroup) int {
		if c := a.Day.Compare(b.Day); c != 0 {
			return c
		}
		if c := strings.Compare(a.Type, b.Type); c != 0 {
			return c
		}
		return strings.Compare(a.Model, b.Model)
	})
	return rep
}

// UsageCursor is where a page of usage events continues: after the event
// of that time and id, going back in time.
type UsageCursor struct {
	Time time.Time
	ID   int64
}

// UsageListQuery selects a scope's usage events, newest first.
type UsageListQuery struct {
	// From and To bound Time to [From, To) when set.
	From, To time.Time
	// Type, Model (served or requested) and Outcome filter when set.
	Type, Model, Outcome string
	// Before continues a listing: only events older than it (by time,
	// then id).
	Before *UsageCursor
	// Limit bounds the page (at least 1).
	Limit int
}

// UsagePage is one page of usage events; Next is the cursor of the next
// page ("" at the end).
type UsagePage struct {
	Events []UsageEvent
	Next   string
}

// BalanceSnapshot is the balance as fetched at one time, kept to draw the
// balance over time.
type BalanceSnapshot struct {
	Scope string
	Time  time.Time
	// Balance is what could still be spent (meaningful when Known).
	Balance Decimal
	Known   bool
	// Used is what was spent.
	Used Decimal
}

// BurnRate is what the ledger says the scope spends per day over the last
// WindowDays days, and how long the balance lasts at that rate.
type BurnRate struct {
	WindowDays int
	// Spent is the ledger's cost over the window.
	Spent Decimal
	// PerDay is Spent / WindowDays, to 9 decimal places.
	PerDay Decimal
	// DaysLeft is balance / PerDay to one decimal place; nil when the
	// balance is unknown or nothing is spent.
	DaysLeft *Decimal
}

// ComputeBurnRate returns the burn rate of spent over windowDays with
// balance left (balanceKnown false: days left unknown).
func ComputeBurnRate(spent Decimal, windowDays int, balance Decimal, balanceKnown bool) BurnRate {
	br := BurnRate{WindowDays: windowDays, Spent: spent}
	if windowDays <= 0 {
		return br
	}
	br.PerDay = divRound(spent, NewDecimal(int64(windowDays), 0), 9)
	if balanceKnown && br.PerDay.Sign() > 0 {
		left := divRound(balance, br.PerDay, 1)
		if left.Sign() < 0 {
			left = Decimal{}
		}
		br.DaysLeft = &left
	}
	return br
}

// NewDecimal returns units × 10^-scale.
func NewDecimal(units int64, scale int32) Decimal {
	return Decimal{units: units, scale: scale}.normalize()
}

// rat returns d as an exact rational.
func (d Decimal) rat() *big.Rat {
	r := new(big.Rat).SetInt64(d.units)
	if d.scale > 0 {
		return r.Quo(r, new(big.Rat).SetInt(pow10(d.scale)))
	}
	return r.Mul(r, new(big.Rat).SetInt(pow10(-d.scale)))
}

// divRound returns a / b rounded half away from zero to places digits
// after the point (0 when b is 0).
func divRound(a, b Decimal, places int) Decimal {
	if b.IsZero() {
		return Decimal{}
	}
	q := new(big.Rat).Quo(a.rat(), b.rat())
	d, err := ParseDecimal(q.FloatString(places))
	if err != nil {
		return Decimal{}
	}
	return d
}

// StreamMeta is what a streamed completion's upstream said of it, read
// from its chunks: the generation id, the model and provider that served
// it and the usage of its last chunk (zero where it said nothing).
type StreamMeta struct {
	ID       string
	Model    string
	Provider string
	Usage    Usage
	// HasUsage is true once a chunk carried usage.
	HasUsage bool
}

// Float64 returns d as the nearest float64, for metrics only: money is
// never computed with it.
func (d Decimal) Float64() float64 {
	if d.scale >= 0 {
		return float64(d.units) / math.Pow10(int(d.scale))
	}
	return float64(d.units) * math.Pow10(int(-d.scale))
}
