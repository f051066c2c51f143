package sqlstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"powercheck/internal/compliance"
)

// dayOf is the day (YYYY-MM-DD) of t in Asia/Shanghai, which has kept
// UTC+8 without daylight saving time since 1991.
func dayOf(t time.Time) string { return t.UTC().Add(8 * time.Hour).Format(time.DateOnly) }

// daySQL is the SQL for dayOf of a stored UTC time.
func daySQL(dialect, col string) string {
	if dialect == "mysql" {
		return "DATE_FORMAT(" + col + " + INTERVAL 8 HOUR, '%Y-%m-%d')"
	}
	return "strftime('%Y-%m-%d', " + col + ", '+8 hours')"
}

// tenthsSQL is the SQL for the tenths of a day from w.created_at to t.at.
func tenthsSQL(dialect string) string {
	if dialect == "mysql" {
		return "CAST(ROUND(TIMESTAMPDIFF(MICROSECOND, w.created_at, t.at) / 1000000.0 / 8640.0) AS SIGNED)"
	}
	return "CAST(ROUND((julianday(t.at) - julianday(w.created_at)) * 86400.0 / 8640.0) AS INTEGER)"
}

// wholeDays returns the days [from, to) of f when both ends are midnights
// in Asia/Shanghai, as every period the console asks for is.
func wholeDays(f compliance.StatsFilter) (from, to string, ok bool) {
	if f.From.IsZero() || f.To.IsZero() {
		return "", "", false
	}
	a, b := f.From.UTC().Add(8*time.Hour), f.To.UTC().Add(8*time.Hour)
	if !a.Equal(a.Truncate(24*time.Hour)) || !b.Equal(b.Truncate(24*time.Hour)) {
		return "", "", false
	}
	return a.Format(time.DateOnly), b.Format(time.DateOnly), true
}

// rollupReady reports whether the rollup was filled; until then, and on a
// database whose schema predates it (the query fails), the figures come
// from the base tables.
func rollupReady(db *gorm.DB, part string) bool {
	return rollupFilled(db, part)[part]
}

// rollupFilled returns which of parts are filled, in one query; none when
// the query fails (a schema that predates the rollup).
func rollupFilled(db *gorm.DB, parts ...string) map[string]bool {
	var names []string
	if err := db.Model(&rollupStateRow{}).Where("name IN ?", parts).Pluck("name", &names).Error; err != nil {
		return nil
	}
	out := make(map[string]bool, len(names))
	for _, n := range names {
		out[n] = true
	}
	return out
}

type rollupTable int8

// The order of the tables is the order every transaction takes their rows
// in: a warning's month after its day, as the fill of the months takes them.
const (
	rollWarnings rollupTable = iota
	rollWarningMonths
	rollCases
	rollRectify
	rollRectifyMonths
	rollOverdue
	rollFirsts
)

type rollupKey struct {
	table         rollupTable
	dept, day     string // day is YYYY-MM for the warnings' months
	family, level string // warnings
	tenths        int64  // rectifications (day is YYYY-MM for their months)
	caseNo        string // overdue warnings
	prevDay       string // overdue firsts
}

func (a rollupKey) compare(b rollupKey) int {
	return cmp.Or(cmp.Compare(a.table, b.table), cmp.Compare(a.dept, b.dept), cmp.Compare(a.day, b.day),
		cmp.Compare(a.family, b.family), cmp.Compare(a.level, b.level), cmp.Compare(a.tenths, b.tenths), cmp.Compare(a.caseNo, b.caseNo), cmp.Compare(a.prevDay, b.prevDay))
}

// rollupDelta is what a change adds to a counter row: for warnings n, open,
// rectified; for cases cases, closed, overdue, closed and overdue, warned;
// for rectifications n.
type rollupDelta [5]int64

