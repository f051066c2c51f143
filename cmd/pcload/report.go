package main

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// quantile returns the q-quantile of sorted samples (nearest rank).
func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.5) - 1
	i = max(0, min(i, len(sorted)-1))
	return sorted[i]
}

func ms(d time.Duration) string { return strconv.FormatFloat(float64(d)/1e6, 'f', 2, 64) }

func (r *result) print(w io.Writer, cfg config) {
	mode := "closed loop, as fast as possible"
	if cfg.rate > 0 {
		mode = fmt.Sprintf("open loop at %.0f steps/s (latency from the intended start)", cfg.rate)
	}
	rate := 0.0
	if r.elapsed > 0 {
		rate = float64(r.created) / r.elapsed.Seconds()
	}
	if len(cfg.get) > 0 {
		fmt.Fprintf(w, "pcload: %s, concurrency %d, GET %s\n", strings.Replace(mode, "steps/s", "requests/s", 1), cfg.concurrency, strings.Join(cfg.get, " "))
	} else {
		fmt.Fprintf(w, "pcload: %s, concurrency %d, item %s, prefix %s\n", mode, cfg.concurrency, cfg.item, cfg.prefix)
	}
	keys := make([]string, 0, len(r.byStatus))
	for k := range r.byStatus {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s=%d", k, r.byStatus[k]))
	}
	if len(cfg.get) > 0 {
		fmt.Fprintf(w, "  requests  %d (%d answered 200)\n", r.steps, r.created)
	} else {
		fmt.Fprintf(w, "  steps     %d (%d created, %d cases opened)\n", r.steps, r.created, r.cases)
	}
	fmt.Fprintf(w, "  status    %s\n", strings.Join(parts, " "))
	fmt.Fprintf(w, "  errors    %d\n", r.errors)
	fmt.Fprintf(w, "  duration  %.2fs\n", r.elapsed.Seconds())
	if len(cfg.get) > 0 {
		fmt.Fprintf(w, "  req/s     %.1f (200 only)\n", rate)
	} else {
		fmt.Fprintf(w, "  steps/s   %.1f (created only)\n", rate)
	}
	cores := 0.0
	if r.elapsed > 0 {
		cores = r.cpu.Seconds() / r.elapsed.Seconds()
	}
	fmt.Fprintf(w, "  own cpu   %.2fs (%.2f cores)\n", r.cpu.Seconds(), cores)
	fmt.Fprintf(w, "  latency   p50 %sms  p90 %sms  p99 %sms  p99.9 %sms  max %sms\n",
		ms(quantile(r.samples, .50)), ms(quantile(r.samples, .90)), ms(quantile(r.samples, .99)),
		ms(quantile(r.samples, .999)), ms(quantile(r.samples, 1)))
	for _, e := range r.firstErrs {
		fmt.Fprintf(w, "  error: %s\n", e)
	}
	fmt.Fprintf(w, "RESULT steps_per_s=%.1f p50_ms=%s p90_ms=%s p99_ms=%s max_ms=%s errors=%d steps=%d cpu_cores=%.2f\n",
		rate, ms(quantile(r.samples, .50)), ms(quantile(r.samples, .90)), ms(quantile(r.samples, .99)),
		ms(quantile(r.samples, 1)), r.errors, r.steps, cores)
}
