package sqlstore

import (
	"time"

	"gorm.io/gorm"
)

// The indexes the dashboard's aggregates read, declared apart from the
// tables' rows so that each names only the columns it covers. They are
// created by an upgrade (CREATE INDEX), never by AutoMigrate on these
// partial structs, which would rebuild the tables' columns.
func init() {
	upgrades = append(upgrades,
		upgrade{"dashboard: warnings by department and time", createIndex(&warningStatsIndex{}, "idx_warning_dept_created_stats")},
		upgrade{"dashboard: rectifications by time", createIndex(&transitionActionIndex{}, "idx_transition_action_at")},
		upgrade{"dashboard: cases by department and time", createIndex(&caseStatsIndex{}, "idx_case_dept_accepted_status")})
}

// createIndex creates the index name that model declares when it is not
// there; another node creating it meanwhile is no failure.
func createIndex(model any, name string) func(db *gorm.DB) error {
	return func(db *gorm.DB) error {
		m := db.Migrator()
		if m.HasIndex(model, name) {
			return nil
		}
		if err := m.CreateIndex(model, name); err != nil && !m.HasIndex(model, name) {
			return err
		}
		return nil
	}
}

// warningStatsIndex covers the per-department warning figures of a period:
// (department, created_at) ranges with level, status and family read from
// the index alone, never from the rows.
type warningStatsIndex struct {
	DepartmentCode string    `gorm:"size:32;not null;index:idx_warning_dept_created_stats,priority:1"`
	CreatedAt      time.Time `gorm:"not null;index:idx_warning_dept_created_stats,priority:2"`
	Level          string    `gorm:"size:16;not null;index:idx_warning_dept_created_stats,priority:3"`
	Status         string    `gorm:"size:16;not null;index:idx_warning_dept_created_stats,priority:4"`
	Family         string    `gorm:"size:64;not null;index:idx_warning_dept_created_stats,priority:5"`
}

func (warningStatsIndex) TableName() string { return "warnings" }

// transitionActionIndex finds the rectifications reported since a day
// without reading every transition.
type transitionActionIndex struct {
	Action    string    `gorm:"size:32;not null;index:idx_transition_action_at,priority:1"`
	At        time.Time `gorm:"not null;index:idx_transition_action_at,priority:2"`
	WarningID int64     `gorm:"not null;index:idx_transition_action_at,priority:3"`
}

func (transitionActionIndex) TableName() string { return "warning_transitions" }

// caseStatsIndex covers the per-department case figures of a period.
type caseStatsIndex struct {
	DepartmentCode string    `gorm:"size:32;not null;index:idx_case_dept_accepted_status,priority:1"`
	AcceptedAt     time.Time `gorm:"not null;index:idx_case_dept_accepted_status,priority:2"`
	Status         string    `gorm:"size:16;not null;index:idx_case_dept_accepted_status,priority:3"`
}

func (caseStatsIndex) TableName() string { return "cases" }
