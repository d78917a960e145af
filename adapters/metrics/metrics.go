// Package metrics exposes aimodels' Prometheus metrics (GET /metrics in
// the text format): HTTP requests by route and status with latency
// histograms, upstream calls by endpoint and outcome with retries, the
// catalog's age and staleness, tokens and cost by type (with the model as
// a label only for the selected models, so cardinality stays bounded),
// the usage ledger's buffer depth and rows written and dropped, and Go's
// runtime and process collectors. The core reports through plain
// functions (ObserveUsage, the ledger's counters), so it stays free of
// this package.
package metrics

import (
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/aimodels/aimodels/core/domain"
)

// OtherModel is the model label of every model that is not selected.
const OtherModel = "other"

// LedgerCounters are the usage ledger's counters (core.LedgerStats).
type LedgerCounters struct {
	Depth, Capacity                     int
	Recorded, Written, Dropped, Failure uint64
}

// Sources are what the metrics read when scraped; nil ones are left out.
type Sources struct {
	// Ledger returns the usage ledger's counters.
	Ledger func() LedgerCounters
	// Catalog returns when the catalog in memory was fetched, whether it
	// is stale, and false before the first fetch.
	Catalog func() (fetchedAt time.Time, stale, ok bool)
}

// Metrics is the registry and the collectors aimodels updates. It is safe
// for concurrent use.
type Metrics struct {
	reg *prometheus.Registry

	httpRequests *prometheus.CounterVec
	httpDuration *prometheus.HistogramVec
	upstream     *prometheus.CounterVec
	upDuration   *prometheus.HistogramVec
	retries      *prometheus.CounterVec
	usage        *prometheus.CounterVec
	tokens       *prometheus.CounterVec
	cost         *prometheus.CounterVec

	selected atomic.Pointer[map[string]bool]
}

// New returns metrics on a registry of their own, with Go's runtime and
// process collectors.
func New(src Sources) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.httpRequests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "aimodels_http_requests_total",
		Help: "HTTP requests answered, by route (the path template), method and status."}, []string{"route", "method", "status"})
	m.httpDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "aimodels_http_request_duration_seconds",
		Help: "Time to answer an HTTP request, by route and method.", Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120}},
		[]string{"route", "method"})
	m.upstream = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "aimodels_upstream_requests_total",
		Help: "Calls to OpenRouter (retries included in one call), by endpoint and outcome (ok or the error kind)."}, []string{"endpoint", "outcome"})
	m.upDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "aimodels_upstream_request_duration_seconds",
		Help: "Time of a call to OpenRouter until its answer's headers (streams) or body, by endpoint.", Buckets: []float64{.05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120}},
		[]string{"endpoint"})
	m.retries = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "aimodels_upstream_retries_total",
		Help: "Attempts of calls to OpenRouter beyond the first, by endpoint."}, []string{"endpoint"})
	m.usage = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "aimodels_usage_requests_total",
		Help: "Requests recorded by the usage ledger, by type (text, image, audio, explicit), endpoint and outcome."}, []string{"type", "endpoint", "outcome"})
	m.tokens = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "aimodels_usage_tokens_total",
		Help: "Tokens OpenRouter reported, by type, kind (prompt, completion, cached, reasoning, audio, image) and model (a selected model, else other)."},
		[]string{"type", "kind", "model"})
	m.cost = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "aimodels_usage_cost_usd_total",
		Help: "What OpenRouter charged (usage.cost, USD; the ledger keeps it exactly), by type and model (a selected model, else other)."},
		[]string{"type", "model"})
	m.reg.MustRegister(m.httpRequests, m.httpDuration, m.upstream, m.upDuration, m.retries, m.usage, m.tokens, m.cost)
	if src.Ledger != nil {
		l := src.Ledger
		m.reg.MustRegister(
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "aimodels_ledger_buffer_rows", Help: "Usage rows waiting to be written."},
				func() float64 { return float64(l().Depth) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "aimodels_ledger_buffer_capacity_rows", Help: "How many usage rows the buffer holds (AIMODELS_USAGE_BUFFER)."},
				func() float64 { return float64(l().Capacity) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "aimodels_ledger_rows_recorded_total", Help: "Usage rows recorded."},
				func() float64 { return float64(l().Recorded) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "aimodels_ledger_rows_written_total", Help: "Usage rows written to the database."},
				func() float64 { return float64(l().Written) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "aimodels_ledger_rows_dropped_total", Help: "Usage rows lost: the buffer was full, or the server stopped before the database took them."},
				func() float64 { return float64(l().Dropped) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "aimodels_ledger_write_failures_total", Help: "Failed attempts to write a batch of usage rows (retried)."},
				func() float64 { return float64(l().Failure) }),
		)
	}
	if src.Catalog != nil {
		c := src.Catalog
		m.reg.MustRegister(
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "aimodels_catalog_age_seconds", Help: "Age of the model catalog in memory (0 before the first fetch)."},
				func() float64 {
					at, _, ok := c()
					if !ok {
						return 0
					}
					return time.Since(at).Seconds()
				}),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "aimodels_catalog_stale", Help: "1 while the catalog is served stale because its refresh failed, else 0."},
				func() float64 {
					if _, stale, _ := c(); stale {
						return 1
					}
					return 0
				}),
		)
	}
	empty := map[string]bool{}
	m.selected.Store(&empty)
	return m
}

