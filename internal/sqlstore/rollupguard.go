package sqlstore

import (
	"fmt"
	"log/slog"
	"strings"

	"gorm.io/gorm"
)

func init() {
	upgrades = append(upgrades, upgrade{"dashboard: rollup guards", guardRollup})
}

// rollupGuards are the changes of the base tables that the store never
// makes, so that the rollup does not follow them: a warning, case or
// transition deleted, or moved to another day, department, case, rule,
// family, level or action, by hand or by a tool. Each empties
// dash_rollup_state, so that the dashboard reads the base tables again
// until the next start fills the rollup anew.
var rollupGuards = []struct {
	table string
	cols  []string
}{
	{"warnings", []string{"case_no", "department_code", "rule", "family", "level", "created_at"}},
	{"cases", []string{"case_no", "department_code", "accepted_at"}},
	{"warning_transitions", []string{"warning_id", "action", "at"}},
}

// guardRollup creates the triggers of rollupGuards when missing. A MySQL
// account without the right to create triggers gets a warning in the log,
// not a failed start: the rollup is then exact as long as only powercheck
// changes those tables.
func guardRollup(db *gorm.DB) error {
	db = db.Session(&gorm.Session{}) // each statement its own conditions
	for _, g := range rollupGuards {
		for _, kind := range []string{"UPDATE", "DELETE"} {
			name := "dash_rollup_" + strings.ToLower(kind[:3]) + "_" + g.table
			if err := createTrigger(db, name, kind, g.table, g.cols); err != nil {
				if db.Dialector.Name() == "mysql" {
					slog.Warn("dashboard rollup: cannot guard against changes made outside powercheck", "trigger", name, "err", err)
					continue
				}
				return fmt.Errorf("create trigger %s: %w", name, err)
			}
		}
	}
	return nil
}

func createTrigger(db *gorm.DB, name, kind, table string, cols []string) error {
	var moved []string // the condition that a row moved (UPDATE)
	for _, c := range cols {
		if db.Dialector.Name() == "mysql" {
			moved = append(moved, "NOT (NEW.`"+c+"` <=> OLD.`"+c+"`)")
		} else {
			moved = append(moved, "NEW."+c+" IS NOT OLD."+c)
		}
	}
	if db.Dialector.Name() != "mysql" {
		q := "CREATE TRIGGER IF NOT EXISTS " + name + " AFTER " + kind + " ON " + table
		if kind == "UPDATE" {
			q += " WHEN " + strings.Join(moved, " OR ")
		}
		return db.Exec(q + " BEGIN DELETE FROM dash_rollup_state; END").Error
	}
	var n int64
	if err := db.Raw("SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() AND TRIGGER_NAME = ?", name).
		Scan(&n).Error; err != nil || n > 0 {
		return err
	}
	body := "DELETE FROM dash_rollup_state"
	if kind == "UPDATE" {
		body = "BEGIN IF " + strings.Join(moved, " OR ") + " THEN DELETE FROM dash_rollup_state; END IF; END"
	}
	err := db.Exec("CREATE TRIGGER " + name + " AFTER " + kind + " ON " + table + " FOR EACH ROW " + body).Error
	if err != nil {
		// Another node may have created it meanwhile.
		if db.Raw("SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() AND TRIGGER_NAME = ?", name).
			Scan(&n).Error == nil && n > 0 {
			return nil
		}
	}
	return err
}