// A rollup collects the counter changes of one transaction and applies
// them at its end, in one order (table, then key) shared by every
// transaction, so that two never take the same counter rows in opposite
// orders; and after every lock on the base tables, so that none waits for
// a base row while holding a counter.
type rollup struct {
	deltas map[rollupKey]*rollupDelta
	// cases are the case rows the transaction wrote, as it left them, by
	// number: the counters of their warnings need not read them again.
	// created are those of them it created and has counted no warning of
	// yet: they have none.
	cases   map[string]caseRow
	created map[string]bool
	// warned are cases known to have a warning, true when one of them is
	// overdue: warnings are never deleted, so what a case was read to have
	// it still has.
	warned map[string]bool
}

// knowWarned notes that case caseNo has a warning, an overdue one when
// overdue; what is known already stays known.
func (r *rollup) knowWarned(caseNo string, overdue bool) {
	if r.warned == nil {
		r.warned = map[string]bool{}
	}
	r.warned[caseNo] = r.warned[caseNo] || overdue
}

// rememberCase notes case c as the transaction left it; created when the
// transaction created it.
func (r *rollup) rememberCase(c caseRow, created bool) {
	if r.cases == nil {
		r.cases, r.created = map[string]caseRow{}, map[string]bool{}
	}
	r.cases[c.CaseNo] = c
	if created {
		r.created[c.CaseNo] = true
	}
}

func (r *rollup) add(k rollupKey, d rollupDelta) {
	if r.deltas == nil {
		r.deltas = map[rollupKey]*rollupDelta{}
	}
	cur := r.deltas[k]
	if cur == nil {
		cur = &rollupDelta{}
		r.deltas[k] = cur
	}
	for i := range d {
		cur[i] += d[i]
	}
}

// warning adds the change of one warning from status from ("" when new) to
// status to ("" when gone).
func (r *rollup) warning(w warningRow, from, to string) {
	d := rollupDelta{}
	if from == "" {
		d[0]++
	}
	if to == "" {
		d[0]--
	}
	d[1] = b2i(to == compliance.WarningOpen) - b2i(from == compliance.WarningOpen)
	d[2] = b2i(rectified(to)) - b2i(rectified(from))
	if d == (rollupDelta{}) {
		return
	}
	day := dayOf(w.CreatedAt)
	r.add(rollupKey{table: rollWarnings, dept: w.DepartmentCode, day: day, family: w.Family, level: w.Level}, d)
	r.add(rollupKey{table: rollWarningMonths, dept: w.DepartmentCode, day: day[:7], family: w.Family, level: w.Level}, d)
}

// caseState is what the case counters know of a case.
type caseState struct {
	exists, closed, overdue, warned bool
}

func (c caseState) counts() rollupDelta {
	if !c.exists {
		return rollupDelta{}
	}
	return rollupDelta{1, b2i(c.closed), b2i(c.overdue), b2i(c.closed && c.overdue), b2i(c.warned)}
}

// caseChange adds the change of case c (accepted on day in dept) from
// state from to state to.
func (r *rollup) caseChange(dept string, accepted time.Time, from, to caseState) {
	a, b := from.counts(), to.counts()
	var d rollupDelta
	for i := range d {
		d[i] = b[i] - a[i]
	}
	if d == (rollupDelta{}) {
		return
	}
	r.add(rollupKey{table: rollCases, dept: dept, day: dayOf(accepted)}, d)
}

