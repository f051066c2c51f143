package sqlstore

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"gorm.io/gorm"

	"powercheck/internal/compliance"
)

func init() {
	upgrades = append(upgrades, upgrade{"dashboard: per-day rollup", fillRollup})
}

// fillRollup creates the rollup's tables and, until it has once finished,
// fills them from the base tables: a department's month at a time, each in
// its own short transaction. A month's counters are computed and replaced
// in one transaction that reads the base rows with shared locks, so that a
// writer's change is either in the base rows read or added to the
// replaced counters afterwards, never both nor neither. Filling is thus
// safe while nodes write, and again after an interrupted fill.
func fillRollup(db *gorm.DB) error {
	db = db.Session(&gorm.Session{}) // each statement its own conditions
	if err := db.AutoMigrate(rollupRows...); err != nil {
		return err
	}
	// A part filled from another's counters is filled again with it.
	var todo []rollupPart
	refill := map[string]bool{}
	for _, p := range rollupParts {
		if !rollupReady(db, p.name) || refill[p.from] {
			todo = append(todo, p)
			refill[p.name] = true
		}
	}
	if len(todo) == 0 {
		return nil
	}
	start := time.Now()
	dialect := db.Dialector.Name()
	var depts []string
	if err := db.Raw("SELECT DISTINCT department_code FROM warnings UNION SELECT DISTINCT department_code FROM cases").
		Scan(&depts).Error; err != nil {
		return fmt.Errorf("list departments: %w", err)
	}
	var span struct{ First, Last *string }
	if err := db.Raw("SELECT MIN(d) AS first, MAX(d) AS last FROM (SELECT MIN(" + daySQL(dialect, "created_at") + ") AS d FROM warnings " +
		"UNION ALL SELECT MAX(" + daySQL(dialect, "created_at") + ") FROM warnings " +
		"UNION ALL SELECT MIN(" + daySQL(dialect, "accepted_at") + ") FROM cases " +
		"UNION ALL SELECT MAX(" + daySQL(dialect, "accepted_at") + ") FROM cases) x").Scan(&span).Error; err != nil {
		return fmt.Errorf("find the period to fill: %w", err)
	}
	if span.First != nil && span.Last != nil {
		first, err := time.Parse(time.DateOnly, *span.First)
		if err != nil {
			return err
		}
		last, err := time.Parse(time.DateOnly, *span.Last)
		if err != nil {
			return err
		}
		// The months and the firsts are computed from other counters, so
		// they are filled once those are complete (and kept by every
		// writer).
		var phases [2][]rollupPart
		for _, p := range todo {
			if p.from != "" {
				phases[1] = append(phases[1], p)
			} else {
				phases[0] = append(phases[0], p)
			}
		}
		for _, parts := range phases {
			if len(parts) == 0 {
				continue
			}
			for m := first.AddDate(0, 0, 1-first.Day()); !m.After(last); m = m.AddDate(0, 1, 0) {
				for _, d := range depts {
					if err := fillMonth(db, parts, d, m, m.AddDate(0, 1, 0)); err != nil {
						return fmt.Errorf("fill %s of %s: %w", m.Format("2006-01"), d, err)
					}
				}
			}
		}
	}
	for _, p := range todo {
		if err := db.Save(&rollupStateRow{Name: p.name, FilledAt: time.Now().UTC()}).Error; err != nil {
			return err
		}
	}
	slog.Info("dashboard rollup filled from the base tables", "parts", len(todo), "departments", len(depts),
		"took", time.Since(start).Round(time.Millisecond))
	return nil
}

// fillMonth replaces dept's counters of the days [from, to) (midnights of
// Shanghai days, given as UTC dates) by those computed from the base
// tables, running again a transaction that lost a conflict (see retry).
func fillMonth(db *gorm.DB, parts []rollupPart, dept string, from, to time.Time) error {
	m := rollupMonth{dept: dept, from: from.Format(time.DateOnly), to: to.Format(time.DateOnly),
		start: from.Add(-8 * time.Hour), end: to.Add(-8 * time.Hour)}
	ctx := db.Statement.Context
	if ctx == nil {
		ctx = context.Background()
	}
	return retry(ctx, func() error {
		return db.Transaction(func(tx *gorm.DB) error {
			if tx.Dialector.Name() == "mysql" {
				m.lock = " LOCK IN SHARE MODE"
			}
			for _, p := range parts {
				if err := p.fill(tx, m); err != nil {
					return err
				}
			}
			return nil
		})
	})
}

