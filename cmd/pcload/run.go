package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// result is what a run measured.
type result struct {
	steps     int64 // answered requests (any status) and transport failures
	created   int64
	errors    int64
	byStatus  map[string]int64
	samples   []time.Duration
	elapsed   time.Duration
	firstErrs []string
	cases     int64
	cpu       time.Duration // pcload's own user + system CPU time
}

type worker struct {
	sent     int64 // steps sent in batches
	lat      []time.Duration
	byStatus map[string]int64
	created  int64
	errors   int64
	buf      []byte
}

// run sends steps until the duration is over or n steps are sent.
func run(ctx context.Context, cfg config) *result {
	tr := newTransport(cfg)
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: cfg.timeout}
	endpoint := cfg.url + "/api/v1/steps"
	auth := "Bearer " + cfg.token

	var reads atomic.Int64
	// ready holds cases whose previous step was accepted; a worker takes one
	// before it opens a new case, so every case's steps go in flow order.
	ready := make(chan *vcase, cfg.concurrency*4*max(cfg.batch, 1))
	cases := &caseSource{ready: ready, now: time.Now(), prefix: cfg.prefix}
	nextCase := cases.next
	errs := &errLog{max: cfg.showErrors}
	recordErr := errs.record

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var deadline time.Time
	if cfg.n == 0 {
		deadline = time.Now().Add(cfg.duration)
		var cancelT context.CancelFunc
		runCtx, cancelT = context.WithDeadline(runCtx, deadline.Add(cfg.timeout))
		defer cancelT()
	}

	// The open loop's scheduler: intended start times on a fixed grid. When
	// every worker is busy the send blocks, but the intended time of each
	// slot stays on the grid, so the wait is part of the latency.
	var slots chan time.Time
	start := time.Now()
	if cfg.rate > 0 {
		slots = schedule(runCtx, cfg, start, deadline)
	}
	next := (&pacer{runCtx: runCtx, slots: slots, n: cfg.n, deadline: deadline}).next

	workers := make([]*worker, cfg.concurrency)
	var wg sync.WaitGroup
	for i := range workers {
		w := &worker{byStatus: map[string]int64{}, buf: make([]byte, 0, 1024)}
		workers[i] = w
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				intended, ok := next()
				if !ok {
					return
				}
				if len(cfg.get) > 0 {
					path := cfg.get[int(reads.Add(1)-1)%len(cfg.get)]
					if !w.read(ctx, runCtx, client, cfg, path, intended, recordErr) {
						return
					}
					continue
				}
				if cfg.batch > 0 {
					cs := make([]*vcase, cfg.batch)
					for i := range cs {
						cs[i] = nextCase()
					}
					if !w.writeBatch(ctx, runCtx, client, cfg.url+"/api/v1/steps/batch", cfg, cs, intended, ready, recordErr) {
						return
					}
					continue
				}
				c := nextCase()
				if !w.write(ctx, runCtx, client, endpoint, auth, cfg, c, intended, ready, recordErr) {
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)

	return collect(workers, elapsed, errs.first, cases.seq.Load())
}

// newTransport sizes the connection pool to the workers, so that a request
// never waits for a connection the client itself holds back.
func newTransport(cfg config) *http.Transport {
	return &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        cfg.concurrency * 2,
		MaxIdleConnsPerHost: cfg.concurrency * 2,
		MaxConnsPerHost:     cfg.concurrency,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
		ForceAttemptHTTP2:   false,
	}
}

// schedule feeds the open loop's intended start times into the channel it
// returns, closed when the run is over.
func schedule(runCtx context.Context, cfg config, start, deadline time.Time) chan time.Time {
	slots := make(chan time.Time, cfg.concurrency*4)
	go func() {
		defer close(slots)
		interval := time.Duration(float64(time.Second) / cfg.rate)
		for i := int64(0); ; i++ {
			if cfg.n > 0 && i >= cfg.n {
				return
			}
			at := start.Add(time.Duration(i) * interval)
			if cfg.n == 0 && !at.Before(deadline) {
				return
			}
			if d := time.Until(at); d > 0 {
				t := time.NewTimer(d)
				select {
				case <-t.C:
				case <-runCtx.Done():
					t.Stop()
					return
				}
			}
			select {
			case slots <- at:
			case <-runCtx.Done():
				return
			}
		}
	}()
	return slots
}

