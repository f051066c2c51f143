package compliance

import (
	"context"
	"errors"
)

// CaseView is a case with its first CaseViewSteps steps and its warnings.
type CaseView struct {
	Case
	Steps []Step `json:"steps"`
	// MoreSteps tells that the case has steps after those in Steps, to be
	// read page by page with CaseSteps.
	MoreSteps bool      `json:"-"`
	Warnings  []Warning `json:"warnings"`
	// Time is what the policies say about the case's deadlines now; when they
	// cannot say, TimeError tells why.
	Time      *TimeView `json:"time"`
	TimeError string    `json:"time_error,omitempty"`
	// Approvals are the case's signed approvals (those that steps declare
	// are each step's declared_approvals); ApprovalSteps the steps of its
	// flow that take them, with the role that signs each.
	Approvals     []SignedApproval `json:"approvals"`
	ApprovalSteps []ApprovalStep   `json:"approval_steps"`
}

// CaseViewSteps is how many of a case's steps its view shows; the others
// are read page by page (CaseSteps).
const CaseViewSteps = 50

// MaxStepPageSize bounds one page of a case's steps: a step may carry
// MaxAttributesBytes of attributes.
const MaxStepPageSize = 100

// visibleCase returns a case the account may see. Another department's
// case is not found, exactly as a number nobody uses.
func visibleCase(ctx context.Context, cases CaseReader, who *Account, caseNo string) (Case, error) {
	c, err := cases.Case(ctx, caseNo)
	if errors.Is(err, ErrNotFound) || (err == nil && !who.CanSeeDepartment(c.DepartmentCode)) {
		return Case{}, Errorf(ClassNotFound, "case_not_found", "办件 %s 不存在", caseNo)
	}
	return c, err
}

// Case returns a case the account may see, with its first CaseViewSteps
// steps. Its deadlines are computed from all of them.
func (s *Cases) Case(ctx context.Context, who *Account, caseNo string) (CaseView, error) {
	c, err := visibleCase(ctx, s.store, who, caseNo)
	if err != nil {
		return CaseView{}, err
	}
	steps, err := s.store.CaseSteps(ctx, caseNo)
	if err != nil {
		return CaseView{}, err
	}
	ws, err := s.store.ListWarnings(ctx, WarningFilter{CaseNo: caseNo, Limit: 10000})
	if err != nil {
		return CaseView{}, err
	}
	v := CaseView{Case: c, Steps: nonNil(steps[:min(len(steps), CaseViewSteps)]), MoreSteps: len(steps) > CaseViewSteps,
		Warnings: nonNil(ws)}
	item, dept, err := s.heldTo(ctx, c)
	if err != nil {
		return CaseView{}, err
	}
	now := s.now()
	signed, err := signedApprovals(ctx, s.store, c.CaseNo, now)
	if err != nil {
		return CaseView{}, err
	}
	v.Approvals, v.ApprovalSteps = nonNil(signed), ApprovalSteps(item)
	tv, err := s.eval.View(ctx, &Input{Event: EventView, Now: now, Department: dept, Item: item, Case: &c, Steps: steps, Approvals: signed})
	if err != nil {
		s.log.WarnContext(ctx, "case time view failed", "case", caseNo, "error", err)
		v.TimeError = "办理时限暂时无法计算：" + err.Error()
	} else {
		tv.Deadlines, tv.Suspensions, tv.Extensions = nonNil(tv.Deadlines), nonNil(tv.Suspensions), nonNil(tv.Extensions)
		v.Time = &tv
	}
	return v, nil
}

// CaseSteps returns up to limit steps of a case the account may see, in
// the order they were recorded, after the first offset of them.
func (s *Cases) CaseSteps(ctx context.Context, who *Account, caseNo string, offset, limit int) ([]Step, error) {
	if _, err := visibleCase(ctx, s.store, who, caseNo); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > MaxStepPageSize {
		return nil, Errorf(ClassBadRequest, "invalid_limit", "limit 须在 1–%d 之间", MaxStepPageSize)
	}
	steps, err := s.store.CaseStepsPage(ctx, caseNo, max(offset, 0), limit)
	return nonNil(steps), err
}

// MaxPageSize bounds one page of a listing.
const MaxPageSize = 500

// ListWarnings lists the warnings the account may see. Department-scoped
// accounts see only their own department, whatever the filter says.
func (s *Cases) ListWarnings(ctx context.Context, who *Account, f WarningFilter) ([]Warning, error) {
	f, err := scopeWarningFilter(who, f)
	if err != nil {
		return nil, err
	}
	if f.Limit <= 0 || f.Limit > MaxPageSize {
		return nil, Errorf(ClassBadRequest, "invalid_limit", "limit 须在 1–%d 之间", MaxPageSize)
	}
	return s.store.ListWarnings(ctx, f)
}

// caseNos lists the numbers of cases, in order: the key of the per-case
// reads that follow a listing.
func caseNos(cases []Case) []string {
	nos := make([]string, len(cases))
	for i, c := range cases {
		nos[i] = c.CaseNo
	}
	return nos
}
