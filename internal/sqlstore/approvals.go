package sqlstore

import (
	"context"
	"time"

	"gorm.io/gorm"

	"powercheck/internal/compliance"
)

var _ compliance.ApprovalStore = (*Approvals)(nil)

// approvalRow is a signed approval (审核). Rows are only ever added.
type approvalRow struct {
	ID       int64     `gorm:"primaryKey;autoIncrement"`
	CaseNo   string    `gorm:"size:64;not null;index:idx_approval_case,priority:1"`
	StepCode string    `gorm:"size:32;not null;index:idx_approval_case,priority:2"`
	Decision string    `gorm:"size:16;not null"`
	Opinion  string    `gorm:"type:text;not null"`
	Role     string    `gorm:"size:32;not null"`
	Username string    `gorm:"size:64;not null"`
	RealName string    `gorm:"size:64;not null"`
	At       time.Time `gorm:"not null"`
}

func (approvalRow) TableName() string { return "approvals" }

func fromApproval(a compliance.SignedApproval) approvalRow {
	return approvalRow{ID: a.ID, CaseNo: a.CaseNo, StepCode: a.StepCode, Decision: a.Decision, Opinion: a.Opinion,
		Role: string(a.Role), Username: a.Username, RealName: a.RealName, At: utc(a.At)}
}

func toApproval(r approvalRow) compliance.SignedApproval {
	return compliance.SignedApproval{ID: r.ID, CaseNo: r.CaseNo, StepCode: r.StepCode, Decision: r.Decision, Opinion: r.Opinion,
		Role: compliance.Role(r.Role), Username: r.Username, RealName: r.RealName, At: r.At.UTC()}
}

// CreateApproval implements compliance.ApprovalStore. A late approval
// brings its case's next look by the sweeper forward to its time, so that
// the policies see it at the sweeper's next round.
func (s *Approvals) CreateApproval(ctx context.Context, a compliance.SignedApproval, late bool) (compliance.SignedApproval, error) {
	row := fromApproval(a)
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		row.ID = 0 // no id: run again after a lost conflict, it inserts anew
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		if !late {
			return nil
		}
		return tx.Model(&caseRow{}).Where("case_no = ? AND (next_check_at IS NULL OR next_check_at > ?)", row.CaseNo, row.At).
			Update("next_check_at", row.At).Error
	})
	if err != nil {
		return compliance.SignedApproval{}, wrap(err, "create approval")
	}
	s.known.forget(row.CaseNo) // its approvals as kept lack this one
	return toApproval(row), nil
}

// CaseApprovals implements compliance.ApprovalStore.
func (s *Approvals) CaseApprovals(ctx context.Context, caseNo string) ([]compliance.SignedApproval, error) {
	m, err := s.ApprovalsOfCases(ctx, []string{caseNo})
	return m[caseNo], err
}

// approvalsRead reads signed approvals, oldest first.
func approvalsRead(db *gorm.DB) *gorm.DB {
	return db.Model(&approvalRow{}).Order("id")
}

// ApprovalsOfCases implements compliance.ApprovalStore.
func (s *Approvals) ApprovalsOfCases(ctx context.Context, caseNos []string) (map[string][]compliance.SignedApproval, error) {
	return findByCase(approvalsRead(s.db.WithContext(ctx)), caseNos, "list approvals",
		func(r approvalRow) string { return r.CaseNo }, toApproval)
}

// pendingQuery selects the cases whose next checkpoint waits for role and
// has no signed approve.
func (s *Approvals) pendingQuery(ctx context.Context, departments []string, role compliance.Role) *gorm.DB {
	q := s.db.WithContext(ctx).Model(&caseRow{}).
		Where("next_checkpoint_role = ? AND status <> ?", string(role), compliance.CaseClosed).
		Where("NOT EXISTS (SELECT 1 FROM approvals a WHERE a.case_no = cases.case_no AND a.step_code = cases.next_checkpoint AND a.decision = ?)",
			compliance.DecisionApprove)
	if len(departments) > 0 {
		q = q.Where("department_code IN ?", departments)
	}
	return q
}

// PendingApprovalCases implements compliance.ApprovalStore.
func (s *Approvals) PendingApprovalCases(ctx context.Context, departments []string, role compliance.Role, limit int) ([]compliance.Case, error) {
	return findAll(s.pendingQuery(ctx, departments, role).Order("accepted_at, case_no").Limit(limit), "list pending approvals", toCase)
}

// CountPendingApprovals implements compliance.ApprovalStore.
func (s *Approvals) CountPendingApprovals(ctx context.Context, departments []string, role compliance.Role) (int64, error) {
	var n int64
	if err := s.pendingQuery(ctx, departments, role).Count(&n).Error; err != nil {
		return 0, wrap(err, "count pending approvals")
	}
	return n, nil
}

// HandlerAccounts implements compliance.ApprovalStore.
func (s *Approvals) HandlerAccounts(ctx context.Context, dept, realName string) ([]string, error) {
	names, err := handlerAccounts(s.db.WithContext(ctx), dept, realName)
	return names, wrap(err, "look up handler")
}
