// Command pcload is a load generator for powercheck's POST /api/v1/steps.
//
// Every virtual case submits the steps of a four-step licensing flow in order
// — accept (with the power item and the applicant), review, decide (citing
// LB1, with the dept_inspector approval) and deliver — occurred a few minutes
// apart in the recent past, under ids that are unique to the run. Case
// numbers begin with the code of the token's department and "-", as the
// server requires.
//
// Without -rate it is a closed loop: -concurrency workers send as fast as
// the server answers, which measures the maximum throughput. With -rate it is
// an open loop: a scheduler releases requests on a fixed grid of intended
// start times, and each latency is measured from the intended start, so time
// spent queued behind a slow server is counted (no coordinated omission).
//
//	pcload -url http://127.0.0.1:8080 -token pc_… -concurrency 64 -duration 20s
//	pcload -url http://127.0.0.1:8080 -token pc_… -rate 1500 -duration 20s
//
// With -get it reads instead: each request GETs the next of the given paths
// (e.g. the public pages), without a token unless one is given, and anything
// but 200 OK is an error:
//
//	pcload -url http://127.0.0.1:8080 -get /api/public/v1/items,/api/public/v1/items/XK-001 -concurrency 16
//
// Otherwise anything but 201 Created is an error; pcload exits 1 when a
// request failed.
// Its last line is machine-readable:
//
//	RESULT steps_per_s=… p50_ms=… p90_ms=… p99_ms=… max_ms=… errors=… steps=… cpu_cores=…
//
// (cpu_cores: the CPU pcload itself used, in cores, to tell the load tool's
// share of a shared machine.) An interrupted run prints what it measured
// and exits 130.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

type config struct {
	url         string
	token       string
	item        string
	concurrency int
	duration    time.Duration
	n           int64
	rate        float64
	prefix      string
	timeout     time.Duration
	showErrors  int
	get         []string // paths to read round-robin instead of sending steps
}

