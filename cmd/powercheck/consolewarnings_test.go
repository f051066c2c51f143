package main

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// consoleRules are rules the policies raise, with how often each fires.
var consoleRules = []struct {
	rule, basis string
	weight      int
}{
	{"deadline.item_due_soon", "《中华人民共和国行政许可法》第四十二条", 20},
	{"deadline.item_overdue", "《中华人民共和国行政许可法》第四十二条", 8},
	{"deadline.step_due_soon", "《中华人民共和国行政许可法》第四十二条", 14},
	{"deadline.step_overdue", "《中华人民共和国行政许可法》第四十二条", 6},
	{"checkpoint.approval_missing", "《廉政风险防控工作规定》第十二条", 8},
	{"checkpoint.self_approval", "《廉政风险防控工作规定》第十二条", 2},
	{"checkpoint.approval_after_step", "《廉政风险防控工作规定》第十二条", 3},
	{"legal_basis.missing", "《中华人民共和国行政处罚法》第三十八条", 6},
	{"legal_basis.unknown", "《中华人民共和国行政处罚法》第三十八条", 2},
	{"discretion.amount_out_of_range", "《中华人民共和国行政处罚法》第三十四条", 4},
	{"discretion.missing", "《中华人民共和国行政处罚法》第三十四条", 3},
	{"sequence.out_of_order", "", 5},
	{"sequence.time_reversed", "", 1},
	{"sync.late_entry", "《行政权力依法规范公开运行工作方案》同步录入要求", 12},
	{"sync.very_late_entry", "《行政权力依法规范公开运行工作方案》同步录入要求", 4},
}

// consoleStatuses are the statuses of warnings, recent ones (weight) and
// those older than 60 days (settled), most of which are dealt with.
var consoleStatuses = []struct {
	status          string
	recent, settled int
}{
	{"open", 60, 12}, {"explained", 12, 5}, {"rectifying", 10, 5}, {"rectified", 10, 10},
	{"verified", 4, 30}, {"referred", 2, 6}, {"closed", 2, 32},
}

// insertWarnings inserts n warnings with multi-row INSERTs in one
// transaction, spread over the stored cases (each in its case's department,
// on one of its steps), the rules, levels and statuses, created between the
// case's acceptance and 60 days later (never in the future), in creation
// order so that ids follow time as they do when steps raise them.
func insertWarnings(b testing.TB, db *sql.DB, n int) int {
	b.Helper()
	if n <= 0 {
		return 0
	}
	cases, revision := loadSeedCases(b, db)
	r := rand.New(rand.NewPCG(21, 22))
	now := time.Now().UTC()
	ws := drawWarnings(r, cases, n, now)
	writeWarnings(b, db, ws, revision, r, now)
	return n
}

// seedCase is a stored case and its steps' ids.
type seedCase struct {
	no, dept string
	accepted time.Time
	steps    []string
}

// seedWarning is a warning insertWarnings inserts.
type seedWarning struct {
	c                           *seedCase
	step, rule, family, level   string
	status, basis, key, message string
	created                     time.Time
}

// loadSeedCases reads the stored cases that have steps and the newest
// policy revision.
func loadSeedCases(b testing.TB, db *sql.DB) ([]*seedCase, int64) {
	b.Helper()
	ctx := context.Background()
	var cases []*seedCase
	byNo := map[string]*seedCase{}
	rows, err := db.QueryContext(ctx, "SELECT case_no, department_code, accepted_at FROM cases ORDER BY case_no")
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		c := &seedCase{}
		if err := rows.Scan(&c.no, &c.dept, &c.accepted); err != nil {
			b.Fatal(err)
		}
		cases = append(cases, c)
		byNo[c.no] = c
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	rows.Close()
	rows, err = db.QueryContext(ctx, "SELECT id, case_no FROM steps ORDER BY seq")
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var id, no string
		if err := rows.Scan(&id, &no); err != nil {
			b.Fatal(err)
		}
		if c := byNo[no]; c != nil {
			c.steps = append(c.steps, id)
		}
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	rows.Close()
	var revision int64
	if err := db.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 1) FROM policy_revisions").Scan(&revision); err != nil {
		b.Fatal(err)
	}
	cases = slices.DeleteFunc(cases, func(c *seedCase) bool { return len(c.steps) == 0 })
	if len(cases) == 0 {
		b.Fatal("no cases with steps to hang warnings on")
	}
	return cases, revision
}

