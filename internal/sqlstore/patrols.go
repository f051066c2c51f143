package sqlstore

import (
	"context"
	"strconv"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"powercheck/internal/compliance"
)

var _ compliance.PatrolStore = (*Patrols)(nil)

type patrolRow struct {
	ID             int64     `gorm:"primaryKey;autoIncrement"`
	DepartmentCode string    `gorm:"size:32;not null;index:idx_patrol_dept_at,priority:1"`
	Inspector      string    `gorm:"size:64;not null"`
	At             time.Time `gorm:"not null;index:idx_patrol_dept_at,priority:2"`
	Findings       string    `gorm:"type:text;not null"`
	Problems       []string  `gorm:"type:text;serializer:json"`
	CreatedAt      time.Time `gorm:"not null"`
}

func (patrolRow) TableName() string { return "patrols" }

// patrolDayRow marks a working day of a department as closed: its unique key
// is the claim that lets exactly one node evaluate the day.
type patrolDayRow struct {
	ID             int64     `gorm:"primaryKey;autoIncrement"`
	DepartmentCode string    `gorm:"size:32;not null;uniqueIndex:uq_patrol_day,priority:1"`
	Date           string    `gorm:"column:day;size:10;not null;uniqueIndex:uq_patrol_day,priority:2"`
	Patrols        int       `gorm:"not null"`
	PolicyRevision int64     `gorm:"not null"`
	ClosedAt       time.Time `gorm:"not null"`
}

func (patrolDayRow) TableName() string { return "patrol_days" }

func toPatrol(r patrolRow) compliance.Patrol {
	return compliance.Patrol{ID: r.ID, DepartmentCode: r.DepartmentCode, Inspector: r.Inspector, At: r.At,
		Findings: r.Findings, Problems: orEmpty(r.Problems), CreatedAt: r.CreatedAt}
}

// CreatePatrol implements compliance.PatrolStore. The warnings found about
// the patrol are told apart by its id (folded into their dedupe key).
func (s *Patrols) CreatePatrol(ctx context.Context, rec compliance.PatrolRecord) (compliance.Patrol, error) {
	p := rec.Patrol
	r := patrolRow{DepartmentCode: p.DepartmentCode, Inspector: p.Inspector, At: utc(p.At), Findings: p.Findings,
		Problems: p.Problems, CreatedAt: utc(p.CreatedAt)}
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		r.ID = 0 // no id: run again after a lost conflict, it inserts anew
		if err := tx.Create(&r).Error; err != nil {
			return err
		}
		_, err := insertCaselessWarnings(tx, "patrol|"+r.DepartmentCode+"|"+strconv.FormatInt(r.ID, 10), r.DepartmentCode,
			rec.Findings, rec.Revision, r.CreatedAt)
		return err
	})
	if err != nil {
		return compliance.Patrol{}, wrap(err, "create patrol")
	}
	return toPatrol(r), nil
}

// Patrols implements compliance.PatrolStore.
func (s *Patrols) Patrols(ctx context.Context, dept string, from, to time.Time) ([]compliance.Patrol, error) {
	q := s.db.WithContext(ctx).Model(&patrolRow{}).Select("id", "department_code", "inspector", "at", "created_at").
		Where("department_code = ? AND at >= ? AND at < ?", dept, utc(from), utc(to)).
		Order("at, id")
	return findAll(q, "list patrols", toPatrol)
}

// ClosedPatrolDays implements compliance.PatrolStore.
func (s *Patrols) ClosedPatrolDays(ctx context.Context, dept, from, to string) (map[string]bool, error) {
	var days []string
	err := s.db.WithContext(ctx).Model(&patrolDayRow{}).Where("department_code = ? AND day >= ? AND day <= ?", dept, from, to).
		Pluck("day", &days).Error
	if err != nil {
		return nil, wrap(err, "list closed patrol days")
	}
	out := make(map[string]bool, len(days))
	for _, d := range days {
		out[d] = true
	}
	return out, nil
}

// ClosePatrolDay implements compliance.PatrolStore. Inserting the day's row
// is the claim: of two nodes closing the same day, the second finds it
// taken and stores nothing.
func (s *Patrols) ClosePatrolDay(ctx context.Context, rec compliance.PatrolDayRecord) (bool, int, error) {
	claimed, inserted := false, 0
	at := utc(rec.At)
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		day := patrolDayRow{DepartmentCode: rec.DepartmentCode, Date: rec.Date, Patrols: rec.Patrols,
			PolicyRevision: rec.Revision, ClosedAt: at}
		claimed, inserted = false, 0 // a run again starts from scratch
		res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&day)
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		claimed = true
		n, err := insertCaselessWarnings(tx, "patrol_day|"+rec.DepartmentCode+"|"+rec.Date, rec.DepartmentCode,
			rec.Findings, rec.Revision, at)
		inserted = n
		return err
	})
	if err != nil {
		return false, 0, wrap(err, "close patrol day")
	}
	return claimed, inserted, nil
}

// insertCaselessWarnings stores warnings that belong to no case (case_no
// ""): scope (the event, department and day or month) is folded into the
// dedupe key so that they are told apart. Those already stored are kept.
func insertCaselessWarnings(tx *gorm.DB, scope, dept string, findings []compliance.Finding, rev int64, at time.Time) (int, error) {
	var rows []warningRow
	seen := map[string]bool{}
	for _, f := range findings {
		k := dedupeHash(scope + "|" + compliance.DedupeKey("", f))
		if seen[k] {
			continue
		}
		seen[k] = true
		rows = append(rows, warningRow{CaseNo: "", Dedupe: k, DepartmentCode: dept, Rule: f.Rule, Family: f.Family(),
			Level: f.Level, Status: compliance.WarningOpen, Message: f.Message, Basis: f.Basis, Key: f.Key,
			PolicyRevision: rev, CreatedAt: at, UpdatedAt: at})
	}
	if len(rows) == 0 {
		return 0, nil
	}
	// Count the new ones by looking first: MySQL reports rows skipped by
	// ON DUPLICATE KEY as affected.
	keys := make([]string, len(rows))
	for i, r := range rows {
		keys[i] = r.Dedupe
	}
	var existing []string
	for i := 0; i < len(keys); i += warningBatch {
		var part []string
		if err := tx.Model(&warningRow{}).Where("case_no = ? AND dedupe IN ?", "", keys[i:min(i+warningBatch, len(keys))]).
			Pluck("dedupe", &part).Error; err != nil {
			return 0, err
		}
		existing = append(existing, part...)
	}
	stored := make(map[string]bool, len(existing))
	for _, k := range existing {
		stored[k] = true
	}
	fresh := rows[:0]
	for _, r := range rows {
		if !stored[r.Dedupe] {
			fresh = append(fresh, r)
		}
	}
	if len(fresh) == 0 {
		return 0, nil
	}
	_, err := tellWarnings(tx, fresh, func(warningRow) (string, error) { return "", nil }, at)
	return len(fresh), err
}
