//go:build chaos || cluster

package chaos_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"powercheck/internal/apitest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// stepLoad submits the steps of licensing cases (accept, review, decide,
// deliver) from a few workers, as a department's system would: a step that
// is not answered 2xx is sent again with the same id until it is, so every
// step a worker starts ends up acknowledged unless it is given up.
type stepLoad struct {
	prefix string
	clerk  string
	nodes  []*node
	// retry is the pause before a step is sent again; giveUp bounds the
	// time spent on one step.
	retry, giveUp time.Duration
	// twice sends worker 0's steps to every node at once, so that the same
	// step races itself on two nodes.
	twice bool

	journal journal

	mu       sync.Mutex
	acked    map[string]result // step id → the first 2xx answer
	replays  int               // steps answered 200 (stored before) after a failed try
	refused  []result          // 4xx answers: the load is valid, so each is a bug
	givenUp  []string          // steps never acknowledged
	mismatch []string          // one step answered with different bodies
	closed   []string          // cases whose last step was acknowledged
}

func newStepLoad(prefix, clerk string, nodes ...*node) *stepLoad {
	return &stepLoad{prefix: prefix, clerk: clerk, nodes: nodes, retry: 100 * time.Millisecond,
		giveUp: 60 * time.Second, acked: map[string]result{}}
}

// run starts workers; they start no new step once ctx ends, and the
// returned function waits until each has finished the step in hand.
func (l *stepLoad) run(ctx context.Context, workers int) (wait func()) {
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l.worker(ctx, w)
		}()
	}
	return wg.Wait
}

func (l *stepLoad) worker(ctx context.Context, w int) {
	// Cases accepted 40 days ago: a case left after its review is overdue,
	// so steps and sweeps both raise deadline warnings for it.
	base := time.Now().Add(-40 * 24 * time.Hour).Truncate(time.Hour)
	for k := 0; ctx.Err() == nil; k++ {
		caseNo := fmt.Sprintf("%s-%d-%05d", l.prefix, w, k)
		codes := []string{"accept", "review", "decide", "deliver"}
		if k%3 == 2 {
			codes = codes[:2] // left open
		}
		for i, code := range codes {
			if ctx.Err() != nil {
				return
			}
			at := base.Add(time.Duration(i) * time.Hour)
			body := map[string]any{"id": caseNo + "-" + code, "case_no": caseNo, "step_code": code, "handler": "张三",
				"occurred_at": at.Format(time.RFC3339), "legal_basis_ids": []string{"LB1"},
				"approvals": []any{}, "attributes": map[string]any{"worker": w}}
			if code == "accept" {
				body["power_item_code"], body["applicant"] = "XK-001", "某建设公司"
			}
			if code == "decide" && k%2 == 0 { // the others lack the checkpoint's approval
				body["approvals"] = []any{map[string]any{"role": "dept_inspector", "by": "李四", "at": at.Format(time.RFC3339)}}
			}
			if !l.submit(w, i, body) {
				break // the case cannot go on
			}
			if i == len(codes)-1 && len(codes) == 4 {
				l.mu.Lock()
				l.closed = append(l.closed, caseNo)
				l.mu.Unlock()
			}
		}
	}
}

// submit sends one step until it is acknowledged and reports whether it was.
func (l *stepLoad) submit(w, i int, body map[string]any) bool {
	id := body["id"].(string)
	start := time.Now()
	failed := false
	for try := 0; ; try++ {
		var rs []result
		if l.twice && w == 0 {
			rs = make([]result, len(l.nodes))
			var wg sync.WaitGroup
			for j, n := range l.nodes {
				wg.Add(1)
				go func() {
					defer wg.Done()
					rs[j] = n.call(context.Background(), "POST", "/api/v1/steps", l.clerk, body)
				}()
			}
			wg.Wait()
		} else {
			n := l.nodes[(w+i+try)%len(l.nodes)]
			rs = []result{n.call(context.Background(), "POST", "/api/v1/steps", l.clerk, body)}
		}
		var ok []result
		for _, r := range rs {
			l.journal.add(r)
			switch {
			case r.ok():
				ok = append(ok, r)
			case r.Status >= 400 && r.Status < 500:
				l.mu.Lock()
				l.refused = append(l.refused, r)
				l.mu.Unlock()
				return false
			}
		}
		if len(ok) > 0 {
			l.mu.Lock()
			if _, seen := l.acked[id]; !seen {
				l.acked[id] = ok[0]
			}
			if failed && ok[0].Status == 200 {
				l.replays++
			}
			for _, r := range ok[1:] {
				if !bytes.Equal(r.Body, ok[0].Body) {
					l.mismatch = append(l.mismatch, fmt.Sprintf("%s: %s vs %s", id, ok[0].Body, r.Body))
				}
			}
			l.mu.Unlock()
			return true
		}
		failed = true
		if time.Since(start) > l.giveUp {
			l.mu.Lock()
			l.givenUp = append(l.givenUp, id)
			l.mu.Unlock()
			return false
		}
		time.Sleep(l.retry)
	}
}