func main() {
	var cfg config
	flag.StringVar(&cfg.url, "url", "http://127.0.0.1:8080", "base URL of the powercheck server")
	flag.StringVar(&cfg.token, "token", os.Getenv("PCLOAD_TOKEN"), "bearer token of a clerk (or $PCLOAD_TOKEN)")
	flag.StringVar(&cfg.item, "item", "XK-001", "power item code of the cases (a flow accept, review, decide, deliver)")
	flag.IntVar(&cfg.concurrency, "concurrency", 16, "concurrent connections (workers)")
	flag.DurationVar(&cfg.duration, "duration", 10*time.Second, "how long to send (ignored when -n is set)")
	flag.Int64Var(&cfg.n, "n", 0, "number of steps to send (0: send for -duration)")
	flag.Float64Var(&cfg.rate, "rate", 0, "steps per second, open loop (0: closed loop, as fast as possible)")
	flag.StringVar(&cfg.prefix, "prefix", "", "what case numbers (after the department's code and \"-\") and step ids begin with (default: derived from the clock)")
	flag.DurationVar(&cfg.timeout, "timeout", 30*time.Second, "timeout of one request")
	flag.IntVar(&cfg.showErrors, "show-errors", 5, "how many error answers to print")
	get := flag.String("get", "", "comma-separated paths to GET round-robin instead of sending steps (200 is success)")
	flag.Parse()
	if *get != "" {
		cfg.get = strings.Split(*get, ",")
	}
	if err := cfg.check(); err != nil {
		fmt.Fprintln(os.Stderr, "pcload:", err)
		flag.Usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if len(cfg.get) == 0 {
		dept, err := clerkDepartment(ctx, cfg)
		if err != nil {
			fmt.Fprintln(os.Stderr, "pcload:", err)
			os.Exit(2)
		}
		cfg.prefix = dept + "-" + cfg.prefix
	}
	r := run(ctx, cfg)
	r.print(os.Stdout, cfg)
	switch {
	case ctx.Err() != nil:
		// Interrupted: say so with the conventional status, so that a
		// calling script stops too.
		fmt.Fprintln(os.Stderr, "pcload: interrupted")
		os.Exit(130)
	case r.errors > 0 || r.steps == 0:
		os.Exit(1)
	}
}

var safeID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,40}$`)

func (c *config) check() error {
	c.url = strings.TrimRight(c.url, "/")
	switch {
	case !strings.HasPrefix(c.url, "http://") && !strings.HasPrefix(c.url, "https://"):
		return fmt.Errorf("-url %q: want http://host:port", c.url)
	case c.token == "" && len(c.get) == 0:
		return errors.New("-token is required (a clerk's bearer token)")
	case !safeID.MatchString(c.item):
		return fmt.Errorf("-item %q is not a valid item code", c.item)
	case c.concurrency < 1:
		return errors.New("-concurrency must be at least 1")
	case c.n < 0 || c.rate < 0:
		return errors.New("-n and -rate must not be negative")
	case c.n == 0 && c.duration <= 0:
		return errors.New("give -duration or -n")
	}
	if c.prefix == "" {
		c.prefix = "L" + strconv.FormatInt(time.Now().UnixNano()/1e6, 36)
	}
	if !safeID.MatchString(c.prefix) {
		return fmt.Errorf("-prefix %q: letters, digits and _ . : / - only, at most 41", c.prefix)
	}
	return nil
}

// clerkDepartment asks the server for the department of the token's
// account: the cases a clerk opens are numbered "<department code>-…".
func clerkDepartment(ctx context.Context, cfg config) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, cfg.url+"/api/v1/me", nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer "+cfg.token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("the token's account: %w", err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	if err != nil {
		return "", fmt.Errorf("the token's account: %w", err)
	}
	if res.StatusCode != http.StatusOK {
		return "", fmt.Errorf("the token's account: %s %.200s", res.Status, body)
	}
	var a struct {
		DepartmentCode string `json:"department_code"`
	}
	if err := json.Unmarshal(body, &a); err != nil {
		return "", fmt.Errorf("the token's account: %w", err)
	}
	if a.DepartmentCode == "" {
		return "", errors.New("the token's account belongs to no department: give a clerk's token")
	}
	return a.DepartmentCode, nil
}

// flow is the licensing item's flow, in order.
var flow = [...]string{"accept", "review", "decide", "deliver"}

// vcase is a virtual case: its number, when it was accepted and its next step.
type vcase struct {
	no   string
	base time.Time // occurred_at of the first step
	next int       // index into flow
}

var cst = time.FixedZone("CST", 8*3600)

// body appends the JSON body of c's next step to b. It is built by hand so
// that the load tool, which shares the machine with the server, stays cheap.
func (c *vcase) body(b []byte, item string) []byte {
	code := flow[c.next]
	occurred := c.base.Add(time.Duration(c.next) * 4 * time.Minute)
	b = append(b, `{"id":"`...)
	b = append(b, c.no...)
	b = append(b, '-')
	b = append(b, code...)
	b = append(b, `","case_no":"`...)
	b = append(b, c.no...)
	b = append(b, `","step_code":"`...)
	b = append(b, code...)
	b = append(b, `","handler":"张三","occurred_at":"`...)
	b = occurred.AppendFormat(b, time.RFC3339)
	b = append(b, '"')
	switch code {
	case "accept":
		b = append(b, `,"power_item_code":"`...)
		b = append(b, item...)
		b = append(b, `","applicant":"某建设工程有限公司","legal_basis_ids":["LB1"],"approvals":[]`...)
	case "decide":
		b = append(b, `,"legal_basis_ids":["LB1"],"approvals":[{"role":"dept_inspector","by":"李四","at":"`...)
		b = occurred.Add(-time.Minute).AppendFormat(b, time.RFC3339)
		b = append(b, `"}]`...)
	default:
		b = append(b, `,"legal_basis_ids":["LB1"],"approvals":[]`...)
	}
	b = append(b, `,"attributes":{}}`...)
	return b
}

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
	lat      []time.Duration
	byStatus map[string]int64
	created  int64
	errors   int64
	buf      []byte
}

