package sqlstore

import (
	"fmt"

	"gorm.io/gorm"
)

// An upgrade is a change of the schema that AutoMigrate does not make: it
// adds tables, columns and indexes, and never removes or replaces an index.
// Upgrades run after it, in order, on every start; each looks at the
// schema and does nothing when it is done already, so that any number of
// nodes may start at once on one database.
type upgrade struct {
	name string
	run  func(db *gorm.DB) error
}

var upgrades = []upgrade{
	// Step ids became unique within a department (uq_step_dept_id, which
	// AutoMigrate adds); the old index made them unique across departments.
	{"step ids unique per department", dropIndex(&stepRow{}, "idx_steps_id")},
}

// runUpgrades runs every upgrade.
func runUpgrades(db *gorm.DB) error {
	for _, u := range upgrades {
		if err := u.run(db); err != nil {
			return fmt.Errorf("upgrade %q: %w", u.name, err)
		}
	}
	return nil
}

// dropIndex drops the index name of model's table when it is there.
func dropIndex(model any, name string) func(db *gorm.DB) error {
	return func(db *gorm.DB) error {
		m := db.Migrator()
		if !m.HasIndex(model, name) {
			return nil
		}
		if err := m.DropIndex(model, name); err != nil && m.HasIndex(model, name) {
			return err // not dropped by another node meanwhile
		}
		return nil
	}
}