// ledger is what the database holds of the load's steps.
type ledger struct {
	acked, stored, duplicates int
	lost                      []string // acknowledged, not stored
	unacked                   []string // stored, never acknowledged
	openClosed                []string // cases whose last step was acknowledged but that are not closed
}

// reconcile compares the acknowledged steps with the database.
func (l *stepLoad) reconcile(t testing.TB, db *sql.DB) ledger {
	t.Helper()
	stored := apitest.Pairs[string, int](t, db, "SELECT id, COUNT(*) FROM steps WHERE id LIKE ? GROUP BY id", l.prefix+"-%")
	l.mu.Lock()
	defer l.mu.Unlock()
	g := ledger{acked: len(l.acked)}
	for id, n := range stored {
		g.stored += n
		if n > 1 {
			g.duplicates += n - 1
		}
		if _, ok := l.acked[id]; !ok {
			g.unacked = append(g.unacked, id)
		}
	}
	for id := range l.acked {
		if stored[id] == 0 {
			g.lost = append(g.lost, id)
		}
	}
	for _, c := range l.closed {
		var status string
		if err := db.QueryRow("SELECT status FROM cases WHERE case_no = ?", c).Scan(&status); err != nil || status != "closed" {
			g.openClosed = append(g.openClosed, fmt.Sprintf("%s (%q, %v)", c, status, err))
		}
	}
	sort.Strings(g.lost)
	sort.Strings(g.unacked)
	return g
}

// check fails the test on a lost, duplicated or unacknowledged step, a
// refused or given-up one, or a case left in the wrong state.
func (g ledger) check(t testing.TB, l *stepLoad) {
	t.Helper()
	if g.acked == 0 {
		t.Error("no step was acknowledged")
	}
	if g.duplicates > 0 {
		t.Errorf("%d steps stored more than once", g.duplicates)
	}
	if len(g.lost) > 0 {
		t.Errorf("%d acknowledged steps not stored: %s", len(g.lost), first(g.lost, 10))
	}
	// Every step a worker started was sent until acknowledged, so a
	// stored step that was never acknowledged was given up or refused.
	if len(g.unacked) > 0 {
		t.Errorf("%d stored steps never acknowledged: %s", len(g.unacked), first(g.unacked, 10))
	}
	if len(g.openClosed) > 0 {
		t.Errorf("%d cases whose last step was acknowledged are not closed: %s", len(g.openClosed), first(g.openClosed, 10))
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, r := range l.refused {
		if i == 10 {
			t.Errorf("… %d refused in all", len(l.refused))
			break
		}
		t.Errorf("valid step refused: %v", r)
	}
	if len(l.givenUp) > 0 {
		t.Errorf("%d steps never acknowledged within %s: %s", len(l.givenUp), l.giveUp, first(l.givenUp, 10))
	}
	if len(l.mismatch) > 0 {
		t.Errorf("%d steps answered with different bodies by two nodes: %s", len(l.mismatch), first(l.mismatch, 3))
	}
}

// checkWarnings fails the test when a warning of the load is stored twice:
// under the unique dedupe hash, or as the same rule, level and key (or step).
func checkWarnings(t testing.TB, db *sql.DB, prefix string) (total int) {
	t.Helper()
	if err := db.QueryRow("SELECT COUNT(*) FROM warnings WHERE case_no LIKE ?", prefix+"-%").Scan(&total); err != nil {
		t.Fatal(err)
	}
	for _, q := range []struct{ what, sql string }{
		{"by (case_no, dedupe)", "SELECT COUNT(*) FROM (SELECT case_no, dedupe FROM warnings WHERE case_no LIKE ? GROUP BY case_no, dedupe HAVING COUNT(*) > 1) d"},
		{"by (case_no, rule, level, warning_key) of keyed warnings", "SELECT COUNT(*) FROM (SELECT case_no FROM warnings WHERE case_no LIKE ? AND warning_key <> '' GROUP BY case_no, rule, level, warning_key HAVING COUNT(*) > 1) d"},
		{"by (case_no, rule, level, step_id) of unkeyed warnings", "SELECT COUNT(*) FROM (SELECT case_no FROM warnings WHERE case_no LIKE ? AND warning_key = '' GROUP BY case_no, rule, level, step_id HAVING COUNT(*) > 1) d"},
	} {
		var n int
		if err := db.QueryRow(q.sql, prefix+"-%").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			t.Errorf("%d warnings stored twice %s", n, q.what)
		}
	}
	return total
}

// journal is a concurrency-safe list of results.
type journal struct {
	mu      sync.Mutex
	results []result
}

func (j *journal) add(r result) {
	j.mu.Lock()
	j.results = append(j.results, r)
	j.mu.Unlock()
}

func (j *journal) all() []result {
	j.mu.Lock()
	defer j.mu.Unlock()
	return append([]result(nil), j.results...)
}

func first(s []string, n int) string {
	if len(s) > n {
		return strings.Join(s[:n], ", ") + fmt.Sprintf(" … (%d)", len(s))
	}
	return strings.Join(s, ", ")
}
