package sqlstore

import (
	"time"
)

// The dashboard's rollup: counters per department and day (Asia/Shanghai)
// kept in the transaction that changes what they count, so that a period's
// figures read at most departments × days rows (× families and levels for
// the warnings) whatever the size of the warnings and cases tables. The
// warnings and the rectifications are also counted per month, so that a
// long period reads a row per month for its whole months.

// warningDayRow counts the warnings created on a day: all of them, those
// open now and those now rectified, verified or closed.
type warningDayRow struct {
	DepartmentCode string `gorm:"primaryKey;size:32;autoIncrement:false"`
	Day            string `gorm:"primaryKey;size:10;autoIncrement:false"` // YYYY-MM-DD, Asia/Shanghai
	Family         string `gorm:"primaryKey;size:64;autoIncrement:false"`
	Level          string `gorm:"primaryKey;size:16;autoIncrement:false"`
	N              int64  `gorm:"column:n;not null"`
	Open           int64  `gorm:"column:open_n;not null"`
	Rectified      int64  `gorm:"column:rectified_n;not null"`
}

func (warningDayRow) TableName() string { return "dash_warning_days" }

// warningMonthRow is the sum of the warningDayRow of a month, kept with
// them, so that a period's whole months read a row per month instead of
// one per day.
type warningMonthRow struct {
	DepartmentCode string `gorm:"primaryKey;size:32;autoIncrement:false"`
	Month          string `gorm:"primaryKey;size:7;autoIncrement:false"` // YYYY-MM, Asia/Shanghai
	Family         string `gorm:"primaryKey;size:64;autoIncrement:false"`
	Level          string `gorm:"primaryKey;size:16;autoIncrement:false"`
	N              int64  `gorm:"column:n;not null"`
	Open           int64  `gorm:"column:open_n;not null"`
	Rectified      int64  `gorm:"column:rectified_n;not null"`
}

func (warningMonthRow) TableName() string { return "dash_warning_months" }

// caseDayRow counts the cases accepted on a day: all of them, those now
// closed, those with an overdue warning (compliance.OverdueRules), those
// both, and those with any warning.
type caseDayRow struct {
	DepartmentCode string `gorm:"primaryKey;size:32;autoIncrement:false"`
	Day            string `gorm:"primaryKey;size:10;autoIncrement:false"`
	Cases          int64  `gorm:"column:cases_n;not null"`
	Closed         int64  `gorm:"column:closed_n;not null"`
	Overdue        int64  `gorm:"column:overdue_n;not null"`
	ClosedOverdue  int64  `gorm:"column:closed_overdue_n;not null"`
	Warned         int64  `gorm:"column:warned_n;not null"`
}

func (caseDayRow) TableName() string { return "dash_case_days" }

// rectifyDayRow counts the rectify transitions of the alarms created on a
// day by the time from the alarm to the report, in tenths of a day.
type rectifyDayRow struct {
	DepartmentCode string `gorm:"primaryKey;size:32;autoIncrement:false"`
	Day            string `gorm:"primaryKey;size:10;autoIncrement:false"`
	Tenths         int64  `gorm:"primaryKey;autoIncrement:false"`
	N              int64  `gorm:"column:n;not null"`
}

func (rectifyDayRow) TableName() string { return "dash_rectify_days" }

// rectifyMonthRow is the sum of the rectifyDayRow of a month, kept with
// them, as warningMonthRow is for the warnings.
type rectifyMonthRow struct {
	DepartmentCode string `gorm:"primaryKey;size:32;autoIncrement:false"`
	Month          string `gorm:"primaryKey;size:7;autoIncrement:false"` // YYYY-MM, Asia/Shanghai
	Tenths         int64  `gorm:"primaryKey;autoIncrement:false"`
	N              int64  `gorm:"column:n;not null"`
}

func (rectifyMonthRow) TableName() string { return "dash_rectify_months" }

// overdueDayRow counts the overdue warnings (compliance.OverdueRules) of a
// case created on a day: the cases overdue in a period are the distinct
// case numbers of its days' rows.
type overdueDayRow struct {
	DepartmentCode string `gorm:"primaryKey;size:32;autoIncrement:false;index:idx_dash_overdue_case,priority:1"`
	Day            string `gorm:"primaryKey;size:10;autoIncrement:false;index:idx_dash_overdue_case,priority:3"`
	CaseNo         string `gorm:"primaryKey;size:64;autoIncrement:false;index:idx_dash_overdue_case,priority:2"`
	N              int64  `gorm:"column:n;not null"`
}

func (overdueDayRow) TableName() string { return "dash_overdue_days" }

// overdueFirstRow counts the days of dash_overdue_days of a department by
// the case's previous overdue day in that department ("" for none). The
// cases overdue in [from, to) are then a sum, not a distinct count: each
// is counted on its first overdue day in the period, the one day of the
// period whose previous overdue day is before from.
type overdueFirstRow struct {
	DepartmentCode string `gorm:"primaryKey;size:32;autoIncrement:false"`
	Day            string `gorm:"primaryKey;size:10;autoIncrement:false"`
	PrevDay        string `gorm:"primaryKey;size:10;autoIncrement:false"`
	N              int64  `gorm:"column:n;not null"`
}

func (overdueFirstRow) TableName() string { return "dash_overdue_firsts" }

// rollupStateRow records that a part of the rollup (rollupName, monthsName,
// rectifyMonthsName, overdueName, firstsName) was filled from the base tables; until it is, the dashboard reads the
// base tables for what that part counts.
type rollupStateRow struct {
	Name     string    `gorm:"primaryKey;size:64"`
	FilledAt time.Time `gorm:"not null"`
}

func (rollupStateRow) TableName() string { return "dash_rollup_state" }

// The parts of the rollup, each filled and marked apart.
const (
	rollupName        = "dashboard"                // dash_warning_days, dash_case_days, dash_rectify_days
	monthsName        = "dashboard_warning_months" // dash_warning_months, filled from dash_warning_days
	rectifyMonthsName = "dashboard_rectify_months" // dash_rectify_months, filled from dash_rectify_days
	overdueName       = "dashboard_overdue"        // dash_overdue_days
	firstsName        = "dashboard_overdue_firsts" // dash_overdue_firsts, filled from dash_overdue_days
)

var rollupRows = []any{&warningDayRow{}, &warningMonthRow{}, &caseDayRow{}, &rectifyDayRow{}, &rectifyMonthRow{},
	&overdueDayRow{}, &overdueFirstRow{}, &rollupStateRow{}}