// rollupPart is a part of the rollup, the part whose counters it is
// computed from ("" for the base tables), and how to fill a month of it.
type rollupPart struct {
	name, from string
	fill       func(tx *gorm.DB, m rollupMonth) error
}

var rollupParts = []rollupPart{{rollupName, "", fillCounters}, {monthsName, rollupName, fillMonths},
	{rectifyMonthsName, rollupName, fillRectifyMonths}, {overdueName, "", fillOverdue}, {firstsName, overdueName, fillFirsts}}

// rollupMonth is a department's month to fill: the days [from, to) and the
// instants [start, end) they span.
type rollupMonth struct {
	dept       string
	from, to   string
	start, end time.Time
	lock       string // the locking clause of the reads
}

// replace deletes the month's rows of model and inserts rows instead.
func (m rollupMonth) replace(tx *gorm.DB, model, rows any, n int) error {
	if err := tx.Where("department_code = ? AND day >= ? AND day < ?", m.dept, m.from, m.to).Delete(model).Error; err != nil {
		return fmt.Errorf("clear the counters: %w", err)
	}
	if n == 0 {
		return nil
	}
	return tx.CreateInBatches(rows, 100).Error
}

// replaceMonth deletes the month's rows of model, a month counter, and
// inserts rows instead.
func (m rollupMonth) replaceMonth(tx *gorm.DB, model, rows any, n int) error {
	if err := tx.Where("department_code = ? AND month = ?", m.dept, m.from[:7]).Delete(model).Error; err != nil {
		return fmt.Errorf("clear the month's counters: %w", err)
	}
	if n == 0 {
		return nil
	}
	return tx.CreateInBatches(rows, 100).Error
}

// fillCounters fills the warnings', cases' and rectifications' counters.
func fillCounters(tx *gorm.DB, m rollupMonth) error {
	dialect := tx.Dialector.Name()
	dept, a, b, lock := m.dept, m.start, m.end, m.lock

	var ws []warningDayRow
	if err := tx.Raw("SELECT department_code, "+daySQL(dialect, "created_at")+" AS day, family, level, COUNT(*) AS n, "+
		"COALESCE(SUM(CASE WHEN status = ? THEN 1 ELSE 0 END), 0) AS open_n, "+
		"COALESCE(SUM(CASE WHEN status IN ? THEN 1 ELSE 0 END), 0) AS rectified_n "+
		"FROM warnings WHERE department_code = ? AND created_at >= ? AND created_at < ? "+
		"GROUP BY department_code, "+daySQL(dialect, "created_at")+", family, level"+lock,
		compliance.WarningOpen, compliance.RectifiedStatuses, dept, a, b).Scan(&ws).Error; err != nil {
		return fmt.Errorf("count warnings: %w", err)
	}
	var cs []caseDayRow
	if err := tx.Raw("SELECT department_code, day, COUNT(*) AS cases_n, SUM(closed) AS closed_n, SUM(overdue) AS overdue_n, "+
		"SUM(closed * overdue) AS closed_overdue_n, SUM(warned) AS warned_n FROM ("+
		"SELECT c.department_code, "+daySQL(dialect, "c.accepted_at")+" AS day, "+
		"CASE WHEN c.status = ? THEN 1 ELSE 0 END AS closed, "+
		"CASE WHEN EXISTS (SELECT 1 FROM warnings w WHERE w.case_no = c.case_no AND w.rule IN ?) THEN 1 ELSE 0 END AS overdue, "+
		"CASE WHEN EXISTS (SELECT 1 FROM warnings w WHERE w.case_no = c.case_no) THEN 1 ELSE 0 END AS warned "+
		"FROM cases c WHERE c.department_code = ? AND c.accepted_at >= ? AND c.accepted_at < ?"+lock+
		") x GROUP BY department_code, day",
		compliance.CaseClosed, compliance.OverdueRules, dept, a, b).Scan(&cs).Error; err != nil {
		return fmt.Errorf("count cases: %w", err)
	}
	var rs []rectifyDayRow
	tenths := tenthsSQL(dialect)
	if err := tx.Raw("SELECT w.department_code, "+daySQL(dialect, "w.created_at")+" AS day, "+tenths+" AS tenths, COUNT(*) AS n "+
		"FROM warnings w JOIN warning_transitions t ON t.warning_id = w.id AND t.action = ? "+
		"WHERE w.department_code = ? AND w.created_at >= ? AND w.created_at < ? AND w.level = ? "+
		"GROUP BY w.department_code, "+daySQL(dialect, "w.created_at")+", "+tenths+lock,
		compliance.ActionRectify, dept, a, b, compliance.LevelAlarm).Scan(&rs).Error; err != nil {
		return fmt.Errorf("count rectifications: %w", err)
	}

	if err := m.replace(tx, &warningDayRow{}, ws, len(ws)); err != nil {
		return err
	}
	if err := m.replace(tx, &caseDayRow{}, cs, len(cs)); err != nil {
		return err
	}
	return m.replace(tx, &rectifyDayRow{}, rs, len(rs))
}

