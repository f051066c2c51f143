package compliance

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// stepCase is what a submitted step is checked against: its case, as
// stored or as the step opens it, the item version in force for it, and
// for a stored case its steps, warnings and signed approvals so far.
type stepCase struct {
	Case
	newCase  bool
	item     *PowerItem
	earlier  []Step
	warnings []Warning
	signed   []SignedApproval
	// approvalsRead is how many approvals a stored case had as read,
	// signed before the step or after.
	approvalsRead int
	// handlers are the accounts named like the step's handler in the
	// case's department, when they were read with the case (state).
	handlers *[]string
}

// errCaseFull: the case holds MaxCaseSteps steps already.
var errCaseFull = errors.New("case full")

// stepCase reads the case sub is a step of, or makes the one it opens, and
// checks that the account may add the step to it; errCaseFull (with the
// case) when the case holds no more steps.
// On its first attempt (presume) a step that opens a case is taken to (see
// caseState).
func (s *Cases) stepCase(ctx context.Context, who *Account, sub *StepSubmission, now time.Time, presume bool) (stepCase, error) {
	// A step sent by a program names a handler, who is looked up among the
	// accounts of the case's department with the case, unless it is the
	// account sending it (see newStep).
	handler := ""
	if !sub.BySession && !ownName(who, strings.TrimSpace(sub.Handler)) {
		handler = strings.TrimSpace(sub.Handler)
	}
	state, err := s.caseState(ctx, sub, handler, presume)
	newCase := errors.Is(err, ErrNotFound)
	if err != nil && !newCase {
		return stepCase{}, err
	}
	c := state.Case
	// Another department's case is answered exactly as a case that does not
	// exist: whether a number is in use elsewhere is not this account's to
	// learn. Only a number inside the account's own space that another
	// department holds (stored before numbers were scoped) cannot be opened.
	taken := !newCase && !who.CanSeeDepartment(c.DepartmentCode)
	var sc stepCase
	if newCase || taken {
		sc, err = s.openCase(ctx, sub, now)
	} else {
		sc, err = s.storedCase(ctx, sub, &state, now)
	}
	if err != nil {
		return sc, err
	}
	if !who.CanSeeDepartment(sc.DepartmentCode) {
		return sc, Errorf(ClassForbidden, "other_department", "事项 %s 不属于本部门", sc.item.Code)
	}
	if sc.newCase {
		if err := s.checkCaseNo(ctx, sc.DepartmentCode, sc.CaseNo); err != nil {
			return sc, err
		}
		if taken {
			return sc, (&Error{Class: ClassConflict, Code: "case_no_taken",
				Message: fmt.Sprintf("办件编号 %s 已被占用，不能受理为新办件，请使用本部门的其他编号", sc.CaseNo)}).
				WithDetails([]FieldError{{Field: "case_no", Message: "编号已被占用"}})
		}
	}
	if !sc.item.AllowsStep(sub.StepCode) {
		return sc, (&Error{Class: ClassInvalid, Code: "unknown_step_code",
			Message: fmt.Sprintf("事项 %s（第 %d 版）的办理流程中没有环节 %s", sc.item.Code, sc.item.Version, sub.StepCode)}).
			WithDetails([]FieldError{{Field: "step_code", Message: "流程中没有该环节"}})
	}
	return sc, nil
}

// caseState reads the state of the case sub is a step of. A step that
// names its item and applicant most likely opens its case: for it the case
// alone is looked for first, and its parts are read only when it is
// stored already. When presume, one that is also its item's first step is
// taken to open its case without a look: storing the case fails when it
// exists (ErrDuplicate), and the step is checked again, looked up then.
// A replay of a first step costs that second check.
func (s *Cases) caseState(ctx context.Context, sub *StepSubmission, handler string, presume bool) (CaseState, error) {
	if sub.PowerItemCode != "" && strings.TrimSpace(sub.Applicant) != "" {
		if presume && s.opensCase(ctx, sub) {
			return CaseState{}, ErrNotFound
		}
		if _, err := s.store.Case(ctx, sub.CaseNo); err != nil {
			return CaseState{}, err
		}
	}
	return s.store.CaseState(ctx, sub.CaseNo, handler)
}

// opensCase says whether sub is the first step of the flow of the item it
// names; false when the item cannot be had (the look-up then says why).
func (s *Cases) opensCase(ctx context.Context, sub *StepSubmission) bool {
	it, err := s.catalog.itemForNewCase(ctx, sub.PowerItemCode)
	return err == nil && len(it.Steps) > 0 && it.Steps[0].Code == sub.StepCode
}

// openCase is the case that sub, its first step, opens.
func (s *Cases) openCase(ctx context.Context, sub *StepSubmission, now time.Time) (stepCase, error) {
	item, err := s.itemForNewCase(ctx, sub)
	if err != nil {
		return stepCase{}, err
	}
	return stepCase{newCase: true, item: item, Case: Case{CaseNo: sub.CaseNo, ItemCode: item.Code, ItemVersion: item.Version,
		DepartmentCode: item.DepartmentCode, Applicant: strings.TrimSpace(sub.Applicant),
		AcceptedAt: sub.OccurredAt, Status: CaseOpen, CreatedAt: now.UTC()}}, nil
}

// storedCase is what a step of the stored case is checked against, from
// the case's state as read.
func (s *Cases) storedCase(ctx context.Context, sub *StepSubmission, state *CaseState, now time.Time) (stepCase, error) {
	c := state.Case
	sc := stepCase{Case: c}
	if sub.PowerItemCode != "" && sub.PowerItemCode != c.ItemCode {
		return sc, Errorf(ClassInvalid, "item_mismatch", "办件 %s 属于事项 %s，不是 %s", c.CaseNo, c.ItemCode, sub.PowerItemCode)
	}
	// The case's version counts its steps after the first.
	if c.Version+1 >= MaxCaseSteps || len(state.Steps) >= MaxCaseSteps {
		return sc, errCaseFull
	}
	var err error
	if sc.item, err = s.item(ctx, c.ItemCode, c.ItemVersion); err != nil {
		return sc, fmt.Errorf("item of case %s: %w", c.CaseNo, err)
	}
	sc.earlier, sc.warnings, sc.signed = state.Steps, state.Warnings, approvalsAsOf(state.Approvals, now)
	sc.approvalsRead = len(state.Approvals)
	if state.HandlersRead {
		sc.handlers = &state.Handlers
	}
	return sc, nil
}
