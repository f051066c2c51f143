package compliance

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"powercheck/internal/calendar"
)

// StepSubmission is a step as a department submits it.
type StepSubmission struct {
	ID            string         `json:"id"`
	CaseNo        string         `json:"case_no"`
	PowerItemCode string         `json:"power_item_code,omitempty"`
	Applicant     string         `json:"applicant,omitempty"`
	StepCode      string         `json:"step_code"`
	Handler       string         `json:"handler"`
	OccurredAt    time.Time      `json:"occurred_at"`
	LegalBasisIDs []string       `json:"legal_basis_ids"`
	Discretion    *Discretion    `json:"discretion,omitempty"`
	Approvals     []Approval     `json:"approvals"`
	Attributes    map[string]any `json:"attributes"`
	// BySession tells that a person submitted the step signed in to the
	// console: its handler is then the account's real name, whatever the
	// body said. Programs (tokens) name the handler themselves.
	BySession bool `json:"-"`
}

// StepResult is the answer to a submitted step. It is stored with the step so
// that a replay of the same submission gets the same answer.
type StepResult struct {
	StepID         string    `json:"step_id"`
	CaseNo         string    `json:"case_no"`
	PolicyRevision int64     `json:"policy_revision"`
	CheckStatus    string    `json:"check_status"`
	CheckError     string    `json:"check_error,omitempty"`
	Warnings       []Warning `json:"warnings"`
	// QueryCode is given in the answer of the step that opened the case:
	// the code with which its applicant follows it on the public side.
	QueryCode string `json:"query_code,omitempty"`
	opened    bool   // the step opened its case (not stored with the answer)
}

// MaxFutureSkew is how far in the future a step may say it occurred (clock
// differences between the department's systems and ours).
const MaxFutureSkew = 5 * time.Minute

var idPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,127}$`)

// MaxAttributesBytes bounds a step's free attributes, as JSON.
const MaxAttributesBytes = 16 << 10

// MaxCaseSteps bounds the steps recorded on one case. A flow has at most
// MaxFlowSteps steps; suspensions, resumptions, extensions and repeated steps
// keep a real case far below four times that. The bound is what makes a
// case affordable to read, to evaluate and to show: every evaluation reads
// all of its steps.
const MaxCaseSteps = 200

// SubmitStep checks and stores one step. created is false when the same
// submission was already stored: the answer is then the stored one.
func (s *Cases) SubmitStep(ctx context.Context, who *Account, sub StepSubmission) (res StepResult, created bool, err error) {
	if err := Authorize(who, ActSubmitStep, ""); err != nil {
		return StepResult{}, false, Errorf(KindForbidden, "forbidden", "只有录入员或部门管理员可以提交环节记录")
	}
	now := s.now()
	if sub.BySession {
		sub.Handler = who.RealName
	}
	if err := sub.validate(now); err != nil {
		return StepResult{}, false, err
	}
	digest := sub.digest()
	for attempt := 1; ; attempt++ {
		res, created, err = s.submitOnce(ctx, who, &sub, digest, now)
		if !errors.Is(err, errCaseRace) {
			if err == nil {
				err = s.public.giveQueryCode(ctx, &res, created)
			}
			return res, created, err
		}
		// Another step of the case was stored since the case was read (or,
		// for a new case, created it): this one is read and checked again,
		// now against that step too.
		if attempt == maxStepAttempts {
			s.log.WarnContext(ctx, "step not stored: its case kept changing", "step", sub.ID, "case", sub.CaseNo, "attempts", attempt)
			return StepResult{}, false, Errorf(KindConflict, "case_busy",
				"办件 %s 正有其他环节同时提交，本环节（%s）未保存，请稍后重新提交", sub.CaseNo, sub.ID)
		}
	}
}

// maxStepAttempts bounds how often a step is checked again because other
// steps of its case were stored while it was being checked. Each retry
// means another step was stored, so only a case under a steady stream of
// concurrent steps runs out of them.
const maxStepAttempts = 8

// errCaseRace: the case changed, or was created, between reading it and
// storing the step.
var errCaseRace = errors.New("case changed concurrently")

func (s *Cases) submitOnce(ctx context.Context, who *Account, sub *StepSubmission, digest string, now time.Time) (StepResult, bool, error) {
	// A replay is rare: it is not looked for up front but found by the
	// unique step id when the step is stored, and then answered from the
	// stored step.
	c, err := s.store.Case(ctx, sub.CaseNo)
	newCase := errors.Is(err, ErrNotFound)
	if err != nil && !newCase {
		return StepResult{}, false, err
	}
	// Another department's case is answered exactly as a case that does not
	// exist: whether a number is in use elsewhere is not this account's to
	// learn. Only a number inside the account's own space that another
	// department holds (stored before numbers were scoped) cannot be opened.
	taken := !newCase && !who.CanSeeDepartment(c.DepartmentCode)
	newCase = newCase || taken
	var item *PowerItem
	var earlier []Step
	var warnings []Warning
	var signed []SignedApproval
	if newCase {
		if item, err = s.itemForNewCase(ctx, sub); err != nil {
			return StepResult{}, false, err
		}
		c = Case{CaseNo: sub.CaseNo, ItemCode: item.Code, ItemVersion: item.Version,
			DepartmentCode: item.DepartmentCode, Applicant: strings.TrimSpace(sub.Applicant),
			AcceptedAt: sub.OccurredAt, Status: CaseOpen, CreatedAt: now.UTC()}
	} else {
		if sub.PowerItemCode != "" && sub.PowerItemCode != c.ItemCode {
			return StepResult{}, false, Errorf(KindInvalid, "item_mismatch", "办件 %s 属于事项 %s，不是 %s", c.CaseNo, c.ItemCode, sub.PowerItemCode)
		}
		// The case's version counts its steps after the first: a full
		// case is refused before its steps are read.
		if c.Version+1 >= MaxCaseSteps {
			return s.caseFull(ctx, who, &c, sub, digest)
		}
		if item, err = s.item(ctx, c.ItemCode, c.ItemVersion); err != nil {
			return StepResult{}, false, fmt.Errorf("item of case %s: %w", c.CaseNo, err)
		}
		if earlier, err = s.store.CaseSteps(ctx, c.CaseNo); err != nil {
			return StepResult{}, false, err
		}
		if len(earlier) >= MaxCaseSteps {
			return s.caseFull(ctx, who, &c, sub, digest)
		}
		known, err := s.store.CaseWarnings(ctx, []string{c.CaseNo})
		if err != nil {
			return StepResult{}, false, err
		}
		warnings = known[c.CaseNo]
		if signed, err = signedApprovals(ctx, s.store, c.CaseNo, now); err != nil {
			return StepResult{}, false, err
		}
	}
	if !who.CanSeeDepartment(c.DepartmentCode) {
		return StepResult{}, false, Errorf(KindForbidden, "other_department", "事项 %s 不属于本部门", item.Code)
	}
	if newCase {
		if err := s.checkCaseNo(ctx, c.DepartmentCode, c.CaseNo); err != nil {
			return StepResult{}, false, err
		}
		if taken {
			return StepResult{}, false, (&Error{Kind: KindConflict, Code: "case_no_taken",
				Message: fmt.Sprintf("办件编号 %s 已被占用，不能受理为新办件，请使用本部门的其他编号", c.CaseNo)}).
				WithDetails([]FieldError{{Field: "case_no", Message: "编号已被占用"}})
		}
	}
	if !item.AllowsStep(sub.StepCode) {
		return StepResult{}, false, (&Error{Kind: KindInvalid, Code: "unknown_step_code",
			Message: fmt.Sprintf("事项 %s（第 %d 版）的办理流程中没有环节 %s", item.Code, item.Version, sub.StepCode)}).
			WithDetails([]FieldError{{Field: "step_code", Message: "流程中没有该环节"}})
	}
	dept, err := s.department(ctx, c.DepartmentCode)
	if err != nil {
		return StepResult{}, false, fmt.Errorf("department of case %s: %w", c.CaseNo, err)
	}
	step := Step{ID: sub.ID, CaseNo: c.CaseNo, StepCode: sub.StepCode, Handler: strings.TrimSpace(sub.Handler),
		OccurredAt: sub.OccurredAt, RecordedAt: now, LegalBasisIDs: nonNil(sub.LegalBasisIDs),
		Discretion: sub.Discretion, Approvals: nonNil(sub.Approvals), Attributes: sub.Attributes, RecordedBy: who.Username}
	if step.Attributes == nil {
		step.Attributes = map[string]any{}
	}
	if sub.BySession {
		known := true
		step.HandlerKnown = &known
	} else if step.HandlerKnown, err = handlerKnown(ctx, s.store, c.DepartmentCode, step.Handler); err != nil {
		return StepResult{}, false, err
	}
	in := &Input{Event: EventStep, Now: now, Department: dept, Item: item, Case: &c, Steps: earlier, Warnings: warnings,
		Approvals: signed, Step: &step}
	ev := s.evaluate(ctx, in, &step)
	findings := ev.Findings

	next := c
	next.Status = caseStatusAfter(c.Status, item, step.StepCode)
	next.UpdatedAt = now.UTC()
	next.NextCheckAt = nextCheckAfter(ev, step.CheckStatus, now, warnings, step.ID)
	next.NextCheckpoint, next.NextCheckpointRole = nextCheckpoint(item, func(code string) bool {
		return code == step.StepCode || slices.ContainsFunc(earlier, func(e Step) bool { return e.StepCode == code })
	})
	rec := StepRecord{Case: next, NewCase: newCase, Step: step, Digest: digest, Findings: findings,
		Events: approvalWaiting(item, c, next, newCase, now)}
	res, err := s.store.RecordStep(ctx, rec, respond(&rec))
	res.opened = err == nil && newCase
	switch {
	case errors.Is(err, ErrCaseChanged):
		// The step may be one of those stored meanwhile (a replay sent
		// twice at once): then it is answered as a replay.
		prev, err := s.store.StepByID(ctx, c.DepartmentCode, sub.ID)
		if errors.Is(err, ErrNotFound) {
			return StepResult{}, false, errCaseRace
		}
		if err != nil {
			return StepResult{}, false, err
		}
		return s.replay(who, prev, digest)
	case errors.Is(err, ErrDuplicate):
		// Either the step id is taken (a replay, or a clash) or, for a new
		// case, another first step created the case meanwhile.
		prev, err := s.store.StepByID(ctx, c.DepartmentCode, sub.ID)
		if errors.Is(err, ErrNotFound) && newCase {
			return StepResult{}, false, errCaseRace
		}
		if err != nil {
			return StepResult{}, false, err
		}
		return s.replay(who, prev, digest)
	case err != nil:
		return StepResult{}, false, err
	}
	s.supervision.liftOvertaken(ctx, warnings, ev.Lifts, now)
	s.observeStep(res)
	return res, true, nil
}

// caseFull answers a step of a case that holds MaxCaseSteps steps: a replay
// of one of them as a replay, any other step refused.
func (s *Cases) caseFull(ctx context.Context, who *Account, c *Case, sub *StepSubmission, digest string) (StepResult, bool, error) {
	prev, err := s.store.StepByID(ctx, c.DepartmentCode, sub.ID)
	if err == nil {
		return s.replay(who, prev, digest)
	}
	if !errors.Is(err, ErrNotFound) {
		return StepResult{}, false, err
	}
	return StepResult{}, false, Errorf(KindInvalid, "case_step_limit",
		"办件 %s 的环节记录已达上限 %d 条，不能再记录，本环节（%s）未保存", c.CaseNo, MaxCaseSteps, sub.ID)
}

func (s *Cases) itemForNewCase(ctx context.Context, sub *StepSubmission) (*PowerItem, error) {
	if sub.PowerItemCode == "" {
		return nil, (&Error{Kind: KindInvalid, Code: "unknown_case",
			Message: fmt.Sprintf("办件 %s 尚未受理：首个环节须填写 power_item_code 和 applicant", sub.CaseNo)}).
			WithDetails([]FieldError{{Field: "power_item_code", Message: "首个环节必填"}})
	}
	if strings.TrimSpace(sub.Applicant) == "" {
		return nil, (&Error{Kind: KindInvalid, Code: "invalid_step", Message: "环节记录不合法：首个环节须填写申请人（applicant）"}).
			WithDetails([]FieldError{{Field: "applicant", Message: "首个环节必填"}})
	}
	it, err := s.catalog.itemInForce(ctx, sub.PowerItemCode)
	if errors.Is(err, ErrNotFound) {
		return nil, (&Error{Kind: KindInvalid, Code: "unknown_item",
			Message: fmt.Sprintf("权力事项 %s 不存在", sub.PowerItemCode)}).
			WithDetails([]FieldError{{Field: "power_item_code", Message: "事项不存在"}})
	}
	if err != nil {
		return nil, err
	}
	if it.Status != ItemActive {
		return nil, Errorf(KindInvalid, "item_not_active", "权力事项 %s 已%s，不能受理新办件", it.Code, map[string]string{ItemSuspended: "暂停", ItemCancelled: "取消"}[it.Status])
	}
	s.items.Store(itemKey{it.Code, it.Version}, &it)
	return &it, nil
}

// evaluate runs the policies; a failure never loses the step: it is stored
// unchecked, with the error, and re-checked later.
func (s *Cases) evaluate(ctx context.Context, in *Input, step *Step) Evaluation {
	ev, err := s.eval.Evaluate(ctx, in)
	step.PolicyRevision = ev.Revision
	// A built-in that fails (most often: a year missing from the calendar)
	// makes a rule undefined; the policies report what matters as warnings
	// (deadline.calendar_unknown), so this is detail for debugging.
	for _, n := range ev.Notes {
		s.log.DebugContext(ctx, "policy built-in failed", "step", step.ID, "revision", ev.Revision, "error", n)
	}
	if err != nil {
		s.log.ErrorContext(ctx, "policy evaluation failed; step stored unchecked", "step", step.ID, "revision", ev.Revision, "error", err)
		step.CheckStatus, step.CheckError = CheckUnchecked, err.Error()
		return Evaluation{Revision: ev.Revision}
	}
	step.CheckStatus, step.CheckError = CheckChecked, ""
	return ev
}

// retryAfterFailure is how soon a case whose evaluation failed is looked at again.
const retryAfterFailure = time.Hour

// nextCheckAfter is when the sweeper should next look at a case: when the
// policies said, or after a failure within the hour. A new alarm starts the
// department's answer period, which the policies only see once the alarm is
// stored: the case is looked at again the next day at the latest.
func nextCheckAfter(ev Evaluation, status string, now time.Time, known []Warning, stepID string) *time.Time {
	if status != CheckChecked {
		t := now.Add(retryAfterFailure).UTC()
		return &t
	}
	next := ev.NextCheck
	for _, f := range unknown(ev.Findings, known, stepID) {
		if f.Level == LevelAlarm {
			tomorrow := calendar.DateOf(now).AddDays(1).Start()
			if next.IsZero() || tomorrow.Before(next) {
				next = tomorrow
			}
			break
		}
	}
	if next.IsZero() {
		return nil
	}
	t := next.UTC()
	return &t
}

func respond(rec *StepRecord) Responder {
	return func(stored []Warning) (StepResult, error) {
		return StepResult{StepID: rec.Step.ID, CaseNo: rec.Case.CaseNo, PolicyRevision: rec.Step.PolicyRevision,
			CheckStatus: rec.Step.CheckStatus, CheckError: rec.Step.CheckError, Warnings: nonNil(stored)}, nil
	}
}

func (s *Cases) replay(who *Account, prev StoredStep, digest string) (StepResult, bool, error) {
	if prev.Digest != digest || !who.CanSeeDepartment(prev.DepartmentCode) {
		return StepResult{}, false, Errorf(KindConflict, "step_id_conflict", "环节记录编号 %s 已被另一条内容不同的记录使用", prev.Step.ID)
	}
	return prev.Result, false, nil
}

// caseStatusAfter is the status of a case once a step with code is recorded.
func caseStatusAfter(status string, item *PowerItem, code string) string {
	switch {
	case code == StepSuspend:
		return CaseSuspended
	case code == StepResume && status == CaseSuspended:
		return CaseOpen
	case len(item.Steps) > 0 && code == item.Steps[len(item.Steps)-1].Code:
		return CaseClosed
	}
	return status
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
