package sqlstore

import (
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// counterBatch bounds the rows of one upsert: seven columns a row stay
// under SQLite's oldest limit of 999 variables.
const counterBatch = 100

// upsertCounters adds the deltas of keys, all of one table and in the
// shared order, to their counter rows, inserting the missing ones: one
// statement for up to counterBatch rows. On MySQL each row is found by its
// primary key, so the upsert locks those rows only (no gap).
func upsertCounters(tx *gorm.DB, keys []rollupKey, deltas map[rollupKey]*rollupDelta) error {
	switch keys[0].table {
	case rollWarnings:
		return upsertRows(tx, keys, deltas, func(k rollupKey, d rollupDelta) warningDayRow {
			return warningDayRow{DepartmentCode: k.dept, Day: k.day, Family: k.family, Level: k.level, N: d[0], Open: d[1], Rectified: d[2]}
		}, []string{"department_code", "day", "family", "level"}, "n", "open_n", "rectified_n")
	case rollWarningMonths:
		return upsertRows(tx, keys, deltas, func(k rollupKey, d rollupDelta) warningMonthRow {
			return warningMonthRow{DepartmentCode: k.dept, Month: k.day, Family: k.family, Level: k.level, N: d[0], Open: d[1], Rectified: d[2]}
		}, []string{"department_code", "month", "family", "level"}, "n", "open_n", "rectified_n")
	case rollCases:
		return upsertRows(tx, keys, deltas, func(k rollupKey, d rollupDelta) caseDayRow {
			return caseDayRow{DepartmentCode: k.dept, Day: k.day, Cases: d[0], Closed: d[1], Overdue: d[2], ClosedOverdue: d[3], Warned: d[4]}
		}, []string{"department_code", "day"}, "cases_n", "closed_n", "overdue_n", "closed_overdue_n", "warned_n")
	case rollOverdue:
		return upsertRows(tx, keys, deltas, func(k rollupKey, d rollupDelta) overdueDayRow {
			return overdueDayRow{DepartmentCode: k.dept, Day: k.day, CaseNo: k.caseNo, N: d[0]}
		}, []string{"department_code", "day", "case_no"}, "n")
	case rollFirsts:
		return upsertRows(tx, keys, deltas, func(k rollupKey, d rollupDelta) overdueFirstRow {
			return overdueFirstRow{DepartmentCode: k.dept, Day: k.day, PrevDay: k.prevDay, N: d[0]}
		}, []string{"department_code", "day", "prev_day"}, "n")
	case rollRectifyMonths:
		return upsertRows(tx, keys, deltas, func(k rollupKey, d rollupDelta) rectifyMonthRow {
			return rectifyMonthRow{DepartmentCode: k.dept, Month: k.day, Tenths: k.tenths, N: d[0]}
		}, []string{"department_code", "month", "tenths"}, "n")
	default:
		return upsertRows(tx, keys, deltas, func(k rollupKey, d rollupDelta) rectifyDayRow {
			return rectifyDayRow{DepartmentCode: k.dept, Day: k.day, Tenths: k.tenths, N: d[0]}
		}, []string{"department_code", "day", "tenths"}, "n")
	}
}

// upsertRows inserts the row of each key, made by row from its delta, and
// adds the counted columns of each row that exists already (its key
// columns conflict) to it.
func upsertRows[R any](tx *gorm.DB, keys []rollupKey, deltas map[rollupKey]*rollupDelta, row func(rollupKey, rollupDelta) R,
	conflict []string, counted ...string) error {
	rows := make([]R, len(keys))
	for i, k := range keys {
		rows[i] = row(k, *deltas[k])
	}
	// The value the statement would have inserted: VALUES(col) on MySQL,
	// excluded.col on SQLite.
	inserted := func(col string) string { return "excluded." + col }
	if tx.Dialector.Name() == "mysql" {
		inserted = func(col string) string { return "VALUES(" + col + ")" }
	}
	set := make(clause.Set, len(counted))
	for i, col := range counted {
		set[i] = clause.Assignment{Column: clause.Column{Name: col}, Value: gorm.Expr(col + " + " + inserted(col))}
	}
	cols := make([]clause.Column, len(conflict))
	for i, c := range conflict {
		cols[i] = clause.Column{Name: c}
	}
	return tx.Clauses(clause.OnConflict{Columns: cols, DoUpdates: set}).CreateInBatches(&rows, counterBatch).Error
}
