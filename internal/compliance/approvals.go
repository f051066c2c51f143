package compliance

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// Approval decisions.
const (
	DecisionApprove = "approve"
	DecisionReject  = "reject"
)

// SignedApproval is an approval that an approver signed with their own
// account (审核): the only kind that passes a risk checkpoint or makes an
// extension lawful. Its time is the server's.
type SignedApproval struct {
	ID       int64     `json:"id"`
	CaseNo   string    `json:"case_no"`
	StepCode string    `json:"step_code"`
	Decision string    `json:"decision"`
	Opinion  string    `json:"opinion"`
	Role     Role      `json:"role"`
	Username string    `json:"username"`
	RealName string    `json:"real_name"`
	At       time.Time `json:"at"`
}

// ApprovalRequest is what an approver sends to sign an approval.
type ApprovalRequest struct {
	StepCode string `json:"step_code"`
	Decision string `json:"decision"`
	Opinion  string `json:"opinion"`
}

// MaxOpinionRunes bounds an approval's opinion.
const MaxOpinionRunes = 1000

// ApprovalStore keeps signed approvals and answers what approvers wait for.
type ApprovalStore interface {
	// CreateApproval stores a, and, when late is true (the step it is for
	// was recorded already), makes its case due for the sweeper at a.At so
	// that the policies see the late approval; it returns a with its id.
	CreateApproval(ctx context.Context, a SignedApproval, late bool) (SignedApproval, error)
	// CaseApprovals returns the signed approvals of a case, oldest first.
	CaseApprovals(ctx context.Context, caseNo string) ([]SignedApproval, error)
	// ApprovalsOfCases returns the signed approvals of several cases, oldest first.
	ApprovalsOfCases(ctx context.Context, caseNos []string) (map[string][]SignedApproval, error)
	// PendingApprovalCases returns up to limit cases of the departments
	// (all when empty), not closed, whose next checkpoint waits for role
	// and has no signed approve yet, oldest accepted first.
	PendingApprovalCases(ctx context.Context, departments []string, role Role, limit int) ([]Case, error)
	// CountPendingApprovals counts what PendingApprovalCases lists.
	CountPendingApprovals(ctx context.Context, departments []string, role Role) (int64, error)
	// HandlerAccounts returns the usernames of up to two active accounts of
	// department dept whose real name is realName.
	HandlerAccounts(ctx context.Context, dept, realName string) ([]string, error)
}

// ApproverRoles are the roles that sign approvals.
var ApproverRoles = []Role{RoleDeptInspector, RoleDeptAdmin, RoleLegal}

// ApprovalStep is a step of a case's flow that takes signed approvals, and
// the role that signs them.
type ApprovalStep struct {
	StepCode string `json:"step_code"`
	Name     string `json:"name"`
	Role     Role   `json:"role"`
	RoleName string `json:"role_name"`
}

// ApprovalSteps lists the steps of it that take signed approvals: its risk
// checkpoints and steps that require an approval, then extend.
func ApprovalSteps(it *PowerItem) []ApprovalStep {
	var out []ApprovalStep
	for _, f := range it.Steps {
		if role, ok := checkpointRole(f); ok {
			out = append(out, ApprovalStep{StepCode: f.Code, Name: f.Name, Role: role, RoleName: role.Name()})
		}
	}
	role := ExtensionApprover(it)
	return append(out, ApprovalStep{StepCode: StepExtend, Name: "延期", Role: role, RoleName: role.Name()})
}

// checkpointRole is the role that approves flow step f, and whether f takes
// an approval at all. A risk checkpoint that names no role is the
// department inspector's (监察人员), who watches its checkpoints.
func checkpointRole(f FlowStep) (Role, bool) {
	switch {
	case f.RequiresApproval != "":
		return Role(f.RequiresApproval), true
	case f.RiskCheckpoint:
		return RoleDeptInspector, true
	}
	return "", false
}

// ExtensionApprover is the role that approves an extension of it: the
// item's own extension.approver_role, else the agency's leader
// (部门负责人), as the law has it for licences and seizures and as the
// policies accept for every other category.
func ExtensionApprover(it *PowerItem) Role {
	if it.Extension != nil && it.Extension.ApproverRole != "" {
		return Role(it.Extension.ApproverRole)
	}
	return RoleDeptAdmin
}

// approvalRole is the role that signs approvals of step code on it, or an
// error when the code takes none.
func approvalRole(it *PowerItem, code string) (Role, error) {
	if code == StepExtend {
		return ExtensionApprover(it), nil
	}
	f, ok := it.FlowStep(code)
	if !ok {
		return "", (&Error{Class: ClassInvalid, Code: "unknown_step_code",
			Message: "事项 " + it.Code + " 的办理流程中没有环节 " + code}).
			WithDetails([]FieldError{{Field: "step_code", Message: "流程中没有该环节"}})
	}
	role, ok := checkpointRole(f)
	if !ok {
		return "", (&Error{Class: ClassInvalid, Code: "approval_not_required",
			Message: "环节“" + f.Name + "”不是风险防控点，也不要求审核"}).
			WithDetails([]FieldError{{Field: "step_code", Message: "该环节不需要审核"}})
	}
	return role, nil
}