// Registry returns the registry, for tests and extra collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the metrics in Prometheus' text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// SetSelectedModels names the models that get their own model label (the
// selected models and their fallbacks); every other is OtherModel.
func (m *Metrics) SetSelectedModels(ids []string) {
	set := make(map[string]bool, len(ids))
	for _, id := range ids {
		set[id] = true
	}
	m.selected.Store(&set)
}

func (m *Metrics) modelLabel(id string) string {
	if (*m.selected.Load())[id] {
		return id
	}
	return OtherModel
}

// ObserveUsage counts one usage event (core.LedgerOptions.Observe): its
// request, tokens and cost.
func (m *Metrics) ObserveUsage(e *domain.UsageEvent) {
	m.usage.WithLabelValues(e.Type, string(e.Endpoint), e.Outcome).Inc()
	model := m.modelLabel(e.RollupModel())
	t := e.Tokens
	for _, k := range [...]struct {
		kind string
		n    int64
	}{{"prompt", t.Prompt}, {"completion", t.Completion}, {"cached", t.Cached}, {"reasoning", t.Reasoning}, {"audio", t.Audio}, {"image", t.Image}} {
		if k.n != 0 {
			m.tokens.WithLabelValues(e.Type, k.kind, model).Add(float64(k.n))
		}
	}
	if !e.Cost.IsZero() {
		m.cost.WithLabelValues(e.Type, model).Add(e.Cost.Float64())
	}
}

// UpstreamDone counts one call to OpenRouter (openrouter.WithObserver).
func (m *Metrics) UpstreamDone(endpoint string, attempts int, err error, elapsed time.Duration) {
	outcome := domain.OutcomeOK
	if err != nil {
		outcome = domain.ErrorKind(err)
	}
	m.upstream.WithLabelValues(endpoint, outcome).Inc()
	m.upDuration.WithLabelValues(endpoint).Observe(elapsed.Seconds())
	if attempts > 1 {
		m.retries.WithLabelValues(endpoint).Add(float64(attempts - 1))
	}
}

// Middleware counts every HTTP request by its route template (c.Path(),
// bounded) and status, and observes its duration.
func (m *Metrics) Middleware() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			err := next(c)
			if err != nil {
				c.Error(err)
			}
			route := c.Path()
			if route == "" {
				route = "unmatched"
			}
			method := methodLabel(c.Request().Method)
			m.httpRequests.WithLabelValues(route, method, strconv.Itoa(c.Response().Status)).Inc()
			m.httpDuration.WithLabelValues(route, method).Observe(time.Since(start).Seconds())
			return nil
		}
	}
}

// methodLabel bounds the method label to the methods HTTP defines.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
		return m
	}
	return "other"
}
