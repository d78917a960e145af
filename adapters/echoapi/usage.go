package echoapi

import (
	"encoding/csv"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	json "github.com/goccy/go-json"
	"github.com/labstack/echo/v4"

	"github.com/aimodels/aimodels/core/domain"
)

// The usage ledger's routes (issue 14). Periods are whole UTC days: from
// and to are YYYY-MM-DD (both days included) or RFC 3339 times (from's
// day on; to's day included unless to is its midnight); the default is
// the last 7 days, today included. Answers name the period as the first
// and the last day, both included.
func usageRoutes() []route {
	return []route{
		{method: "GET", path: "/usage", summary: "Usage of the period summed from the daily rollups: requests, errors by kind, tokens, exact cost and latency p50/p95 (approximated from fixed buckets), in total and per group (?group_by= a comma list of day, type, model)", tag: "usage", resp: "UsageReport", status: 200, params: []string{"from", "to", "group_by"}, handle: (*api).usageReport},
		{method: "GET", path: "/usage/requests", summary: "Recent requests sent upstream, newest first, a page at a time (?limit= default 50, at most 500; ?cursor= continues; ?type=, ?model=, ?outcome= filter); never their content", tag: "usage", resp: "UsageRequests", status: 200, params: []string{"cursor", "limit", "type", "model", "outcome"}, handle: (*api).usageRequests},
		{method: "GET", path: "/usage/export.csv", summary: "Every request row of the period as CSV, newest first (rows are kept for the retention period, AIMODELS_USAGE_RETENTION)", tag: "usage", status: 200, csv: true, params: []string{"from", "to"}, handle: (*api).usageExport},
		{method: "GET", path: "/usage/balance", summary: "The balance over the period, from the snapshots kept when it is fetched (at most one a minute)", tag: "usage", resp: "BalanceHistory", status: 200, params: []string{"from", "to"}, handle: (*api).balanceHistory},
	}
}

func usageSchemas(s obj) obj {
	tokens := object(obj{"prompt": integer(""), "completion": integer(""), "cached": integer("of the prompt"),
		"reasoning": integer("of the completion"), "audio": integer(""), "image": integer("")})
	s["UsageTokens"] = tokens
	totals := obj{
		"requests": integer(""), "errors": integer("requests whose outcome is not ok"),
		"errors_by_kind": obj{"type": "object", "additionalProperties": integer(""), "description": "error kind (the API's error codes) to count"},
		"tokens":         ref("UsageTokens"), "cost": num("USD, exact"),
		"audio_seconds": num("audio transcribed"),
		"latency_ms":    object(obj{"p50": num("approximate: interpolated within fixed latency buckets"), "p95": num("approximate, as p50")}),
	}
	s["UsageTotals"] = object(totals)
	group := obj{"day": str("YYYY-MM-DD (UTC), when grouped by day"), "type": str("text, image, audio or explicit (a model named by id), when grouped by type"),
		"model": str("the model that served (else the one requested), when grouped by model")}
	for k, v := range totals {
		group[k] = v
	}
	s["UsageGroup"] = object(group)
	s["UsageReport"] = object(obj{"from": str("the first day, YYYY-MM-DD"), "to": str("the last day, YYYY-MM-DD, included"),
		"group_by": arrayOf(strEnum(domain.UsageGroupBy...)), "groups": arrayOf(ref("UsageGroup")), "total": ref("UsageTotals")})
	s["UsageRequest"] = object(obj{
		"id": integer(""), "time": str("RFC 3339, when it was sent"), "scope": str(""),
		"endpoint": strEnum(string(domain.EndpointChat), string(domain.EndpointStream), string(domain.EndpointTranscription), string(domain.EndpointTry)),
		"type":     str("text, image, audio, or explicit"), "requested_model": str("the model id asked for"), "model": str("the model that served"),
		"prompt": nullable(str("the stored prompt applied")), "prompt_version": nullable(integer("")),
		"tokens": ref("UsageTokens"), "cost": num("USD, exact, OpenRouter's usage.cost"), "audio_seconds": num(""),
		"latency_ms": num("to the answer (a stream: to its end)"), "ttft_ms": nullable(num("a stream's time to its first chunk")),
		"outcome": str("ok, or the error kind"), "generation_id": str("OpenRouter's"), "provider": str(""),
	})
	s["UsageRequests"] = object(obj{"data": arrayOf(ref("UsageRequest")), "next_cursor": nullable(str("pass it as ?cursor= for the next page; null at the end"))})
	s["BalancePoint"] = object(obj{"time": str("RFC 3339"), "balance": num("what could still be spent, USD"), "balance_known": boolean(""), "used": num("what was spent, USD")})
	s["BalanceHistory"] = object(obj{"from": str(""), "to": str(""), "data": arrayOf(ref("BalancePoint"))})
	return s
}