// collect merges the workers' counts and latencies into one result.
func collect(workers []*worker, elapsed time.Duration, firstErrs []string, cases int64) *result {
	r := &result{byStatus: map[string]int64{}, elapsed: elapsed, firstErrs: firstErrs, cases: cases}
	for _, w := range workers {
		r.samples = append(r.samples, w.lat...)
		r.created += w.created
		r.errors += w.errors
		for k, v := range w.byStatus {
			r.byStatus[k] += v
		}
	}
	r.steps = int64(len(r.samples))
	if sent := sentInBatches(workers); sent > 0 {
		r.steps = sent
	}
	slices.Sort(r.samples)
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		r.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	return r
}

// read sends one GET of the read mix (or the POST of -post) and counts its
// answer; false means the run was interrupted.
func (w *worker) read(ctx, runCtx context.Context, client *http.Client, cfg config, path string, intended time.Time, recordErr func(string)) bool {
	status, body, err := fetch(runCtx, client, cfg.url+path, cfg.token, cfg.post)
	w.lat = append(w.lat, time.Since(intended))
	switch {
	case err != nil && ctx.Err() != nil:
		w.lat = w.lat[:len(w.lat)-1]
		return false
	case err != nil:
		w.errors++
		w.byStatus["transport"]++
		recordErr(fmt.Sprintf("%s: %v", path, err))
	case status != http.StatusOK:
		w.errors++
		w.byStatus[strconv.Itoa(status)]++
		recordErr(fmt.Sprintf("%s: HTTP %d: %s", path, status, truncate(body, 400)))
	default:
		w.created++
		w.byStatus["200"]++
	}
	return true
}

// write posts the next step of case c and counts the answer; an accepted
// step puts the case back in ready for its next step. false means the run
// was interrupted.
func (w *worker) write(ctx, runCtx context.Context, client *http.Client, endpoint, auth string, cfg config, c *vcase, intended time.Time, ready chan *vcase, recordErr func(string)) bool {
	w.buf = c.body(w.buf[:0], cfg.item)
	status, body, err := post(runCtx, client, endpoint, auth, w.buf)
	w.lat = append(w.lat, time.Since(intended))
	switch {
	case err != nil:
		if ctx.Err() != nil {
			// interrupted (Ctrl-C): not the server's failure
			w.lat = w.lat[:len(w.lat)-1]
			return false
		}
		w.errors++
		w.byStatus["transport"]++
		recordErr(fmt.Sprintf("%s-%s: %v", c.no, flow[c.next], err))
	case status != http.StatusCreated:
		w.errors++
		w.byStatus[strconv.Itoa(status)]++
		recordErr(fmt.Sprintf("%s-%s: HTTP %d: %s", c.no, flow[c.next], status, truncate(body, 400)))
	default:
		w.created++
		w.byStatus["201"]++
		if c.next++; c.next < len(flow) {
			select {
			case ready <- c:
			default: // never blocks in practice; an abandoned case is harmless
			}
		}
	}
	return true
}

