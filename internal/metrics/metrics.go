// Package metrics keeps powercheck's Prometheus metrics: the HTTP requests,
// the policy evaluations, the warnings stored, the deadline sweeps, the
// database pool and the Go runtime, served in the text exposition format.
package metrics

import (
	"database/sql"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"powercheck/internal/compliance"
)

const namespace = "powercheck"

// Metrics holds the service's metrics and the registry they are served from.
// Its methods are safe for concurrent use.
type Metrics struct {
	reg *prometheus.Registry

	httpRequests *prometheus.CounterVec
	httpDuration *prometheus.HistogramVec
	httpMu       sync.RWMutex
	httpSeries   map[httpKey]httpSeries

	evals        *prometheus.CounterVec
	evalDuration *prometheus.HistogramVec
	evalFailures *prometheus.CounterVec
	evalMu       sync.RWMutex
	evalSeries   map[evalKey]evalSeries

	unchecked     prometheus.Counter
	warnings      *prometheus.CounterVec
	sweeps        *prometheus.CounterVec
	sweepCases    *prometheus.CounterVec
	sweepDue      prometheus.Gauge
	sweepDuration prometheus.Histogram
}

type httpKey struct {
	method, route string
	status        int
}

type httpSeries struct {
	count    prometheus.Counter
	duration prometheus.Observer
}

type evalKey struct {
	event    string
	revision int64
}

type evalSeries struct {
	count    prometheus.Counter
	duration prometheus.Observer
	failures prometheus.Counter
}

var _ compliance.Observer = (*Metrics)(nil)

// New returns the metrics, registered with the Go runtime's and the
// process's collectors.
func New() *Metrics {
	m := &Metrics{
		reg:        prometheus.NewRegistry(),
		httpSeries: map[httpKey]httpSeries{},
		evalSeries: map[evalKey]evalSeries{},
		httpRequests: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: "http_requests_total",
			Help: "HTTP requests answered, by method, route pattern and status."}, []string{"method", "route", "status"}),
		httpDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: namespace, Name: "http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by method, route pattern and status.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10}}, []string{"method", "route", "status"}),
		evals: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: "policy_evaluations_total",
			Help: "Policy evaluations, by event and policy revision."}, []string{"event", "revision"}),
		evalDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: namespace, Name: "policy_evaluation_duration_seconds",
			Help:    "Time of one policy evaluation, by event and policy revision.",
			Buckets: prometheus.ExponentialBuckets(0.00025, 2, 13)}, []string{"event", "revision"}),
		evalFailures: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: "policy_evaluation_failures_total",
			Help: "Policy evaluations that failed (the step or case is re-checked later), by event."}, []string{"event"}),
		unchecked: prometheus.NewCounter(prometheus.CounterOpts{Namespace: namespace, Name: "steps_unchecked_total",
			Help: "Steps stored unchecked because their evaluation failed."}),
		warnings: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: "warnings_stored_total",
			Help: "Warnings stored by steps and deadline sweeps, by rule family and level."}, []string{"family", "level"}),
		sweeps: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: "sweep_runs_total",
			Help: "Deadline sweeps run, by result (ok or error)."}, []string{"result"}),
		sweepCases: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: "sweep_cases_total",
			Help: "Due cases the deadline sweeps handled, by outcome (checked, skipped: taken by another node, failed)."}, []string{"outcome"}),
		sweepDue: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: namespace, Name: "sweep_cases_due",
			Help: "Cases whose next check had come, in the last deadline sweep."}),
		sweepDuration: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: namespace, Name: "sweep_duration_seconds",
			Help:    "Time of one deadline sweep.",
			Buckets: prometheus.ExponentialBuckets(0.01, 4, 9)}),
	}
	m.reg.MustRegister(m.httpRequests, m.httpDuration, m.evals, m.evalDuration, m.evalFailures, m.unchecked,
		m.warnings, m.sweeps, m.sweepCases, m.sweepDue, m.sweepDuration,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// WatchDB adds the connection pool statistics of db (go_sql_* with
// db_name name).
func (m *Metrics) WatchDB(db *sql.DB, name string) error {
	return m.reg.Register(collectors.NewDBStatsCollector(db, name))
}

// Handler serves the metrics.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// ObserveRequest counts an answered request. route is the route's pattern
// ("" when none matched): the raw path would make a series per case.
func (m *Metrics) ObserveRequest(method, route string, status int, d time.Duration) {
	k := httpKey{method: method, route: route, status: status}
	m.httpMu.RLock()
	s, ok := m.httpSeries[k]
	m.httpMu.RUnlock()
	if !ok {
		s = m.newHTTPSeries(k)
	}
	s.count.Inc()
	s.duration.Observe(d.Seconds())
}

func (m *Metrics) newHTTPSeries(k httpKey) httpSeries {
	method := k.method
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
	default:
		method = "OTHER" // any word may come as a method
	}
	route := k.route
	if route == "" {
		route = "unmatched"
	}
	status := strconv.Itoa(k.status)
	s := httpSeries{count: m.httpRequests.WithLabelValues(method, route, status),
		duration: m.httpDuration.WithLabelValues(method, route, status)}
	m.httpMu.Lock()
	defer m.httpMu.Unlock()
	if len(m.httpSeries) < maxCachedSeries {
		m.httpSeries[k] = s
	}
	return s
}