// UsageTokensDTO are token counts.
type UsageTokensDTO struct {
	Prompt     int64 `json:"prompt"`
	Completion int64 `json:"completion"`
	Cached     int64 `json:"cached"`
	Reasoning  int64 `json:"reasoning"`
	Audio      int64 `json:"audio"`
	Image      int64 `json:"image"`
}

func tokensDTO(t domain.UsageTokens) UsageTokensDTO {
	return UsageTokensDTO{Prompt: t.Prompt, Completion: t.Completion, Cached: t.Cached, Reasoning: t.Reasoning, Audio: t.Audio, Image: t.Image}
}

// LatencyDTO are latency percentiles in milliseconds.
type LatencyDTO struct {
	P50 float64 `json:"p50"`
	P95 float64 `json:"p95"`
}

// UsageTotalsDTO are a group's sums.
type UsageTotalsDTO struct {
	Requests     int64            `json:"requests"`
	Errors       int64            `json:"errors"`
	ErrorsByKind map[string]int64 `json:"errors_by_kind"`
	Tokens       UsageTokensDTO   `json:"tokens"`
	Cost         json.Number      `json:"cost"`
	AudioSeconds float64          `json:"audio_seconds"`
	Latency      LatencyDTO       `json:"latency_ms"`
}

// UsageGroupDTO is one group of a report; keys not grouped by are absent.
type UsageGroupDTO struct {
	Day   string `json:"day,omitempty"`
	Type  string `json:"type,omitempty"`
	Model string `json:"model,omitempty"`
	UsageTotalsDTO
}

// UsageReportDTO is the answer of GET /usage.
type UsageReportDTO struct {
	From    string          `json:"from"`
	To      string          `json:"to"`
	GroupBy []string        `json:"group_by"`
	Groups  []UsageGroupDTO `json:"groups"`
	Total   UsageTotalsDTO  `json:"total"`
}

func ms(d time.Duration) float64 { return math.Round(float64(d)/float64(time.Millisecond)*10) / 10 }

func totalsDTO(t *domain.UsageTotals) UsageTotalsDTO {
	kinds := t.ErrorsByKind
	if kinds == nil {
		kinds = map[string]int64{}
	}
	return UsageTotalsDTO{Requests: t.Requests, Errors: t.Errors, ErrorsByKind: kinds, Tokens: tokensDTO(t.Tokens),
		Cost: number(t.Cost), AudioSeconds: t.AudioSeconds, Latency: LatencyDTO{P50: ms(t.P50()), P95: ms(t.P95())}}
}

// UsageRequestDTO is one row of the ledger.
type UsageRequestDTO struct {
	ID             int64          `json:"id"`
	Time           string         `json:"time"`
	Scope          string         `json:"scope"`
	Endpoint       string         `json:"endpoint"`
	Type           string         `json:"type"`
	RequestedModel string         `json:"requested_model"`
	Model          string         `json:"model"`
	Prompt         *string        `json:"prompt"`
	PromptVersion  *int           `json:"prompt_version"`
	Tokens         UsageTokensDTO `json:"tokens"`
	Cost           json.Number    `json:"cost"`
	AudioSeconds   float64        `json:"audio_seconds"`
	Latency        float64        `json:"latency_ms"`
	TTFT           *float64       `json:"ttft_ms"`
	Outcome        string         `json:"outcome"`
	GenerationID   string         `json:"generation_id"`
	Provider       string         `json:"provider"`
}

func usageRequestDTO(e *domain.UsageEvent) UsageRequestDTO {
	d := UsageRequestDTO{ID: e.ID, Time: e.Time.UTC().Format(time.RFC3339Nano), Scope: e.Scope, Endpoint: string(e.Endpoint),
		Type: e.Type, RequestedModel: e.RequestedModel, Model: e.Model, Tokens: tokensDTO(e.Tokens), Cost: number(e.Cost),
		AudioSeconds: e.AudioSeconds, Latency: ms(e.Latency), Outcome: e.Outcome, GenerationID: e.GenerationID, Provider: e.Provider}
	if e.Prompt != "" {
		p, v := e.Prompt, e.PromptVersion
		d.Prompt = &p
		if v > 0 {
			d.PromptVersion = &v
		}
	}
	if e.Endpoint == domain.EndpointStream {
		t := ms(e.TTFT)
		d.TTFT = &t
	}
	return d
}