// run sends steps until the duration is over or n steps are sent.
func run(ctx context.Context, cfg config) *result {
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        cfg.concurrency * 2,
		MaxIdleConnsPerHost: cfg.concurrency * 2,
		MaxConnsPerHost:     cfg.concurrency,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
		ForceAttemptHTTP2:   false,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: cfg.timeout}
	endpoint := cfg.url + "/api/v1/steps"
	auth := "Bearer " + cfg.token

	var (
		caseSeq  atomic.Int64
		reads    atomic.Int64
		sent     atomic.Int64
		errMu    sync.Mutex
		firstErr []string
	)
	// ready holds cases whose previous step was accepted; a worker takes one
	// before it opens a new case, so every case's steps go in flow order.
	ready := make(chan *vcase, cfg.concurrency*4)
	now := time.Now()
	nextCase := func() *vcase {
		select {
		case c := <-ready:
			return c
		default:
		}
		n := caseSeq.Add(1)
		// Accepted 20–40 minutes ago, so the last step (12 minutes later)
		// is still well in the past, and entered the same day.
		back := 20*time.Minute + time.Duration(n%1200)*time.Second
		return &vcase{no: cfg.prefix + "-" + strconv.FormatInt(n, 10), base: now.Add(-back).In(cst).Truncate(time.Second)}
	}
	recordErr := func(msg string) {
		errMu.Lock()
		if len(firstErr) < cfg.showErrors {
			firstErr = append(firstErr, msg)
		}
		errMu.Unlock()
	}

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
		slots = make(chan time.Time, cfg.concurrency*4)
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
	}
	// next returns the intended start of the next request, or false when the
	// run is over.
	next := func() (time.Time, bool) {
		if slots != nil {
			select {
			case at, ok := <-slots:
				return at, ok
			case <-runCtx.Done():
				return time.Time{}, false
			}
		}
		if runCtx.Err() != nil {
			return time.Time{}, false
		}
		if cfg.n > 0 {
			return time.Now(), sent.Add(1) <= cfg.n
		}
		t := time.Now()
		return t, t.Before(deadline)
	}

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
					status, body, err := fetch(runCtx, client, cfg.url+path, cfg.token)
					w.lat = append(w.lat, time.Since(intended))
					switch {
					case err != nil && ctx.Err() != nil:
						w.lat = w.lat[:len(w.lat)-1]
						return
					case err != nil:
						w.errors++
						w.byStatus["transport"]++
						recordErr(fmt.Sprintf("GET %s: %v", path, err))
					case status != http.StatusOK:
						w.errors++
						w.byStatus[strconv.Itoa(status)]++
						recordErr(fmt.Sprintf("GET %s: HTTP %d: %s", path, status, truncate(body, 400)))
					default:
						w.created++
						w.byStatus["200"]++
					}
					continue
				}
				c := nextCase()
				w.buf = c.body(w.buf[:0], cfg.item)
				status, body, err := post(runCtx, client, endpoint, auth, w.buf)
				w.lat = append(w.lat, time.Since(intended))
				switch {
				case err != nil:
					if ctx.Err() != nil {
						// interrupted (Ctrl-C): not the server's failure
						w.lat = w.lat[:len(w.lat)-1]
						return
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
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)

	r := &result{byStatus: map[string]int64{}, elapsed: elapsed, firstErrs: firstErr, cases: caseSeq.Load()}
	for _, w := range workers {
		r.samples = append(r.samples, w.lat...)
		r.created += w.created
		r.errors += w.errors
		for k, v := range w.byStatus {
			r.byStatus[k] += v
		}
	}
	r.steps = int64(len(r.samples))
	slices.Sort(r.samples)
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		r.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	return r
}

func post(ctx context.Context, client *http.Client, url, auth string, body []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(string(body)))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", auth)
	req.Header.Set("Content-Type", "application/json")
	res, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	if res.StatusCode == http.StatusCreated {
		_, err = io.Copy(io.Discard, res.Body) // drain, so the connection is reused
		return res.StatusCode, nil, err
	}
	b, err := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	_, _ = io.Copy(io.Discard, res.Body)
	return res.StatusCode, b, err
}

// fetch GETs url and reads the whole answer, as a browser would.
func fetch(ctx context.Context, client *http.Client, url, token string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, nil, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if res.StatusCode == http.StatusOK {
		return res.StatusCode, nil, err
	}
	return res.StatusCode, b, err
}

func truncate(b []byte, n int) string {
	s := strings.TrimSpace(string(b))
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

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
