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
// With -batch N each request sends the next steps of N cases at once to
// POST /api/v1/steps/batch, and a step counts as created when its result
// in the answer is 201; latencies are those of the batches:
//
//	pcload -url http://127.0.0.1:8080 -token pc_… -batch 1000 -concurrency 4 -duration 20s
//
// With -get it reads instead: each request GETs the next of the given paths
// (e.g. the public pages), without a token unless one is given, and anything
// but 200 OK is an error:
//
//	pcload -url http://127.0.0.1:8080 -get /api/public/v1/items,/api/public/v1/items/XK-001 -concurrency 16
//
// With -post it POSTs a file's content to each of the -get paths instead,
// e.g. one decision input to an OPA server (see cmd/pcopa):
//
//	pcload -url http://127.0.0.1:8181 -get /v1/data/powercheck/decision/check -post input.json -concurrency 64
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
	"net/http"
	"os"
	"os/signal"
	"regexp"
	"strconv"
	"strings"
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
	batch       int      // steps a request, through POST /api/v1/steps/batch; 0: one, through POST /api/v1/steps
	get         []string // paths to read round-robin instead of sending steps
	post        []byte   // with get: the body to POST to them instead of a GET
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
	flag.IntVar(&cfg.batch, "batch", 0, "steps a request, sent to POST /api/v1/steps/batch (at most 1000; 0: one step a request to POST /api/v1/steps)")
	get := flag.String("get", "", "comma-separated paths to GET round-robin instead of sending steps (200 is success)")
	post := flag.String("post", "", "with -get: a file whose content is POSTed to the paths instead (200 is success)")
	flag.Parse()
	if *get != "" {
		cfg.get = strings.Split(*get, ",")
	}
	if *post != "" {
		b, err := os.ReadFile(*post)
		if err != nil {
			fmt.Fprintln(os.Stderr, "pcload:", err)
			os.Exit(2)
		}
		cfg.post = b
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
	case c.post != nil && len(c.get) == 0:
		return errors.New("-post needs the paths to POST to in -get")
	case c.token == "" && len(c.get) == 0:
		return errors.New("-token is required (a clerk's bearer token)")
	case !safeID.MatchString(c.item):
		return fmt.Errorf("-item %q is not a valid item code", c.item)
	case c.concurrency < 1:
		return errors.New("-concurrency must be at least 1")
	case c.n < 0 || c.rate < 0:
		return errors.New("-n and -rate must not be negative")
	case c.batch < 0 || c.batch > 1000:
		return errors.New("-batch must be between 0 and 1000")
	case c.batch > 0 && (len(c.get) > 0 || c.rate > 0):
		return errors.New("-batch goes with neither -get nor -rate")
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
