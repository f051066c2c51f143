package sqlstore

import (
	"context"
	"time"

	"gorm.io/gorm"

	"powercheck/internal/compliance"
)

var _ compliance.SpotCheckStore = (*SpotChecks)(nil)

type spotCheckRow struct {
	ID          int64     `gorm:"primaryKey;autoIncrement"`
	Departments []string  `gorm:"type:text;serializer:json"`
	FromDate    string    `gorm:"size:10;not null"`
	ToDate      string    `gorm:"size:10;not null"`
	SampleSize  int       `gorm:"not null"`
	Seed        int64     `gorm:"not null"`
	Note        string    `gorm:"type:text"`
	CreatedBy   string    `gorm:"size:64;not null"`
	CreatedAt   time.Time `gorm:"not null"`
}

func (spotCheckRow) TableName() string { return "spot_checks" }

// spotCheckCaseRow is one case of a sample; Ordinal keeps the order of the
// draw, and the finding columns stay empty until the case is examined.
type spotCheckCaseRow struct {
	ID             int64  `gorm:"primaryKey;autoIncrement"`
	SpotCheckID    int64  `gorm:"not null;uniqueIndex:uq_spot_check_case,priority:1"`
	CaseNo         string `gorm:"size:64;not null;uniqueIndex:uq_spot_check_case,priority:2;index"`
	Ordinal        int    `gorm:"not null"`
	DepartmentCode string `gorm:"size:32;not null"`
	PowerItemCode  string `gorm:"size:64;not null"`
	Result         string `gorm:"size:16;not null"`
	Note           string `gorm:"type:text"`
	RecordedBy     string `gorm:"size:64;not null"`
	RecordedAt     *time.Time
}

func (spotCheckCaseRow) TableName() string { return "spot_check_cases" }

func toSpotCheck(r spotCheckRow) compliance.SpotCheck {
	return compliance.SpotCheck{ID: r.ID, Departments: orEmpty(r.Departments), From: r.FromDate, To: r.ToDate, Size: r.SampleSize,
		Seed: r.Seed, Note: r.Note, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt}
}

func toSpotCheckCase(r spotCheckCaseRow) compliance.SpotCheckCase {
	c := compliance.SpotCheckCase{CaseNo: r.CaseNo, DepartmentCode: r.DepartmentCode, PowerItemCode: r.PowerItemCode}
	if r.Result != "" && r.RecordedAt != nil {
		c.Finding = &compliance.SpotCheckFinding{Result: r.Result, Note: r.Note, RecordedBy: r.RecordedBy, RecordedAt: *r.RecordedAt}
	}
	return c
}

// SpotCheckCandidates implements compliance.SpotCheckStore.
func (s *SpotChecks) SpotCheckCandidates(ctx context.Context, depts []string, from, to time.Time, limit int) ([]compliance.SpotCheckCase, error) {
	q := s.db.WithContext(ctx).Model(&caseRow{}).Select("case_no, department_code, item_code AS power_item_code").
		Where("accepted_at >= ? AND accepted_at < ?", utc(from), utc(to))
	var rows []struct{ CaseNo, DepartmentCode, PowerItemCode string }
	if err := inDepartments(q, "department_code", depts).Order("case_no").Limit(limit).Scan(&rows).Error; err != nil {
		return nil, wrap(err, "list spot-check candidates")
	}
	out := make([]compliance.SpotCheckCase, len(rows))
	for i, r := range rows {
		out[i] = compliance.SpotCheckCase{CaseNo: r.CaseNo, DepartmentCode: r.DepartmentCode, PowerItemCode: r.PowerItemCode}
	}
	return out, nil
}

// CreateSpotCheck implements compliance.SpotCheckStore.
func (s *SpotChecks) CreateSpotCheck(ctx context.Context, sc compliance.SpotCheckView) (compliance.SpotCheckView, error) {
	r := spotCheckRow{Departments: orEmpty(sc.Departments), FromDate: sc.From, ToDate: sc.To, SampleSize: sc.Size, Seed: sc.Seed,
		Note: sc.Note, CreatedBy: sc.CreatedBy, CreatedAt: utc(sc.CreatedAt)}
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		r.ID = 0 // no id: run again after a lost conflict, it inserts anew
		if err := tx.Create(&r).Error; err != nil {
			return err
		}
		if len(sc.Cases) == 0 {
			return nil
		}
		rows := make([]spotCheckCaseRow, len(sc.Cases))
		for i, c := range sc.Cases {
			rows[i] = spotCheckCaseRow{SpotCheckID: r.ID, CaseNo: c.CaseNo, Ordinal: i,
				DepartmentCode: c.DepartmentCode, PowerItemCode: c.PowerItemCode}
		}
		return tx.CreateInBatches(&rows, 500).Error
	})
	if err != nil {
		return compliance.SpotCheckView{}, wrap(err, "create spot check")
	}
	out := compliance.SpotCheckView{SpotCheck: toSpotCheck(r), Cases: make([]compliance.SpotCheckCase, len(sc.Cases))}
	out.Sampled = len(sc.Cases)
	for i, c := range sc.Cases {
		out.Cases[i] = compliance.SpotCheckCase{CaseNo: c.CaseNo, DepartmentCode: c.DepartmentCode, PowerItemCode: c.PowerItemCode}
	}
	return out, nil
}

