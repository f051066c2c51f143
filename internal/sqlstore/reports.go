package sqlstore

import (
	"context"
	"time"

	"gorm.io/gorm"

	"powercheck/internal/compliance"
)

var _ compliance.ReportStore = (*Reports)(nil)

// explanationRow is a month's written explanation; one per department and month.
type explanationRow struct {
	ID             int64  `gorm:"primaryKey;autoIncrement"`
	DepartmentCode string `gorm:"size:32;not null;uniqueIndex:uq_explanation,priority:1"`
	Month          string `gorm:"size:7;not null;uniqueIndex:uq_explanation,priority:2"`
	Text           string `gorm:"type:text;not null"`
	SignedBy       string `gorm:"size:64;not null"`
	// Rows from before signers were accounts read as free text.
	SignedByKind   string    `gorm:"size:16;not null;default:free_text"`
	SignerRealName string    `gorm:"size:64;not null;default:''"`
	SubmittedBy    string    `gorm:"size:64;not null"`
	SubmittedAt    time.Time `gorm:"not null"`
	// The signed scan's description; its content is in explanation_scans.
	ScanType       string     `gorm:"size:32;not null;default:''"`
	ScanSize       int64      `gorm:"not null;default:0"`
	ScanSHA256     string     `gorm:"column:scan_sha256;size:64;not null;default:''"`
	ScanUploadedBy string     `gorm:"size:64;not null;default:''"`
	ScanUploadedAt *time.Time `gorm:""`
}

func (explanationRow) TableName() string { return "monthly_explanations" }

// explanationScanRow is the content of an explanation's signed scan, kept
// apart so that reading explanations never loads it.
type explanationScanRow struct {
	ID            int64  `gorm:"primaryKey;autoIncrement"`
	ExplanationID int64  `gorm:"not null;uniqueIndex:uq_explanation_scan"`
	Data          []byte `gorm:"not null"`
}

func (explanationScanRow) TableName() string { return "explanation_scans" }

func toExplanation(r explanationRow) compliance.Explanation {
	e := compliance.Explanation{DepartmentCode: r.DepartmentCode, Month: r.Month, Text: r.Text, SignedBy: r.SignedBy,
		SignedByKind: r.SignedByKind, SignerRealName: r.SignerRealName, SubmittedBy: r.SubmittedBy, SubmittedAt: r.SubmittedAt}
	if e.SignedByKind == "" {
		e.SignedByKind = compliance.SignedByFreeText
	}
	if r.ScanSHA256 != "" {
		e.Scan = &compliance.ScanInfo{ContentType: r.ScanType, Size: r.ScanSize, SHA256: r.ScanSHA256,
			UploadedBy: r.ScanUploadedBy}
		if r.ScanUploadedAt != nil {
			e.Scan.UploadedAt = *r.ScanUploadedAt
		}
	}
	return e
}

// MonthCounts implements compliance.ReportStore.
func (s *Reports) MonthCounts(ctx context.Context, dept string, from, to time.Time) (compliance.MonthCounts, error) {
	db := s.db.WithContext(ctx)
	f, t := utc(from), utc(to)
	out := compliance.MonthCounts{ByFamily: map[string]int64{}}
	var cases struct{ Accepted, Closed int64 }
	err := db.Model(&caseRow{}).Select("COUNT(*) AS accepted, COALESCE(SUM(CASE WHEN status = ? THEN 1 ELSE 0 END), 0) AS closed", compliance.CaseClosed).
		Where("department_code = ? AND accepted_at >= ? AND accepted_at < ?", dept, f, t).Scan(&cases).Error
	if err != nil {
		return out, wrap(err, "count cases of month")
	}
	out.CasesAccepted, out.CasesClosed = cases.Accepted, cases.Closed
	// Approvals live inside the steps' detail, as a JSON list: the database
	// counts them where the rows are.
	var steps struct{ Steps, Approvals int64 }
	if err := db.Model(&stepRow{}).Select("COUNT(*) AS steps, COALESCE(SUM("+s.approvalsOfDetail()+"), 0) AS approvals").
		Where("department_code = ? AND occurred_at >= ? AND occurred_at < ?", dept, f, t).Scan(&steps).Error; err != nil {
		return out, wrap(err, "count steps of month")
	}
	out.Steps, out.CheckpointApprovals = steps.Steps, steps.Approvals
	var groups []struct {
		Level, Family, Status string
		N                     int64
	}
	if err := db.Model(&warningRow{}).Select("level, family, status, COUNT(*) AS n").
		Where("department_code = ? AND created_at >= ? AND created_at < ?", dept, f, t).
		Group("level, family, status").Scan(&groups).Error; err != nil {
		return out, wrap(err, "count warnings of month")
	}
	for _, g := range groups {
		switch g.Level {
		case compliance.LevelPrewarning:
			out.Prewarnings += g.N
		case compliance.LevelAlarm:
			out.Alarms += g.N
		}
		out.ByFamily[g.Family] += g.N
		switch g.Status {
		case compliance.WarningVerified:
			out.Verified += g.N
			out.Rectified += g.N
		case compliance.WarningRectified:
			out.Rectified += g.N
		}
	}
	return out, nil
}

