//go:build cluster

package clustertest

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"powercheck/internal/apitest"
)

// TestStepsThroughEveryNode submits the steps of several cases at once,
// each step of a case through another node than the one before, and each
// step twice at the same time through two nodes: every acknowledged step is
// stored exactly once, a case's steps in the order they were submitted, no
// warning twice; then the audit is sequenced through every node at once
// and its chain verifies.
func TestStepsThroughEveryNode(t *testing.T) {
	nodes := startNodes(t, clusterDSNs(t))
	tokens := nodes[0].api.SetupDistrict(t)
	clerk := tokens[apitest.ZJJClerk]
	const cases = 9
	codes := []string{"accept", "review", "decide", "deliver"}
	start := time.Now().Add(-48 * time.Hour)
	var wg sync.WaitGroup
	errs := make(chan error, cases*len(codes)*2)
	for c := range cases {
		wg.Add(1)
		go func() {
			defer wg.Done()
			caseNo := fmt.Sprintf("ZJJ-2026-G%03d", c)
			for k, code := range codes {
				at := apitest.StepTime(start.Add(time.Duration(k) * time.Hour))
				body := apitest.Step(caseNo+"-"+code, caseNo, code, at)
				if k == 0 {
					body = apitest.FirstStep(caseNo+"-"+code, caseNo, "XK-001", code, at)
				}
				// The same step through two nodes at once: one stores it,
				// the other answers its replay.
				var twice sync.WaitGroup
				for r := range 2 {
					n := nodes[(c+k+r)%len(nodes)]
					twice.Add(1)
					go func() {
						defer twice.Done()
						res := n.api.Do("POST", "/api/v1/steps", clerk, body)
						if res.Status != http.StatusCreated && res.Status != http.StatusOK {
							errs <- fmt.Errorf("%s %s: status %d: %s", caseNo, code, res.Status, res.Body)
						}
					}()
				}
				twice.Wait()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	db := rawDB(t, dsnOf(t, nodes[2]), "")
	var total, distinct int
	mustScan(t, db.QueryRow("SELECT COUNT(*), COUNT(DISTINCT department_code, id) FROM steps"), &total, &distinct)
	if want := cases * len(codes); total != want || distinct != want {
		t.Errorf("steps stored: got %d (%d distinct), want %d", total, distinct, want)
	}
	for c := range cases {
		caseNo := fmt.Sprintf("ZJJ-2026-G%03d", c)
		got := apitest.Column[string](t, db, "SELECT step_code FROM steps WHERE case_no = ? ORDER BY seq", caseNo)
		if fmt.Sprint(got) != fmt.Sprint(codes) {
			t.Errorf("%s: steps in stored order %v, want %v", caseNo, got, codes)
		}
	}
	var dupWarnings int
	// A warning is one per case, rule, level and scope: its key, or the
	// step that raised it when it has none (compliance.DedupeKey). Late
	// entries, for one, are unkeyed and raised once by each step.
	mustScan(t, db.QueryRow(`SELECT COUNT(*) FROM (SELECT case_no FROM warnings
		GROUP BY case_no, rule, level, CASE WHEN warning_key = '' THEN CONCAT('s:', step_id) ELSE CONCAT('k:', warning_key) END
		HAVING COUNT(*) > 1) d`), &dupWarnings)
	if dupWarnings != 0 {
		t.Errorf("warnings stored twice: %d", dupWarnings)
		t.Logf("warnings: %v", apitest.Column[string](t, db, "SELECT CONCAT(case_no, ' ', rule, ' ', level, ' ', warning_key, ' ', step_id) FROM warnings ORDER BY case_no, rule"))
	}
	var raised, warnings int
	mustScan(t, db.QueryRow("SELECT COUNT(*) FROM warnings"), &warnings)
	mustScan(t, db.QueryRow("SELECT COUNT(*) FROM outbox_events WHERE name = 'warning.raised'"), &raised)
	if warnings == 0 || raised != warnings {
		t.Errorf("warning.raised events: got %d for %d warnings, want one each (and some warnings)", raised, warnings)
		t.Logf("events: %v", apitest.Column[string](t, db, "SELECT CONCAT(case_no, ' ', data) FROM outbox_events WHERE name = 'warning.raised' ORDER BY case_no"))
		t.Logf("warnings: %v", apitest.Column[string](t, db, "SELECT CONCAT(case_no, ' ', id, ' ', rule, ' ', step_id) FROM warnings ORDER BY case_no"))
	}
	settleAndVerify(t, nodes)
}

// settleAndVerify sequences the audit queue through every node at once,
// then verifies the chain: one sequence, no entry twice, none left.
func settleAndVerify(t *testing.T, nodes []*node) {
	t.Helper()
	ctx := context.Background()
	atOnce(len(nodes), func(i int) {
		if err := nodes[i].svcs.Audit.SettleAudit(ctx); err != nil {
			t.Errorf("settle audit: %v", err)
		}
	})
	db := rawDB(t, dsnOf(t, nodes[0]), "")
	var pending, entries, seqs, maxSeq int
	mustScan(t, db.QueryRow("SELECT COUNT(*) FROM audit_pending"), &pending)
	mustScan(t, db.QueryRow("SELECT COUNT(*), COUNT(DISTINCT seq), COALESCE(MAX(seq), 0) FROM audit_log"), &entries, &seqs, &maxSeq)
	if pending != 0 || entries == 0 || seqs != entries || maxSeq != entries {
		t.Errorf("audit: %d pending, %d entries, %d distinct seqs, last seq %d; want 0 pending, seqs 1..entries", pending, entries, seqs, maxSeq)
	}
	admin, err := nodes[1].svcs.Accounts.Authenticate(ctx, apitest.AdminToken)
	if err != nil {
		t.Fatalf("admin: %v", err)
	}
	v, err := nodes[1].svcs.Audit.VerifyAuditLog(ctx, admin)
	if err != nil || !v.OK {
		t.Errorf("audit verify: %+v, %v", v, err)
	}
}
