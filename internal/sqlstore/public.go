package sqlstore

import (
	"context"
	"crypto/rand"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"powercheck/internal/compliance"
)

// secretRow holds a key the service makes for itself, by name.
type secretRow struct {
	Name      string    `gorm:"primaryKey;size:64"`
	Value     []byte    `gorm:"not null"`
	CreatedAt time.Time `gorm:"not null"`
}

func (secretRow) TableName() string { return "secrets" }

const queryCodeKeyName = "query_code_key"

// QueryCodeKey returns the district's key for query codes, creating a
// random one the first time; nodes racing to create it agree on the stored
// one.
func (s *Public) QueryCodeKey(ctx context.Context) ([]byte, error) {
	db := s.db.WithContext(ctx)
	var row secretRow
	err := db.Where("name = ?", queryCodeKeyName).Take(&row).Error
	if err == nil {
		return row.Value, nil
	}
	if !errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, wrap(err, "read query code key")
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	if err := db.Clauses(clause.OnConflict{DoNothing: true}).
		Create(&secretRow{Name: queryCodeKeyName, Value: key, CreatedAt: time.Now().UTC()}).Error; err != nil {
		return nil, wrap(err, "store query code key")
	}
	if err := db.Where("name = ?", queryCodeKeyName).Take(&row).Error; err != nil {
		return nil, wrap(err, "read query code key")
	}
	return row.Value, nil
}

// ClosedCounts counts, per department, the cases closed in [from, to) (by
// the time of their last change, which is their closing step) and, of
// those, the ones with an overdue alarm.
func (s *Public) ClosedCounts(ctx context.Context, from, to time.Time) (map[string][2]int64, error) {
	var rows []struct {
		DepartmentCode string
		Closed         int64
		Overdue        int64
	}
	err := s.db.WithContext(ctx).Model(&caseRow{}).
		Select("department_code, COUNT(*) AS closed, "+
			"COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM warnings w WHERE w.case_no = cases.case_no AND w.rule IN ? AND w.level = ?) THEN 1 ELSE 0 END), 0) AS overdue",
			compliance.OverdueRules, compliance.LevelAlarm).
		Where("status = ? AND updated_at >= ? AND updated_at < ?", compliance.CaseClosed, utc(from), utc(to)).
		Group("department_code").Scan(&rows).Error
	if err != nil {
		return nil, wrap(err, "count closed cases")
	}
	out := make(map[string][2]int64, len(rows))
	for _, r := range rows {
		out[r.DepartmentCode] = [2]int64{r.Closed, r.Overdue}
	}
	return out, nil
}
