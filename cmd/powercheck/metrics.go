package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"powercheck/internal/metrics"
)

// serveMetrics serves the Prometheus metrics m on addr, apart from the API:
// the scrape port stays off the address people and programs reach, and
// needs no token. It also serves Go's profiles (/debug/pprof/), which
// belong on the same operators-only port; not the command line, which may
// hold the database's password. The services are told of m when they are built (it hears
// of evaluations, warnings and sweeps); the caller hands it to the API for
// its requests. stop closes the listener
// and waits for the server to return.
func serveMetrics(addr string, m *metrics.Metrics, a *app, stdout io.Writer, log *slog.Logger) (stop func(), err error) {
	sqlDB, err := a.store.DB().DB()
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	if err := m.WatchDB(sqlDB, "powercheck"); err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	cases := a.store.Cases()
	if err := m.WatchStepWriter(func() metrics.WriterStats {
		w := cases.StepWrites()
		return metrics.WriterStats{Transactions: w.Transactions, Items: w.Steps, Splits: w.Splits, Waiting: w.Waiting}
	}); err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	audit := a.store.Audit()
	if err := m.WatchAuditWriter(func() metrics.WriterStats {
		w := audit.AuditWrites()
		return metrics.WriterStats{Transactions: w.Transactions, Items: w.Entries, Splits: w.Splits, Waiting: w.Waiting}
	}); err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics listen: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 2 * time.Minute} // a CPU profile takes its seconds
	served := make(chan struct{})
	go func() {
		defer close(served)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics server stopped", "error", err)
		}
	}()
	log.Info("metrics listening", "addr", ln.Addr().String())
	fmt.Fprintf(stdout, "metrics on http://%s/metrics\n", ln.Addr())
	return func() {
		_ = srv.Close()
		<-served
	}, nil
}