// UsageRequestsDTO is the answer of GET /usage/requests.
type UsageRequestsDTO struct {
	Data       []UsageRequestDTO `json:"data"`
	NextCursor *string           `json:"next_cursor"`
}

// BalancePointDTO is one balance snapshot.
type BalancePointDTO struct {
	Time         string      `json:"time"`
	Balance      json.Number `json:"balance"`
	BalanceKnown bool        `json:"balance_known"`
	Used         json.Number `json:"used"`
}

// BalanceHistoryDTO is the answer of GET /usage/balance.
type BalanceHistoryDTO struct {
	From string            `json:"from"`
	To   string            `json:"to"`
	Data []BalancePointDTO `json:"data"`
}

// BurnRateDTO is the balance's burn rate.
type BurnRateDTO struct {
	WindowDays int          `json:"window_days"`
	Spent      json.Number  `json:"spent"`
	PerDay     json.Number  `json:"per_day"`
	DaysLeft   *json.Number `json:"days_left"`
}

func burnRateDTO(b *domain.BurnRate) *BurnRateDTO {
	if b == nil {
		return nil
	}
	return &BurnRateDTO{WindowDays: b.WindowDays, Spent: number(b.Spent), PerDay: number(b.PerDay), DaysLeft: optionalNumber(b.DaysLeft)}
}

const dayFormat = "2006-01-02"

// usagePeriod reads ?from= and ?to= as whole UTC days [from, to).
func usagePeriod(c echo.Context, now time.Time) (time.Time, time.Time, error) {
	to := domain.Day(now).AddDate(0, 0, 1)
	from := to.AddDate(0, 0, -7)
	if v := c.QueryParam("to"); v != "" {
		t, err := parseDayParam(v, true)
		if err != nil {
			return time.Time{}, time.Time{}, &domain.ValidationError{Field: "to", Reason: err.Error()}
		}
		to = t
		if c.QueryParam("from") == "" {
			from = to.AddDate(0, 0, -7)
		}
	}
	if v := c.QueryParam("from"); v != "" {
		t, err := parseDayParam(v, false)
		if err != nil {
			return time.Time{}, time.Time{}, &domain.ValidationError{Field: "from", Reason: err.Error()}
		}
		from = t
	}
	if !from.Before(to) {
		return time.Time{}, time.Time{}, &domain.ValidationError{Field: "from", Reason: "must not be after to"}
	}
	return from, to, nil
}

// parseDayParam reads YYYY-MM-DD or RFC 3339 as a day boundary: the
// start of from's day, the end of to's day (to's midnight stays).
func parseDayParam(v string, isTo bool) (time.Time, error) {
	if d, err := time.Parse(dayFormat, v); err == nil {
		if isTo {
			return d.AddDate(0, 0, 1), nil
		}
		return d, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("must be YYYY-MM-DD or an RFC 3339 time")
	}
	day := domain.Day(t)
	if isTo && !day.Equal(t.UTC()) {
		day = day.AddDate(0, 0, 1)
	}
	return day, nil
}

// lastDay names the period's last day (to is exclusive).
func lastDay(to time.Time) string { return to.AddDate(0, 0, -1).Format(dayFormat) }

func (a *api) usageReport(c echo.Context) error {
	from, to, err := usagePeriod(c, time.Now())
	if err != nil {
		return a.fail(c, err)
	}
	groupBy, err := domain.ParseGroupBy(c.QueryParam("group_by"))
	if err != nil {
		return a.fail(c, err)
	}
	rep, err := a.usage.UsageReport(c.Request().Context(), a.scope(c), domain.UsageQuery{From: from, To: to, GroupBy: groupBy})
	if err != nil {
		return a.fail(c, err)
	}
	out := UsageReportDTO{From: from.Format(dayFormat), To: lastDay(to), GroupBy: rep.GroupBy, Groups: make([]UsageGroupDTO, len(rep.Groups)), Total: totalsDTO(&rep.Total)}
	for i := range rep.Groups {
		g := &rep.Groups[i]
		d := UsageGroupDTO{Type: g.Type, Model: g.Model, UsageTotalsDTO: totalsDTO(&g.UsageTotals)}
		if !g.Day.IsZero() {
			d.Day = g.Day.Format(dayFormat)
		}
		out.Groups[i] = d
	}
	return c.JSON(http.StatusOK, out)
}