// nextCheckpoint is the first step of the flow that takes an approval and
// has not been recorded on the case, and the role that approves it; empty
// when none is left.
func nextCheckpoint(it *PowerItem, recorded func(code string) bool) (string, Role) {
	for _, f := range it.Steps {
		if role, ok := checkpointRole(f); ok && !recorded(f.Code) {
			return f.Code, role
		}
	}
	return "", ""
}

func (r *ApprovalRequest) validate() error {
	var v Validation
	switch {
	case r.StepCode == "":
		v.Add("step_code", "须指明审核的环节编码")
	case !stepCodePattern.MatchString(r.StepCode):
		v.Add("step_code", "环节编码须以小写字母开头，由不超过 32 个小写字母、数字和下划线组成")
	}
	if r.Decision != DecisionApprove && r.Decision != DecisionReject {
		v.Add("decision", "审核结论须为 approve（同意）或 reject（不同意）")
	}
	r.Opinion = strings.TrimSpace(r.Opinion)
	if utf8.RuneCountInString(r.Opinion) > MaxOpinionRunes {
		v.Add("opinion", "审核意见不超过 %d 个字", MaxOpinionRunes)
	}
	checkChars(&v, "opinion", "审核意见", r.Opinion, true)
	if r.Decision == DecisionReject && r.Opinion == "" {
		v.Add("opinion", "不同意的，须填写审核意见")
	}
	return v.Err("invalid_approval", "审核内容不合法")
}

// SignApproval signs an approval of a step of a case with the account: it
// must hold the role the step requires and, for a department role, belong
// to the case's department. The approval's time is the server's.
func (s *Supervision) SignApproval(ctx context.Context, who *Account, caseNo string, req ApprovalRequest) (SignedApproval, error) {
	as := s.store
	c, err := visibleCase(ctx, s.store, who, caseNo)
	if err != nil {
		return SignedApproval{}, err
	}
	if err := req.validate(); err != nil {
		return SignedApproval{}, err
	}
	item, err := s.item(ctx, c.ItemCode, c.ItemVersion)
	if err != nil {
		return SignedApproval{}, err
	}
	role, err := approvalRole(item, req.StepCode)
	if err != nil {
		return SignedApproval{}, err
	}
	if who.Role != role {
		return SignedApproval{}, Errorf(ClassForbidden, "approver_role", "该环节须由%s审核，%s不能审核", role.Name(), who.Role.Name())
	}
	if role.DepartmentScoped() && who.DepartmentCode != c.DepartmentCode {
		// visibleCase already answers another department's case as unknown.
		return SignedApproval{}, Errorf(ClassForbidden, "approver_department", "只能审核本部门的办件")
	}
	steps, err := s.store.CaseSteps(ctx, c.CaseNo)
	if err != nil {
		return SignedApproval{}, err
	}
	late := false
	for _, st := range steps {
		if st.StepCode == req.StepCode && req.StepCode != StepExtend {
			late = true // a flow step done before its approval: the sweeper shows it
		}
	}
	a := SignedApproval{CaseNo: c.CaseNo, StepCode: req.StepCode, Decision: req.Decision, Opinion: req.Opinion,
		Role: who.Role, Username: who.Username, RealName: who.RealName, At: s.now().UTC()}
	return as.CreateApproval(ctx, a, late)
}

// CaseApprovals returns the signed approvals of a case the account may see.
func (s *Supervision) CaseApprovals(ctx context.Context, who *Account, caseNo string) ([]SignedApproval, error) {
	as := s.store
	if _, err := visibleCase(ctx, s.store, who, caseNo); err != nil {
		return nil, err
	}
	out, err := as.CaseApprovals(ctx, caseNo)
	return nonNil(out), err
}

// PendingApproval is a case whose next checkpoint waits for the account's
// signature.
type PendingApproval struct {
	CaseNo         string    `json:"case_no"`
	DepartmentCode string    `json:"department_code"`
	ItemCode       string    `json:"power_item_code"`
	ItemName       string    `json:"item_name"`
	Applicant      string    `json:"applicant"`
	AcceptedAt     time.Time `json:"accepted_at"`
	StepCode       string    `json:"step_code"`
	StepName       string    `json:"step_name"`
	Role           Role      `json:"role"`
	// Rejected tells that the step was signed "reject" and waits for a
	// new decision.
	Rejected bool `json:"rejected"`
}