// approvalsOfDetail is the SQL for the number of approvals in a step's
// detail: the length of its approvals list, 0 when that is null or absent
// (len of a nil slice). MySQL's JSON_LENGTH counts a scalar as 1, hence the
// type check; SQLite's json_array_length gives 0 for what is not a list.
func (s *Reports) approvalsOfDetail() string {
	if s.dialect == "mysql" {
		return "CASE WHEN JSON_TYPE(JSON_EXTRACT(detail, '$.approvals')) = 'ARRAY' THEN JSON_LENGTH(detail, '$.approvals') ELSE 0 END"
	}
	return "COALESCE(json_array_length(detail, '$.approvals'), 0)"
}

// CountCasesAccepted implements compliance.ReportStore.
func (s *Reports) CountCasesAccepted(ctx context.Context, dept string, from, to time.Time) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&caseRow{}).
		Where("department_code = ? AND accepted_at >= ? AND accepted_at < ?", dept, utc(from), utc(to)).Count(&n).Error
	return n, wrap(err, "count cases accepted")
}

// SaveExplanation implements compliance.ReportStore.
func (s *Reports) SaveExplanation(ctx context.Context, e compliance.Explanation) (compliance.Explanation, error) {
	r := explanationRow{DepartmentCode: e.DepartmentCode, Month: e.Month, Text: e.Text, SignedBy: e.SignedBy,
		SignedByKind: e.SignedByKind, SignerRealName: e.SignerRealName, SubmittedBy: e.SubmittedBy, SubmittedAt: utc(e.SubmittedAt)}
	if err := s.transaction(ctx, func(tx *gorm.DB) error { return tx.Create(&r).Error }); err != nil {
		return compliance.Explanation{}, wrap(err, "save explanation")
	}
	return toExplanation(r), nil
}

// Explanation implements compliance.ReportStore.
func (s *Reports) Explanation(ctx context.Context, dept, month string) (compliance.Explanation, error) {
	return takeOne(s.db.WithContext(ctx).Where("department_code = ? AND month = ?", dept, month), "get explanation", toExplanation)
}

var _ compliance.ScanStore = (*Reports)(nil)

// AttachScan implements compliance.ScanStore. The explanation's row is
// updated only while it has no scan: of two uploads, the second finds it
// taken and stores nothing.
func (s *Reports) AttachScan(ctx context.Context, dept, month string, f compliance.ScanFile) (compliance.Explanation, error) {
	var r explanationRow
	at := utc(f.UploadedAt)
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		if err := tx.Where("department_code = ? AND month = ?", dept, month).Take(&r).Error; err != nil {
			return err
		}
		res := tx.Model(&explanationRow{}).Where("id = ? AND scan_sha256 = ?", r.ID, "").Updates(map[string]any{
			"scan_type": f.ContentType, "scan_size": f.Size, "scan_sha256": f.SHA256,
			"scan_uploaded_by": f.UploadedBy, "scan_uploaded_at": at})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return compliance.ErrDuplicate
		}
		if err := tx.Create(&explanationScanRow{ExplanationID: r.ID, Data: f.Data}).Error; err != nil {
			return err
		}
		return tx.Where("id = ?", r.ID).Take(&r).Error
	})
	if err != nil {
		return compliance.Explanation{}, wrap(err, "attach scan")
	}
	return toExplanation(r), nil
}

// ExplanationScan implements compliance.ScanStore.
func (s *Reports) ExplanationScan(ctx context.Context, dept, month string) (compliance.ScanFile, error) {
	db := s.db.WithContext(ctx)
	var r explanationRow
	if err := db.Where("department_code = ? AND month = ? AND scan_sha256 <> ?", dept, month, "").Take(&r).Error; err != nil {
		return compliance.ScanFile{}, wrap(err, "get scan")
	}
	var b explanationScanRow
	if err := db.Where("explanation_id = ?", r.ID).Take(&b).Error; err != nil {
		return compliance.ScanFile{}, wrap(err, "get scan")
	}
	return compliance.ScanFile{ScanInfo: *toExplanation(r).Scan, Data: b.Data}, nil
}

// RecordMonthClose implements compliance.ReportStore.
func (s *Reports) RecordMonthClose(ctx context.Context, rec compliance.MonthCloseRecord) (int, error) {
	inserted := 0
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		n, err := insertCaselessWarnings(tx, "month_close|"+rec.DepartmentCode+"|"+rec.Month, rec.DepartmentCode,
			rec.Findings, rec.Revision, utc(rec.At))
		inserted = n
		return err
	})
	return inserted, wrap(err, "record month close")
}