// SpotChecks implements compliance.SpotCheckStore.
func (s *SpotChecks) SpotChecks(ctx context.Context, limit int, beforeID int64) ([]compliance.SpotCheck, error) {
	db := s.db.WithContext(ctx)
	q := db.Order("id DESC").Limit(limit)
	if beforeID > 0 {
		q = q.Where("id < ?", beforeID)
	}
	var rows []spotCheckRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, wrap(err, "list spot checks")
	}
	if len(rows) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	progress, err := s.spotCheckProgress(db, ids)
	if err != nil {
		return nil, err
	}
	out := make([]compliance.SpotCheck, len(rows))
	for i, r := range rows {
		out[i] = toSpotCheck(r)
		p := progress[r.ID]
		out[i].Sampled, out[i].Examined, out[i].Problems = p.Sampled, p.Examined, p.Problems
	}
	return out, nil
}

type spotCheckProgress struct {
	SpotCheckID int64
	Sampled     int
	Examined    int
	Problems    int
}

// spotCheckProgress counts, per spot check, its sampled, examined and
// problem cases.
func (s *SpotChecks) spotCheckProgress(db *gorm.DB, ids []int64) (map[int64]spotCheckProgress, error) {
	var ps []spotCheckProgress
	err := db.Model(&spotCheckCaseRow{}).
		Select("spot_check_id, COUNT(*) AS sampled, "+
			"COALESCE(SUM(CASE WHEN result <> '' THEN 1 ELSE 0 END), 0) AS examined, "+
			"COALESCE(SUM(CASE WHEN result = ? THEN 1 ELSE 0 END), 0) AS problems", compliance.SpotProblem).
		Where("spot_check_id IN ?", ids).Group("spot_check_id").Scan(&ps).Error
	if err != nil {
		return nil, wrap(err, "count spot-check progress")
	}
	out := make(map[int64]spotCheckProgress, len(ps))
	for _, p := range ps {
		out[p.SpotCheckID] = p
	}
	return out, nil
}

// SpotCheck implements compliance.SpotCheckStore.
func (s *SpotChecks) SpotCheck(ctx context.Context, id int64) (compliance.SpotCheckView, error) {
	db := s.db.WithContext(ctx)
	var r spotCheckRow
	if err := db.Where("id = ?", id).Take(&r).Error; err != nil {
		return compliance.SpotCheckView{}, wrap(err, "get spot check")
	}
	var rows []spotCheckCaseRow
	if err := db.Where("spot_check_id = ?", id).Order("ordinal").Find(&rows).Error; err != nil {
		return compliance.SpotCheckView{}, wrap(err, "get spot-check cases")
	}
	v := compliance.SpotCheckView{SpotCheck: toSpotCheck(r), Cases: make([]compliance.SpotCheckCase, len(rows))}
	for i, cr := range rows {
		v.Cases[i] = toSpotCheckCase(cr)
		if cr.Result != "" {
			v.Examined++
		}
		if cr.Result == compliance.SpotProblem {
			v.Problems++
		}
	}
	v.Sampled = len(rows)
	return v, nil
}

// RecordSpotCheckFinding implements compliance.SpotCheckStore.
func (s *SpotChecks) RecordSpotCheckFinding(ctx context.Context, id int64, caseNo string, f compliance.SpotCheckFinding) (compliance.SpotCheckCase, error) {
	at := utc(f.RecordedAt)
	var r spotCheckCaseRow
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&spotCheckCaseRow{}).Where("spot_check_id = ? AND case_no = ?", id, caseNo).
			Updates(map[string]any{"result": f.Result, "note": f.Note, "recorded_by": f.RecordedBy, "recorded_at": at})
		if res.Error != nil {
			return res.Error
		}
		return tx.Where("spot_check_id = ? AND case_no = ?", id, caseNo).Take(&r).Error
	})
	if err != nil {
		return compliance.SpotCheckCase{}, wrap(err, "record spot-check finding")
	}
	return toSpotCheckCase(r), nil
}
