package main

import (
	"bytes"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"powercheck/internal/apitest"
	"powercheck/internal/calendar"
)

// bodyEnv is one server with a district, the database behind it and the
// tokens of its accounts.
type bodyEnv struct {
	s        *server
	db       *sql.DB
	driver   string
	tables   []string
	tok      map[string]string
	cases    int
	check    int64  // a spot check whose sample holds sampled
	sampled  string // a case of it
	requests int
}

func newBodyEnv(t *testing.T, s *server, dsn string) *bodyEnv {
	t.Helper()
	tok := s.SetupDistrict(t)
	e := &bodyEnv{s: s, tok: map[string]string{
		"admin": apitest.AdminToken, "legal": tok[apitest.LegalToken], "supervision": tok[apitest.SupervisionToken],
		"clerk": tok[apitest.ZJJClerk], "deptAdmin": tok[apitest.ZJJAdmin],
		"inspector": s.AddAccount(t, "bf-inspector", "dept_inspector", "ZJJ"),
		"rotate":    s.AddAccount(t, "bf-rotate", "clerk", "ZJJ"),
	}}
	s.AddAccount(t, "bf-target", "clerk", "ZJJ")
	driver, _, _ := strings.Cut(dsn, ":")
	e.db, e.driver = apitest.RawDB(t, dsn), driver
	e.tables = e.tableNames(t)

	// A case accepted now, and a spot check that samples it.
	now := time.Now()
	caseNo := "ZJJ-BF-BASE"
	s.Must(201, "POST", "/api/v1/steps", e.tok["clerk"], apitest.FirstStep(caseNo+"-accept", caseNo, "XK-001", "accept", now.Add(-2*time.Hour).Format(time.RFC3339)))
	today := calendar.DateOf(now)
	var sc struct {
		ID    int64 `json:"id"`
		Cases []struct {
			CaseNo string `json:"case_no"`
		} `json:"cases"`
	}
	s.Must(201, "POST", "/api/v1/spot-checks", e.tok["supervision"], map[string]any{"departments": []string{"ZJJ"},
		"from": (today - 30).String(), "to": today.String(), "size": 1, "seed": 7}).Decode(

		t, &sc)

	if len(sc.Cases) != 1 {
		t.Fatalf("spot check sampled %d cases, want 1", len(sc.Cases))
	}
	e.check, e.sampled = sc.ID, sc.Cases[0].CaseNo
	return e
}

func (e *bodyEnv) tableNames(t *testing.T) []string {
	t.Helper()
	q := "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' ORDER BY name"
	if e.driver == "mysql" {
		q = "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() ORDER BY table_name"
	}
	out := apitest.Column[string](t, e.db, q)
	if !slices.Contains(out, "warnings") || !slices.Contains(out, "audit_log") {
		t.Fatalf("tables %v: want warnings and audit_log among them", out)
	}
	return out
}

// counts returns the row count of every table, in one statement.
func (e *bodyEnv) counts(t *testing.T) map[string]int64 {
	t.Helper()
	e.settled(t)
	parts := make([]string, len(e.tables))
	for i, tb := range e.tables {
		parts[i] = fmt.Sprintf("SELECT '%s', COUNT(*) FROM %s", tb, tb)
	}
	return apitest.Pairs[string, int64](t, e.db, strings.Join(parts, " UNION ALL "))
}

// intact proves that every table is still there and answers.
func (e *bodyEnv) intact(t *testing.T) {
	if got := e.tableNames(t); !slices.Equal(got, e.tables) {
		t.Errorf("tables now %v, want %v", got, e.tables)
	}
	c := e.counts(t)
	if c["warnings"] == 0 || c["accounts"] < 9 || c["departments"] < 2 {
		t.Errorf("counts %v: warnings, accounts or departments lost", c)
	}
}

func (e *bodyEnv) send(t *testing.T, method, path, token string, body []byte) apitest.Response {
	t.Helper()
	e.requests++
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, e.s.Base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return apitest.Response{Status: res.StatusCode, Body: b}
}

// get answers a GET as the account as, failing unless it is 200.
func (e *bodyEnv) get(t *testing.T, as, path string) string {
	t.Helper()
	r := e.send(t, "GET", path, e.tok[as], nil)
	if r.Status != 200 {
		t.Fatalf("GET %s: %d %s", path, r.Status, r.Body)
	}
	return string(r.Body)
}