// drawWarnings draws n warnings from r over the cases, the rules and the
// statuses, sorted by creation.
func drawWarnings(r *rand.Rand, cases []*seedCase, n int, now time.Time) []seedWarning {
	ruleTotal, recentTotal, settledTotal := 0, 0, 0
	for _, x := range consoleRules {
		ruleTotal += x.weight
	}
	for _, x := range consoleStatuses {
		recentTotal += x.recent
		settledTotal += x.settled
	}
	ws := make([]seedWarning, n)
	for i := range ws {
		c := cases[r.IntN(len(cases))]
		k := r.IntN(ruleTotal)
		rule := consoleRules[0]
		for _, x := range consoleRules {
			if k -= x.weight; k < 0 {
				rule = x
				break
			}
		}
		family, _, _ := strings.Cut(rule.rule, ".")
		level := "prewarning"
		switch {
		case strings.HasSuffix(rule.rule, "_overdue"), strings.HasSuffix(rule.rule, "very_late_entry"):
			level = "alarm"
		case strings.HasSuffix(rule.rule, "_due_soon"):
		case r.IntN(4) == 0:
			level = "alarm"
		}
		created := c.accepted.UTC().Add(time.Duration(r.Int64N(int64(60 * 24 * time.Hour))))
		if created.After(now) {
			created = now.Add(-time.Duration(r.Int64N(int64(24 * time.Hour))))
		}
		settled := now.Sub(created) > 60*24*time.Hour
		k = r.IntN(pick(settled, settledTotal, recentTotal))
		status := "open"
		for _, x := range consoleStatuses {
			if k -= pick(settled, x.settled, x.recent); k < 0 {
				status = x.status
				break
			}
		}
		key := ""
		if family == "deadline" {
			key = "item"
		}
		step := c.steps[r.IntN(len(c.steps))]
		ws[i] = seedWarning{c: c, step: step, rule: rule.rule, family: family, level: level, status: status, basis: rule.basis,
			key: key, created: created,
			message: fmt.Sprintf("办件 %s 的环节 %s 触发规则 %s，请及时核查处理", c.no, step, rule.rule)}
	}
	slices.SortStableFunc(ws, func(a, b seedWarning) int { return a.created.Compare(b.created) })

	return ws
}

// writeWarnings inserts ws with multi-row INSERTs in one transaction; a
// dealt-with warning is updated up to 20 days after its creation.
func writeWarnings(b testing.TB, db *sql.DB, ws []seedWarning, revision int64, r *rand.Rand, now time.Time) {
	b.Helper()
	ctx := context.Background()
	const cols = "case_no, dedupe, step_id, department_code, `rule`, family, level, status, message, basis, warning_key, policy_revision, created_at, updated_at"
	const perRow, batch = 14, 500
	ph := "(" + strings.TrimSuffix(strings.Repeat("?,", perRow), ",") + ")"
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = tx.Rollback() }()
	args := make([]any, 0, batch*perRow)
	flush := func() {
		if len(args) == 0 {
			return
		}
		q := "INSERT INTO warnings (" + cols + ") VALUES " + strings.TrimSuffix(strings.Repeat(ph+",", len(args)/perRow), ",")
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			b.Fatalf("insert warnings: %v", err)
		}
		args = args[:0]
	}
	for i, w := range ws {
		sum := sha256.Sum256([]byte("console-bench|" + strconv.Itoa(i)))
		updated := w.created
		if w.status != "open" {
			updated = w.created.Add(time.Duration(r.Int64N(int64(20 * 24 * time.Hour))))
			if updated.After(now) {
				updated = now
			}
		}
		args = append(args, w.c.no, hex.EncodeToString(sum[:]), w.step, w.c.dept, w.rule, w.family, w.level, w.status,
			w.message, w.basis, w.key, revision, w.created, updated)
		if len(args) == batch*perRow {
			flush()
		}
	}
	flush()
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}

// pick returns a when cond holds, else b.
func pick(cond bool, a, b int) int {
	if cond {
		return a
	}
	return b
}