// maxCachedSeries bounds the cache of label children (an unknown method
// word per request would grow it for ever).
const maxCachedSeries = 10000

// Evaluated counts one policy evaluation (compliance.Observer).
func (m *Metrics) Evaluated(event string, revision int64, d time.Duration, failed bool) {
	k := evalKey{event: event, revision: revision}
	m.evalMu.RLock()
	s, ok := m.evalSeries[k]
	m.evalMu.RUnlock()
	if !ok {
		rev := strconv.FormatInt(revision, 10)
		s = evalSeries{count: m.evals.WithLabelValues(event, rev), duration: m.evalDuration.WithLabelValues(event, rev),
			failures: m.evalFailures.WithLabelValues(event)}
		m.evalMu.Lock()
		if len(m.evalSeries) < maxCachedSeries {
			m.evalSeries[k] = s
		}
		m.evalMu.Unlock()
	}
	s.count.Inc()
	s.duration.Observe(d.Seconds())
	if failed {
		s.failures.Inc()
	}
}

// WarningStored counts a stored warning (compliance.Observer).
func (m *Metrics) WarningStored(family, level string) {
	m.warnings.WithLabelValues(family, level).Inc()
}

// StepUnchecked counts a step stored unchecked (compliance.Observer).
func (m *Metrics) StepUnchecked() { m.unchecked.Inc() }

// Swept records a deadline sweep (compliance.Observer).
func (m *Metrics) Swept(res compliance.SweepResult, d time.Duration, err error) {
	result := "ok"
	if err != nil {
		result = "error"
	}
	m.sweeps.WithLabelValues(result).Inc()
	m.sweepDue.Set(float64(res.Due))
	m.sweepDuration.Observe(d.Seconds())
	m.sweepCases.WithLabelValues("checked").Add(float64(res.Checked))
	m.sweepCases.WithLabelValues("skipped").Add(float64(res.Skipped))
	m.sweepCases.WithLabelValues("failed").Add(float64(res.Failed))
}

// WriterStats is what one of a store's group writers (see sqlstore) has
// done: the transactions it committed, the items (steps, audit entries)
// they stored, the groups that failed whole and were stored one by one,
// and the items waiting now.
type WriterStats struct {
	Transactions, Items, Splits int64
	Waiting                     int
}

// WatchStepWriter adds the step writer's counters, read from read at each
// scrape: steps per transaction under load is the gain of group commit.
func (m *Metrics) WatchStepWriter(read func() WriterStats) error {
	return m.watchWriter("step_writer", "steps", "Steps stored by the step writer's transactions.", read)
}

// WatchAuditWriter adds the audit writer's counters (the entries queued
// for the audit sequencer, in groups), as WatchStepWriter does.
func (m *Metrics) WatchAuditWriter(read func() WriterStats) error {
	return m.watchWriter("audit_writer", "entries", "Audit entries queued, by the audit writer's transactions or riding in a group of steps' transaction.", read)
}

// watchWriter registers a group writer's counters named writer_*; items
// names what it stores.
func (m *Metrics) watchWriter(writer, items, itemsHelp string, read func() WriterStats) error {
	counter := func(name, help string, v func(WriterStats) float64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: namespace, Name: writer + "_" + name, Help: help},
			func() float64 { return v(read()) })
	}
	for _, c := range []prometheus.Collector{
		counter("transactions_total", "Transactions that committed what the "+strings.ReplaceAll(writer, "_", " ")+" was given.",
			func(s WriterStats) float64 { return float64(s.Transactions) }),
		counter(items+"_total", itemsHelp,
			func(s WriterStats) float64 { return float64(s.Items) }),
		counter("splits_total", "Groups that failed as a whole and were stored one by one.",
			func(s WriterStats) float64 { return float64(s.Splits) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: namespace, Name: writer + "_waiting",
			Help: "Items waiting for the " + strings.ReplaceAll(writer, "_", " ") + "'s next transaction."},
			func() float64 { return float64(read().Waiting) }),
	} {
		if err := m.reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}