// fillMonths fills the warnings' month counters from their day counters,
// read with shared locks: a writer takes a day row before its month row,
// so it has either added to the day rows read, or waits for them and adds
// to the month row replaced.
func fillMonths(tx *gorm.DB, m rollupMonth) error {
	var rows []warningMonthRow
	month := m.from[:7]
	if err := tx.Raw("SELECT department_code, ? AS month, family, level, SUM(n) AS n, SUM(open_n) AS open_n, "+
		"SUM(rectified_n) AS rectified_n FROM dash_warning_days WHERE department_code = ? AND day >= ? AND day < ? "+
		"GROUP BY department_code, family, level"+m.lock, month, m.dept, m.from, m.to).Scan(&rows).Error; err != nil {
		return fmt.Errorf("sum the warnings' days: %w", err)
	}
	return m.replaceMonth(tx, &warningMonthRow{}, rows, len(rows))
}

// fillRectifyMonths fills the rectifications' month counters from their
// day counters, read with shared locks as fillMonths reads the warnings'.
func fillRectifyMonths(tx *gorm.DB, m rollupMonth) error {
	var rows []rectifyMonthRow
	month := m.from[:7]
	if err := tx.Raw("SELECT department_code, ? AS month, tenths, SUM(n) AS n FROM dash_rectify_days "+
		"WHERE department_code = ? AND day >= ? AND day < ? GROUP BY department_code, tenths"+m.lock,
		month, m.dept, m.from, m.to).Scan(&rows).Error; err != nil {
		return fmt.Errorf("sum the rectifications' days: %w", err)
	}
	return m.replaceMonth(tx, &rectifyMonthRow{}, rows, len(rows))
}

// fillOverdue fills the overdue warnings' counters.
func fillOverdue(tx *gorm.DB, m rollupMonth) error {
	var rows []overdueDayRow
	day := daySQL(tx.Dialector.Name(), "created_at")
	if err := tx.Raw("SELECT department_code, "+day+" AS day, case_no, COUNT(*) AS n FROM warnings "+
		"WHERE department_code = ? AND rule IN ? AND created_at >= ? AND created_at < ? "+
		"GROUP BY department_code, "+day+", case_no"+m.lock,
		m.dept, compliance.OverdueRules, m.start, m.end).Scan(&rows).Error; err != nil {
		return fmt.Errorf("count overdue warnings: %w", err)
	}
	return m.replace(tx, &overdueDayRow{}, rows, len(rows))
}

// fillFirsts fills the overdue firsts from the overdue counters: each
// overdue day of the month by the case's previous overdue day, read
// through the (department, case, day) index.
func fillFirsts(tx *gorm.DB, m rollupMonth) error {
	var rows []overdueFirstRow
	if err := tx.Raw("SELECT department_code, day, prev_day, COUNT(*) AS n FROM ("+
		"SELECT o.department_code, o.day, COALESCE((SELECT MAX(p.day) FROM dash_overdue_days p "+
		"WHERE p.department_code = o.department_code AND p.case_no = o.case_no AND p.day < o.day), '') AS prev_day "+
		"FROM dash_overdue_days o WHERE o.department_code = ? AND o.day >= ? AND o.day < ?"+m.lock+
		") x GROUP BY department_code, day, prev_day", m.dept, m.from, m.to).Scan(&rows).Error; err != nil {
		return fmt.Errorf("count overdue firsts: %w", err)
	}
	return m.replace(tx, &overdueFirstRow{}, rows, len(rows))
}
