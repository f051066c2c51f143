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
		return StepResult{}, false, Errorf(ClassForbidden, "forbidden", "只有录入员或部门管理员可以提交环节记录")
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
		res, created, err = s.submitOnce(ctx, who, &sub, digest, now, attempt == 1)
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
			return StepResult{}, false, Errorf(ClassConflict, "case_busy",
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

// submitOnce checks and stores a step against its case as read now;
// errCaseRace when the case changed before the step could be stored. On
// the first attempt (presume) a first step is taken to open its case.
func (s *Cases) submitOnce(ctx context.Context, who *Account, sub *StepSubmission, digest string, now time.Time, presume bool) (StepResult, bool, error) {
	// A replay is rare: it is not looked for up front but found by the
	// unique step id when the step is stored, and then answered from the
	// stored step.
	sc, err := s.stepCase(ctx, who, sub, now, presume)
	if errors.Is(err, errCaseFull) {
		return s.caseFull(ctx, who, &sc.Case, sub, digest)
	}
	if err != nil {
		return StepResult{}, false, err
	}
	dept, err := s.department(ctx, sc.DepartmentCode)
	if err != nil {
		return StepResult{}, false, fmt.Errorf("department of case %s: %w", sc.CaseNo, err)
	}
	step, handler, err := s.newStep(ctx, who, sub, &sc, now)
	if err != nil {
		return StepResult{}, false, err
	}
	in := &Input{Event: EventStep, Now: now, Department: dept, Item: sc.item, Case: &sc.Case, Steps: sc.earlier,
		Warnings: sc.warnings, Approvals: sc.signed, Step: &step}
	ev := s.evaluate(ctx, in, &step)
	rec := sc.record(step, ev, digest, now)
	rec.HandlerAccount = handler
	res, err := s.store.RecordStep(ctx, rec, respond(&rec))
	if err != nil {
		return s.notRecorded(ctx, who, err, &sc, sub.ID, digest)
	}
	res.opened = sc.newCase
	s.supervision.liftOvertaken(ctx, sc.warnings, ev.Lifts, now)
	s.observeStep(res)
	return res, true, nil
}

// newStep is the step that sub records in the case of sc, as the account
// who enters it now, and, when it was read, the account its handler's
// warnings are told to (StepRecord.HandlerAccount).
func (s *Cases) newStep(ctx context.Context, who *Account, sub *StepSubmission, sc *stepCase, now time.Time) (Step, *string, error) {
	c := &sc.Case
	step := Step{ID: sub.ID, CaseNo: c.CaseNo, StepCode: sub.StepCode, Handler: strings.TrimSpace(sub.Handler),
		OccurredAt: sub.OccurredAt, RecordedAt: now, LegalBasisIDs: nonNil(sub.LegalBasisIDs),
		Discretion: sub.Discretion, Approvals: nonNil(sub.Approvals), Attributes: sub.Attributes, RecordedBy: who.Username}
	if step.Attributes == nil {
		step.Attributes = map[string]any{}
	}
	if sub.BySession {
		known := true
		step.HandlerKnown = &known
		return step, nil, nil
	}
	if ownName(who, step.Handler) && who.DepartmentCode == c.DepartmentCode {
		// The handler is the account entering the step, an active account
		// of the case's department of that name: the accounts looked up
		// would include it, and it is the one told either way (handlerOf).
		known, account := true, who.Username
		step.HandlerKnown = &known
		return step, &account, nil
	}
	if sc.handlers != nil {
		known, account := handlerOf(*sc.handlers, who.Username)
		step.HandlerKnown = known
		return step, account, nil
	}
	var (
		account *string
		err     error
	)
	step.HandlerKnown, account, err = handlerKnown(ctx, s.store, c.DepartmentCode, step.Handler, who.Username)
	return step, account, err
}

// ownName reports whether handler is the real name of who.
func ownName(who *Account, handler string) bool {
	return who.RealName != "" && handler == who.RealName
}

// record is what storing step, evaluated as ev, writes: the step, the
// case as the step leaves it, the findings and the events.
func (sc *stepCase) record(step Step, ev Evaluation, digest string, now time.Time) StepRecord {
	next := sc.Case
	next.Status = caseStatusAfter(sc.Status, sc.item, step.StepCode)
	next.UpdatedAt = now.UTC()
	next.NextCheckAt = nextCheckAfter(ev, step.CheckStatus, now, sc.warnings, step.ID)
	next.NextCheckpoint, next.NextCheckpointRole = nextCheckpoint(sc.item, func(code string) bool {
		return code == step.StepCode || slices.ContainsFunc(sc.earlier, func(e Step) bool { return e.StepCode == code })
	})
	rec := StepRecord{Case: next, NewCase: sc.newCase, StatusBefore: sc.Status, Warnings: sc.warnings, Step: step, Digest: digest,
		Findings: ev.Findings, Events: approvalWaiting(sc.item, sc.Case, next, sc.newCase, now)}
	if !sc.newCase {
		n := sc.approvalsRead
		rec.ApprovalsAsRead = &n
	}
	return rec
}

// notRecorded answers a step that the store refused with err: as a replay
// when a step of its id is stored, errCaseRace when the case changed
// under it.
func (s *Cases) notRecorded(ctx context.Context, who *Account, err error, sc *stepCase, id, digest string) (StepResult, bool, error) {
	// ErrCaseChanged: the step may be one of those stored meanwhile (a
	// replay sent twice at once). ErrDuplicate: either the step id is
	// taken (a replay, or a clash) or, for a new case, another first step
	// created the case meanwhile.
	if !errors.Is(err, ErrCaseChanged) && !errors.Is(err, ErrDuplicate) {
		return StepResult{}, false, err
	}
	prev, err2 := s.store.StepByID(ctx, sc.DepartmentCode, id)
	if errors.Is(err2, ErrNotFound) && (errors.Is(err, ErrCaseChanged) || sc.newCase) {
		return StepResult{}, false, errCaseRace
	}
	if err2 != nil {
		return StepResult{}, false, err2
	}
	return s.replay(who, prev, digest)
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
	return StepResult{}, false, Errorf(ClassInvalid, "case_step_limit",
		"办件 %s 的环节记录已达上限 %d 条，不能再记录，本环节（%s）未保存", c.CaseNo, MaxCaseSteps, sub.ID)
}

func (s *Cases) itemForNewCase(ctx context.Context, sub *StepSubmission) (*PowerItem, error) {
	if sub.PowerItemCode == "" {
		return nil, (&Error{Class: ClassInvalid, Code: "unknown_case",
			Message: fmt.Sprintf("办件 %s 尚未受理：首个环节须填写 power_item_code 和 applicant", sub.CaseNo)}).
			WithDetails([]FieldError{{Field: "power_item_code", Message: "首个环节必填"}})
	}
	if strings.TrimSpace(sub.Applicant) == "" {
		return nil, (&Error{Class: ClassInvalid, Code: "invalid_step", Message: "环节记录不合法：首个环节须填写申请人（applicant）"}).
			WithDetails([]FieldError{{Field: "applicant", Message: "首个环节必填"}})
	}
	it, err := s.catalog.itemForNewCase(ctx, sub.PowerItemCode)
	if errors.Is(err, ErrNotFound) {
		return nil, (&Error{Class: ClassInvalid, Code: "unknown_item",
			Message: fmt.Sprintf("权力事项 %s 不存在", sub.PowerItemCode)}).
			WithDetails([]FieldError{{Field: "power_item_code", Message: "事项不存在"}})
	}
	if err != nil {
		return nil, err
	}
	if it.Status != ItemActive {
		return nil, Errorf(ClassInvalid, "item_not_active", "权力事项 %s 已%s，不能受理新办件", it.Code, map[string]string{ItemSuspended: "暂停", ItemCancelled: "取消"}[it.Status])
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
		return StepResult{}, false, Errorf(ClassConflict, "step_id_conflict", "环节记录编号 %s 已被另一条内容不同的记录使用", prev.Step.ID)
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