func (a *api) usageRequests(c echo.Context) error {
	q := domain.UsageListQuery{Type: c.QueryParam("type"), Model: c.QueryParam("model"), Outcome: c.QueryParam("outcome")}
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return a.fail(c, &domain.ValidationError{Field: "limit", Reason: "must be a positive number"})
		}
		q.Limit = n
	}
	page, err := a.usage.UsageRequests(c.Request().Context(), a.scope(c), q, c.QueryParam("cursor"))
	if err != nil {
		return a.fail(c, err)
	}
	out := UsageRequestsDTO{Data: make([]UsageRequestDTO, len(page.Events))}
	for i := range page.Events {
		out.Data[i] = usageRequestDTO(&page.Events[i])
	}
	if page.Next != "" {
		out.NextCursor = &page.Next
	}
	return c.JSON(http.StatusOK, out)
}

// usageCSVHeader is the export's header row.
var usageCSVHeader = []string{"id", "time", "scope", "endpoint", "type", "requested_model", "model", "prompt", "prompt_version",
	"prompt_tokens", "completion_tokens", "cached_tokens", "reasoning_tokens", "audio_tokens", "image_tokens",
	"cost", "audio_seconds", "latency_ms", "ttft_ms", "outcome", "generation_id", "provider"}

// cell keeps a text a spreadsheet would read as a formula (=, +, -, @)
// as text: model and provider names come from the upstream.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func (a *api) usageExport(c echo.Context) error {
	from, to, err := usagePeriod(c, time.Now())
	if err != nil {
		return a.fail(c, err)
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	h.Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="aimodels-usage-%s-to-%s.csv"`, from.Format(dayFormat), lastDay(to)))
	w := csv.NewWriter(c.Response())
	started, rows := false, 0
	start := func() {
		if !started {
			started = true
			c.Response().WriteHeader(http.StatusOK)
			_ = w.Write(usageCSVHeader)
		}
	}
	err = a.usage.ExportUsage(c.Request().Context(), a.scope(c), from, to, func(e *domain.UsageEvent) error {
		start()
		t := e.Tokens
		ttft := ""
		if e.Endpoint == domain.EndpointStream {
			ttft = strconv.FormatFloat(ms(e.TTFT), 'f', -1, 64)
		}
		pv := ""
		if e.PromptVersion > 0 {
			pv = strconv.Itoa(e.PromptVersion)
		}
		i := func(n int64) string { return strconv.FormatInt(n, 10) }
		if err := w.Write([]string{i(e.ID), e.Time.UTC().Format(time.RFC3339Nano), cell(e.Scope), string(e.Endpoint), e.Type,
			cell(e.RequestedModel), cell(e.Model), cell(e.Prompt), pv,
			i(t.Prompt), i(t.Completion), i(t.Cached), i(t.Reasoning), i(t.Audio), i(t.Image),
			e.Cost.String(), strconv.FormatFloat(e.AudioSeconds, 'f', -1, 64), strconv.FormatFloat(ms(e.Latency), 'f', -1, 64), ttft,
			e.Outcome, cell(e.GenerationID), cell(e.Provider)}); err != nil {
			return err
		}
		if rows++; rows%200 == 0 {
			w.Flush()
		}
		return w.Error()
	})
	if err != nil && !started {
		h.Del(echo.HeaderContentDisposition)
		return a.fail(c, err)
	}
	if err != nil {
		// The rows went out already: the body ends short, and the log says why.
		a.log.Warn("usage export cut short", "error", err)
		return nil
	}
	start()
	w.Flush()
	return nil
}

func (a *api) balanceHistory(c echo.Context) error {
	from, to, err := usagePeriod(c, time.Now())
	if err != nil {
		return a.fail(c, err)
	}
	snaps, err := a.usage.BalanceHistory(c.Request().Context(), a.scope(c), from, to)
	if err != nil {
		return a.fail(c, err)
	}
	out := BalanceHistoryDTO{From: from.Format(dayFormat), To: lastDay(to), Data: make([]BalancePointDTO, len(snaps))}
	for i, s := range snaps {
		out.Data[i] = BalancePointDTO{Time: s.Time.UTC().Format(time.RFC3339Nano), Balance: number(s.Balance), BalanceKnown: s.Known, Used: number(s.Used)}
	}
	return c.JSON(http.StatusOK, out)
}
