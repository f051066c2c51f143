package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"powercheck/internal/apitest"
)

// scrape reads the server's metrics.
func (s *server) scrape() string {
	s.T.Helper()
	if s.metrics == "" {
		s.T.Fatal("the server was started without --metrics-addr")
	}
	res, err := http.Get(s.metrics)
	if err != nil {
		s.T.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != 200 {
		s.T.Fatalf("GET %s: %d, %v", s.metrics, res.StatusCode, err)
	}
	return string(b)
}

// metricSum adds up the samples of name whose labels include every
// name="value" of labels; found tells whether any sample matched.
func metricSum(exposition, name string, labels ...string) (sum float64, found bool) {
	for _, line := range strings.Split(exposition, "\n") {
		rest, ok := strings.CutPrefix(line, name)
		if !ok || (rest != "" && rest[0] != '{' && rest[0] != ' ') {
			continue
		}
		set, value := "", rest
		if strings.HasPrefix(rest, "{") {
			end := strings.LastIndex(rest, "}")
			set, value = rest[1:end], rest[end+1:]
		}
		match := true
		for _, l := range labels {
			match = match && strings.Contains(","+set+",", ","+l+",")
		}
		if !match {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err != nil {
			continue
		}
		sum, found = sum+v, true
	}
	return sum, found
}

// metricCounts are the counts TestMetrics' requests leave in the metrics.
var metricCounts = []struct {
	name   string
	labels []string
	want   float64
}{
	{"powercheck_http_requests_total", []string{`method="POST"`, `route="/api/v1/steps"`, `status="201"`}, 3},
	{"powercheck_http_requests_total", []string{`method="POST"`, `route="/api/v1/steps"`, `status="422"`}, 1},
	{"powercheck_http_request_duration_seconds_count", []string{`method="POST"`, `route="/api/v1/steps"`, `status="201"`}, 3},
	{"powercheck_policy_evaluations_total", []string{`event="step"`}, 3},
	{"powercheck_policy_evaluation_duration_seconds_count", []string{`event="step"`}, 3},
	{"powercheck_sweep_runs_total", []string{`result="ok"`}, 1},
	{"powercheck_step_writer_steps_total", nil, 3},
	{"powercheck_step_writer_waiting", nil, 0},
	{"powercheck_audit_writer_waiting", nil, 0},
}

// submitMetricSteps submits three steps that raise warnings and counts the
// warnings answered by family and level.
func submitMetricSteps(t *testing.T, s *server, clerk string) map[string]map[string]int {
	t.Helper()
	noBasis := apitest.FirstStep("M2-accept", "ZJJ-M-2", "XK-001", "accept", "2026-03-02T09:30:00+08:00")
	noBasis["legal_basis_ids"] = []string{}
	families := map[string]map[string]int{}
	for _, body := range []map[string]any{
		apitest.FirstStep("M1-accept", "ZJJ-M-1", "XK-001", "accept", "2026-03-02T09:30:00+08:00"),
		noBasis,
		apitest.Step("M1-review", "ZJJ-M-1", "review", "2026-06-30T09:30:00+08:00"),
	} {
		ans := s.Submit(t, clerk, body)
		for _, w := range ans.Warnings {
			fam, _, _ := strings.Cut(w.Rule, ".")
			if families[fam] == nil {
				families[fam] = map[string]int{}
			}
			families[fam][w.Level]++
		}
	}
	return families
}

func TestMetrics(t *testing.T) {
	eachDistrict(t, []string{"--metrics-addr", "127.0.0.1:0"}, func(t *testing.T, s *server, tok map[string]string) {
		clerk := tok[apitest.ZJJClerk]

		families := submitMetricSteps(t, s, clerk) // family → level → warnings answered
		if len(families) == 0 {
			t.Fatal("the steps raised no warning; the test needs one")
		}
		s.Must(422, "POST", "/api/v1/steps", clerk, apitest.Step("M9", "ZJJ-M-9", "accept", "2026-03-02T09:30:00+08:00"))
		s.Must(200, "POST", "/api/v1/sweeps", apitest.AdminToken, nil)
		m := s.scrape()

		for _, tc := range metricCounts {
			if got, _ := metricSum(m, tc.name, tc.labels...); got != tc.want {
				t.Errorf("%s%v = %v, want %v", tc.name, tc.labels, got, tc.want)
			}
		}
		for fam, levels := range families {
			for level, n := range levels {
				labels := []string{`family="` + fam + `"`, `level="` + level + `"`}
				if got, _ := metricSum(m, "powercheck_warnings_stored_total", labels...); got != float64(n) {
					t.Errorf("powercheck_warnings_stored_total%v = %v, want %d", labels, got, n)
				}
			}
		}
		if got, found := metricSum(m, "powercheck_policy_evaluation_failures_total", `event="step"`); found && got != 0 {
			t.Errorf("evaluation failures = %v, want 0", got)
		}
		if got, _ := metricSum(m, "powercheck_step_writer_transactions_total"); got < 1 || got > 3 {
			t.Errorf("powercheck_step_writer_transactions_total = %v, want 1 to 3 for 3 steps", got)
		}
		// Every change through the API queued its entry: the district's
		// set-up, the three steps and the sweep at least.
		entries, _ := metricSum(m, "powercheck_audit_writer_entries_total")
		if txs, _ := metricSum(m, "powercheck_audit_writer_transactions_total"); entries < 4 || txs < 1 || txs > entries {
			t.Errorf("audit writer: %v entries in %v transactions, want at least 4 in at most as many", entries, txs)
		}
		for _, name := range []string{"powercheck_steps_unchecked_total", "powercheck_sweep_cases_due",
			"powercheck_sweep_duration_seconds_count", "go_sql_open_connections", "go_goroutines", "go_memstats_heap_alloc_bytes"} {
			if _, found := metricSum(m, name); !found {
				t.Errorf("no %s in the metrics", name)
			}
		}
		if strings.Contains(m, "ZJJ-M-1") || strings.Contains(m, "/api/v1/cases/ZJJ") {
			t.Error("a case number is a label value: the metrics must name routes, not paths")
		}
		t.Run("the API's address does not serve them", func(t *testing.T) {
			s.Must(404, "GET", "/metrics", "", nil)
			if r := s.Do("GET", "/debug/pprof/heap?debug=1", "", nil); strings.Contains(string(r.Body), "heap profile") {
				t.Error("the API's address serves Go's profiles")
			}
		})
		t.Run("the metrics address serves Go's profiles", func(t *testing.T) {
			res, err := http.Get(strings.TrimSuffix(s.metrics, "/metrics") + "/debug/pprof/heap?debug=1")
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			if res.StatusCode != 200 || !strings.Contains(string(b), "heap profile") {
				t.Errorf("GET /debug/pprof/heap: %d, %.80q", res.StatusCode, b)
			}
			// The command line may hold the database's password.
			cl, err := http.Get(strings.TrimSuffix(s.metrics, "/metrics") + "/debug/pprof/cmdline")
			if err != nil {
				t.Fatal(err)
			}
			defer cl.Body.Close()
			if cl.StatusCode == 200 {
				t.Error("GET /debug/pprof/cmdline answered 200; the command line must not be served")
			}
		})
	})
}

func TestMetricsAreOffByDefault(t *testing.T) {
	t.Parallel()
	s := startServer(t, sqliteDSNFor(t))
	if s.metrics != "" {
		t.Errorf("metrics served at %s without --metrics-addr", s.metrics)
	}
}

// requestWithID sends a request and returns its answer's status, X-Request-Id and body.
func requestWithID(t *testing.T, method, url, token, requestID string, body any) (status int, id string, b []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if requestID != "" {
		req.Header.Set("X-Request-Id", requestID)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err = io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, res.Header.Get("X-Request-Id"), b
}

func errorRequestID(t *testing.T, body []byte) string {
	t.Helper()
	var e struct {
		Error struct {
			Code      string `json:"code"`
			RequestID string `json:"request_id"`
		} `json:"error"`
	}
	if err := json.Unmarshal(body, &e); err != nil || e.Error.Code == "" {
		t.Fatalf("not an error body: %s (%v)", body, err)
	}
	return e.Error.RequestID
}

func TestRequestID(t *testing.T) {
	t.Parallel()
	untrusted := startServer(t, sqliteDSNFor(t))
	trusted := startServer(t, sqliteDSNFor(t), "--trusted-proxies", "127.0.0.1")

	t.Run("every answer carries one, and an error body the same", func(t *testing.T) {
		seen := map[string]bool{}
		for _, tc := range []struct {
			method, path, token string
			status              int
		}{
			{"GET", "/healthz", "", 200},
			{"GET", "/api/v1/me", apitest.AdminToken, 200},
			{"GET", "/api/v1/me", "", 401},
			{"GET", "/api/v1/me", "pc_wrong", 401},
			{"GET", "/api/v1/nothing-here", apitest.AdminToken, 404},
			{"DELETE", "/healthz", "", 405},
			{"POST", "/api/v1/steps", apitest.AdminToken, 403},
			{"GET", "/api/public/v1/items/NOPE", "", 404},
		} {
			status, id, body := requestWithID(t, tc.method, untrusted.Base+tc.path, tc.token, "", nil)
			if status != tc.status {
				t.Errorf("%s %s: status %d, want %d", tc.method, tc.path, status, tc.status)
			}
			if len(id) != 32 || seen[id] {
				t.Errorf("%s %s: X-Request-Id %q, want a new 32-character id", tc.method, tc.path, id)
			}
			seen[id] = true
			if status >= 400 {
				if got := errorRequestID(t, body); got != id {
					t.Errorf("%s %s: request_id in the body %q, want the header's %q", tc.method, tc.path, got, id)
				}
			}
		}
	})
	t.Run("a trusted proxy's id is kept", func(t *testing.T) {
		status, id, body := requestWithID(t, "GET", trusted.Base+"/api/v1/me", "", "edge-42.a_b", nil)
		if status != 401 || id != "edge-42.a_b" || errorRequestID(t, body) != "edge-42.a_b" {
			t.Errorf("status %d, id %q, body %s; want 401 with the proxy's id edge-42.a_b", status, id, body)
		}
	})
	t.Run("an id that is not a sane token is replaced, from a trusted proxy too", func(t *testing.T) {
		for _, sent := range []string{strings.Repeat("a", 65), "a b", "id\"}", "ok;drop"} {
			if _, id, _ := requestWithID(t, "GET", trusted.Base+"/healthz", "", sent, nil); id == sent || len(id) != 32 {
				t.Errorf("sent %q: X-Request-Id %q, want a new one", sent, id)
			}
		}
	})
	t.Run("an untrusted client's id is replaced", func(t *testing.T) {
		if _, id, _ := requestWithID(t, "GET", untrusted.Base+"/healthz", "", "edge-42", nil); id == "edge-42" || len(id) != 32 {
			t.Errorf("X-Request-Id %q, want a new one", id)
		}
	})
}

// syncBuffer is a bytes.Buffer the server's goroutines may write at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// accessLine is an access log line.
type accessLine struct {
	Msg        string  `json:"msg"`
	Method     string  `json:"method"`
	Route      string  `json:"route"`
	Status     int     `json:"status"`
	DurationMS float64 `json:"duration_ms"`
	Bytes      int     `json:"bytes"`
	RequestID  string  `json:"request_id"`
	IP         string  `json:"ip"`
	Account    string  `json:"account"`
	Role       string  `json:"role"`
	Department string  `json:"department"`
}

// accessLog waits up to 2 s for the access log line of request id.
func accessLog(t *testing.T, logs *syncBuffer, id string) accessLine {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		lines := bufio.NewScanner(strings.NewReader(logs.String()))
		lines.Buffer(nil, 1<<20)
		for lines.Scan() {
			var l accessLine
			if json.Unmarshal(lines.Bytes(), &l) == nil && l.Msg == "http" && l.RequestID == id {
				return l
			}
		}
	}
	t.Fatalf("no access log line of request %s in:\n%s", id, logs.String())
	return accessLine{}
}

func TestAccessLog(t *testing.T) {
	logs := &syncBuffer{}
	s := startServerLogging(t, sqliteDSNFor(t), logs)
	tok := s.SetupDistrict(t)
	clerk := tok[apitest.ZJJClerk]

	status, id, body := requestWithID(t, "POST", s.Base+"/api/v1/steps", clerk, "",
		apitest.FirstStep("L1-accept", "ZJJ-L-1", "XK-001", "accept", "2026-03-02T09:30:00+08:00"))
	if status != 201 {
		t.Fatalf("step: %d %s", status, body)
	}
	var ans apitest.StepAnswer
	if err := json.Unmarshal(body, &ans); err != nil || ans.QueryCode == "" {
		t.Fatalf("step answer without a query code: %s", body)
	}
	got := accessLog(t, logs, id)
	want := accessLine{Msg: "http", Method: "POST", Route: "/api/v1/steps", Status: 201, RequestID: id, IP: "127.0.0.1",
		Account: "zjj-clerk", Role: "clerk", Department: "ZJJ", Bytes: len(body), DurationMS: got.DurationMS}
	if got != want || got.DurationMS <= 0 {
		t.Errorf("access log line = %+v, want %+v", got, want)
	}

	pubStatus, pubID, _ := requestWithID(t, "GET", s.Base+"/api/public/v1/cases/ZJJ-L-1?code="+ans.QueryCode, "", "", nil)
	if pubStatus != 200 {
		t.Fatalf("public case: %d", pubStatus)
	}
	if l := accessLog(t, logs, pubID); l.Route != "/api/public/v1/cases/:case_no" || l.Status != 200 || l.Account != "" {
		t.Errorf("public case's line = %+v, want the route pattern, 200 and no account", l)
	}
	_, failedID, _ := requestWithID(t, "GET", s.Base+"/api/v1/me", "pc_not-a-token-at-all", "", nil)
	if l := accessLog(t, logs, failedID); l.Status != 401 || l.Route != "/api/v1/me" || l.Account != "" {
		t.Errorf("failed authentication's line = %+v", l)
	}

	out := logs.String()
	for _, secret := range []string{apitest.AdminToken, clerk, "pc_not-a-token-at-all", ans.QueryCode, "code=", "ZJJ-L-1"} {
		if strings.Contains(out, secret) {
			t.Errorf("the log holds %q", secret)
		}
	}
}