func rectified(status string) bool {
	return status != "" && slices.Contains(compliance.RectifiedStatuses, status)
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// flush applies the collected changes to the counter rows, upserting each.
func (r *rollup) flush(tx *gorm.DB) error {
	keys := make([]rollupKey, 0, len(r.deltas))
	for k, d := range r.deltas {
		if *d != (rollupDelta{}) {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, rollupKey.compare)
	firsts := &rollup{}
	for len(keys) > 0 {
		n := 1
		for n < len(keys) && keys[n].table == keys[0].table {
			n++
		}
		run := keys[:n]
		keys = keys[n:]
		if run[0].table != rollOverdue {
			if err := upsertCounters(tx, run, r.deltas); err != nil {
				return err
			}
			continue
		}
		// An overdue day is read back after its upsert, one at a time.
		for _, k := range run {
			if err := upsertCounters(tx, []rollupKey{k}, r.deltas); err != nil {
				return err
			}
			if err := firsts.overdueDay(tx, k, r.deltas[k][0]); err != nil {
				return err
			}
		}
	}
	r.deltas = nil
	if len(firsts.deltas) == 0 {
		return nil
	}
	return firsts.flush(tx)
}

// overdueDay adds to r the change of dash_overdue_firsts that the overdue
// counter k made when it was just upserted by added: none when its row
// existed (n is more than added); else its day d comes between the case's
// previous overdue day p and next one q, so d counts under p, and q moves
// from p to d. The case's rows are read after the upsert, with an
// exclusive lock (on MySQL): two transactions adding days to one case
// take turns and each sees the other's day, and none holds a lock on a
// gap of the index that it then inserts into, which could deadlock.
func (r *rollup) overdueDay(tx *gorm.DB, k rollupKey, added int64) error {
	q := tx.Model(&overdueDayRow{}).Select("day", "n").Where("department_code = ? AND case_no = ?", k.dept, k.caseNo).Order("day")
	if tx.Dialector.Name() == "mysql" {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	var rows []overdueDayRow
	if err := q.Find(&rows).Error; err != nil {
		return fmt.Errorf("read the overdue days of case %q: %w", k.caseNo, err)
	}
	i, found := slices.BinarySearchFunc(rows, k.day, func(o overdueDayRow, day string) int { return cmp.Compare(o.Day, day) })
	if !found {
		return fmt.Errorf("the overdue day %s of case %q is missing after its upsert", k.day, k.caseNo)
	}
	if rows[i].N != added {
		return nil
	}
	prev := ""
	if i > 0 {
		prev = rows[i-1].Day
	}
	r.add(rollupKey{table: rollFirsts, dept: k.dept, day: k.day, prevDay: prev}, rollupDelta{1})
	if i+1 < len(rows) {
		next := rows[i+1].Day
		r.add(rollupKey{table: rollFirsts, dept: k.dept, day: next, prevDay: prev}, rollupDelta{-1})
		r.add(rollupKey{table: rollFirsts, dept: k.dept, day: next, prevDay: k.day}, rollupDelta{1})
	}
	return nil
}

type rollupCtxKey struct{}

// collectRollup returns tx with a rollup that the writes through it add
// to, and the function that applies it when they are done: one flush, in
// the shared order, for the whole transaction. Inside another collection
// (a group of steps, each behind a savepoint) done adds to that one
// instead, which is flushed once for the group: a step rolled back to its
// savepoint leaves nothing in it, and the group takes the counter rows
// last, after every base row of every step.
func collectRollup(tx *gorm.DB) (*gorm.DB, func() error) {
	r := &rollup{}
	parent := rollupIn(tx.Statement.Context)
	out := tx.WithContext(withRollup(tx.Statement.Context, r))
	if parent != nil {
		return out, func() error { parent.merge(r); return nil }
	}
	return out, func() error { return r.flush(tx) }
}

// withRollup returns ctx carrying r, the rollup that writes add to.
func withRollup(ctx context.Context, r *rollup) context.Context {
	return context.WithValue(ctx, rollupCtxKey{}, r)
}

// rollupIn returns the rollup ctx carries, or nil.
func rollupIn(ctx context.Context) *rollup {
	if ctx == nil {
		return nil
	}
	r, _ := ctx.Value(rollupCtxKey{}).(*rollup)
	return r
}

// merge adds the changes collected in o to r.
func (r *rollup) merge(o *rollup) {
	for k, d := range o.deltas {
		r.add(k, *d)
	}
}

// rollupOf returns the rollup of tx's collectRollup and a no-op done; outside
// one, a fresh rollup and a done that applies it.
func rollupOf(tx *gorm.DB) (*rollup, func() error) {
	if r := rollupIn(tx.Statement.Context); r != nil {
		return r, func() error { return nil }
	}
	r := &rollup{}
	return r, func() error { return r.flush(tx) }
}