// writeBatch posts the next steps of cases cs in one batch and counts the
// step results of the answer; each accepted step puts its case back in
// ready. false means the run was interrupted.
func (w *worker) writeBatch(ctx, runCtx context.Context, client *http.Client, endpoint string, cfg config, cs []*vcase, intended time.Time, ready chan *vcase, recordErr func(string)) bool {
	w.buf = append(w.buf[:0], `{"steps":[`...)
	for i, c := range cs {
		if i > 0 {
			w.buf = append(w.buf, ',')
		}
		w.buf = c.body(w.buf, cfg.item)
	}
	w.buf = append(w.buf, "]}"...)
	status, body, err := fetch(runCtx, client, endpoint, cfg.token, w.buf)
	w.lat = append(w.lat, time.Since(intended))
	var answer struct {
		Results []struct {
			Status int             `json:"status"`
			Body   json.RawMessage `json:"body"`
		} `json:"results"`
	}
	switch {
	case err != nil && ctx.Err() != nil:
		w.lat = w.lat[:len(w.lat)-1]
		return false
	case err != nil:
		w.sent += int64(len(cs))
		w.errors += int64(len(cs))
		w.byStatus["transport"] += int64(len(cs))
		recordErr(fmt.Sprintf("batch of %d from %s: %v", len(cs), cs[0].no, err))
		return true
	case status != http.StatusOK:
		w.sent += int64(len(cs))
		w.errors += int64(len(cs))
		w.byStatus["batch-"+strconv.Itoa(status)] += int64(len(cs))
		recordErr(fmt.Sprintf("batch of %d from %s: HTTP %d: %s", len(cs), cs[0].no, status, truncate(body, 400)))
		return true
	}
	if err := json.Unmarshal(body, &answer); err != nil || len(answer.Results) != len(cs) {
		w.sent += int64(len(cs))
		w.errors += int64(len(cs))
		w.byStatus["bad-answer"] += int64(len(cs))
		recordErr(fmt.Sprintf("batch of %d from %s: %d results, %v", len(cs), cs[0].no, len(answer.Results), err))
		return true
	}
	for i, c := range cs {
		w.sent++
		res := answer.Results[i]
		if res.Status != http.StatusCreated {
			w.errors++
			w.byStatus[strconv.Itoa(res.Status)]++
			recordErr(fmt.Sprintf("%s-%s: %d: %s", c.no, flow[c.next], res.Status, truncate(res.Body, 400)))
			continue
		}
		w.created++
		w.byStatus["201"]++
		if c.next++; c.next < len(flow) {
			select {
			case ready <- c:
			default:
			}
		}
	}
	return true
}

// sentInBatches is how many steps the workers sent in batches.
func sentInBatches(workers []*worker) int64 {
	var n int64
	for _, w := range workers {
		n += w.sent
	}
	return n
}

// caseSource hands out the case of a worker's next step: one whose previous
// step was accepted, or else a new one.
type caseSource struct {
	ready  chan *vcase
	seq    atomic.Int64
	now    time.Time
	prefix string
}

func (cs *caseSource) next() *vcase {
	select {
	case c := <-cs.ready:
		return c
	default:
	}
	n := cs.seq.Add(1)
	// Accepted 20–40 minutes ago, so the last step (12 minutes later)
	// is still well in the past, and entered the same day.
	back := 20*time.Minute + time.Duration(n%1200)*time.Second
	return &vcase{no: cs.prefix + "-" + strconv.FormatInt(n, 10), base: cs.now.Add(-back).In(cst).Truncate(time.Second)}
}

// errLog keeps the first max error messages, from all workers.
type errLog struct {
	mu    sync.Mutex
	first []string
	max   int
}

func (e *errLog) record(msg string) {
	e.mu.Lock()
	if len(e.first) < e.max {
		e.first = append(e.first, msg)
	}
	e.mu.Unlock()
}

// pacer gives the intended start of each request: the scheduler's grid when
// there is one, else now, until n requests or the deadline.
type pacer struct {
	runCtx   context.Context
	slots    chan time.Time
	n        int64
	sent     atomic.Int64
	deadline time.Time
}

// next returns the intended start of the next request, or false when the
// run is over.
func (p *pacer) next() (time.Time, bool) {
	if p.slots != nil {
		select {
		case at, ok := <-p.slots:
			return at, ok
		case <-p.runCtx.Done():
			return time.Time{}, false
		}
	}
	if p.runCtx.Err() != nil {
		return time.Time{}, false
	}
	if p.n > 0 {
		return time.Now(), p.sent.Add(1) <= p.n
	}
	t := time.Now()
	return t, t.Before(p.deadline)
}