func (e *bodyEnv) post(t *testing.T, want int, method, path, as string, body any) apitest.Response {
	t.Helper()
	r := e.send(t, method, path, e.tok[as], []byte(js(body)))
	if r.Status != want {
		t.Fatalf("%s %s: %d, want %d; %s", method, path, r.Status, want, r.Body)
	}
	return r
}

// newWarning opens a ZJJ case whose first step raises warnings and returns
// one of them.
func (e *bodyEnv) newWarning(t *testing.T) int64 {
	t.Helper()
	e.cases++
	caseNo := fmt.Sprintf("ZJJ-BF-W%d", e.cases)
	var ans apitest.StepAnswer
	e.post(t, 201, "POST", "/api/v1/steps", "clerk", apitest.FirstStep(caseNo+"-accept", caseNo, "XK-001", "accept", "2026-03-02T09:30:00+08:00")).Decode(t, &ans)
	if len(ans.Warnings) == 0 {
		t.Fatalf("case %s raised no warning", caseNo)
	}
	return ans.Warnings[0].ID
}

// pending makes a department admin's adjustment of BF-PEND and returns its
// version, which awaits the legal office.
func (e *bodyEnv) pending(t *testing.T) int {
	t.Helper()
	it := apitest.ItemFixture(t, "licensing", nil)
	var v struct {
		Version int `json:"version"`
	}
	r := e.send(t, "PUT", "/api/v1/power-items/BF-PEND", e.tok["deptAdmin"], []byte(js(it)))
	if r.Status != 200 && r.Status != 201 {
		t.Fatalf("adjust BF-PEND: %d %s", r.Status, r.Body)
	}
	r.Decode(t, &v)
	return v.Version
}

type snapshot struct {
	counts map[string]int64
	watch  string
}

// settled waits for the audit log's queue to be empty: a change queues its
// entry just after its answer and the sequencer chains it a moment later,
// which would otherwise be counted as a change of the request after it.
func (e *bodyEnv) settled(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		var n int64
		if err := e.db.QueryRow("SELECT COUNT(*) FROM audit_pending").Scan(&n); err != nil {
			t.Fatalf("count queued audit entries: %v", err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d audit entries still queued after 5s", n)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func (e *bodyEnv) snap(t *testing.T, rt bodyRoute, path string) snapshot {
	t.Helper()
	s := snapshot{counts: e.counts(t)}
	if rt.watch != nil {
		s.watch = rt.watch(t, e, path)
	}
	return s
}

func (a snapshot) changes(b snapshot) []string {
	var out []string
	for tb, n := range a.counts {
		if b.counts[tb] != n {
			out = append(out, fmt.Sprintf("%s %d→%d", tb, n, b.counts[tb]))
		}
	}
	if a.watch != b.watch {
		out = append(out, "watched listing changed")
	}
	slices.Sort(out)
	return out
}

var auditTables = []string{"audit_log", "audit_head", "audit_effects", "audit_pending", "audit_pending_effects", "audit_sequencer"}

// eventTables grow with any accepted change that is worth telling (the
// outbox); a refused request never writes to them.
var eventTables = []string{"outbox_events"}

// waitAudit waits for the audit entry of an accepted request: it is
// written after the answer.
func (e *bodyEnv) waitAudit(t *testing.T, want int64) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		n := e.counts(t)["audit_log"]
		switch {
		case n == want:
			return
		case n > want:
			t.Errorf("audit log has %d entries, want %d", n, want)
			return
		case time.Now().After(deadline):
			t.Errorf("audit log has %d entries after 5s, want %d", n, want)
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// stillBackground returns serve flags that stop every background job, then
// extra: the database changes only by the requests the test makes, which
// it counts (notifications and deliveries are routed from the outbox later).
func stillBackground(extra ...string) []string {
	return append([]string{"--sweep-interval", "0", "--notify-interval", "0", "--reminder-interval", "0",
		"--webhook-fanout-interval", "0", "--webhook-dispatch-interval", "0", "--mail-digest-interval", "0"}, extra...)
}