// MaxPendingApprovals bounds the pending list.
const MaxPendingApprovals = 200

// approverScope is the departments whose cases wait for who (nil: all), and
// whether who signs approvals at all.
func approverScope(who *Account) ([]string, bool) {
	switch who.Role {
	case RoleDeptInspector, RoleDeptAdmin:
		return []string{who.DepartmentCode}, true
	case RoleLegal:
		return nil, true
	}
	return nil, false
}

// PendingApprovals lists the cases of the account's scope whose next
// checkpoint waits for its role and has no signed approve yet.
func (s *Supervision) PendingApprovals(ctx context.Context, who *Account) ([]PendingApproval, error) {
	depts, ok := approverScope(who)
	if !ok {
		return []PendingApproval{}, nil
	}
	as := s.store
	cases, err := as.PendingApprovalCases(ctx, depts, who.Role, MaxPendingApprovals)
	if err != nil {
		return nil, err
	}
	nos := caseNos(cases)
	signed, err := as.ApprovalsOfCases(ctx, nos)
	if err != nil {
		return nil, err
	}
	out := make([]PendingApproval, 0, len(cases))
	for _, c := range cases {
		item, err := s.item(ctx, c.ItemCode, c.ItemVersion)
		if err != nil {
			return nil, err
		}
		p := PendingApproval{CaseNo: c.CaseNo, DepartmentCode: c.DepartmentCode, ItemCode: c.ItemCode, ItemName: item.Name,
			Applicant: c.Applicant, AcceptedAt: c.AcceptedAt, StepCode: c.NextCheckpoint, StepName: c.NextCheckpoint, Role: who.Role}
		if f, ok := item.FlowStep(c.NextCheckpoint); ok && f.Name != "" {
			p.StepName = f.Name
		}
		for _, a := range signed[c.CaseNo] {
			if a.StepCode == c.NextCheckpoint && a.Role == who.Role {
				p.Rejected = a.Decision == DecisionReject
			}
		}
		out = append(out, p)
	}
	return out, nil
}

// countPendingApprovals is the workbench's approvals_pending.
func (s *Supervision) countPendingApprovals(ctx context.Context, who *Account) (int, error) {
	depts, ok := approverScope(who)
	if !ok {
		return 0, nil
	}
	as := s.store
	n, err := as.CountPendingApprovals(ctx, depts, who.Role)
	return int(n), err
}

// approvalsAsOf returns the approvals signed by t: what an evaluation as of
// t may know.
func approvalsAsOf(all []SignedApproval, t time.Time) []SignedApproval {
	out := make([]SignedApproval, 0, len(all))
	for _, a := range all {
		if !a.At.After(t) {
			out = append(out, a)
		}
	}
	return out
}

// signedApprovals reads the approvals of a case signed by t.
func signedApprovals(ctx context.Context, as ApprovalStore, caseNo string, t time.Time) ([]SignedApproval, error) {
	all, err := as.CaseApprovals(ctx, caseNo)
	if err != nil {
		return nil, err
	}
	return approvalsAsOf(all, t), nil
}

// handlerKnown tells whether a program-submitted step names a handler that
// is a real person of the department, and the account that the events of
// the step's warnings name: the handler's when exactly one account has that
// name, else recordedBy.
func handlerKnown(ctx context.Context, as ApprovalStore, dept, handler, recordedBy string) (*bool, *string, error) {
	names, err := as.HandlerAccounts(ctx, dept, handler)
	if err != nil {
		return nil, nil, err
	}
	known, account := handlerOf(names, recordedBy)
	return known, account, nil
}

// handlerOf is handlerKnown's answer from the handler's accounts as read.
func handlerOf(names []string, recordedBy string) (*bool, *string) {
	known, account := len(names) > 0, recordedBy
	if len(names) == 1 {
		account = names[0]
	}
	return &known, &account
}

// approvalWaiting returns the approval.waiting event of a step that leaves
// case next waiting for a signed approval it did not wait for before (prev).
func approvalWaiting(item *PowerItem, prev, next Case, newCase bool, at time.Time) []Event {
	if next.NextCheckpoint == "" || next.Status == CaseClosed || (!newCase && prev.NextCheckpoint == next.NextCheckpoint) {
		return nil
	}
	p := PendingApproval{CaseNo: next.CaseNo, DepartmentCode: next.DepartmentCode, ItemCode: next.ItemCode, ItemName: item.Name,
		Applicant: next.Applicant, AcceptedAt: next.AcceptedAt, StepCode: next.NextCheckpoint, StepName: next.NextCheckpoint,
		Role: next.NextCheckpointRole}
	if f, ok := item.FlowStep(next.NextCheckpoint); ok && f.Name != "" {
		p.StepName = f.Name
	}
	return []Event{ApprovalWaitingEvent(p, at)}
}
