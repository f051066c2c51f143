// Package compliance is powercheck's domain: departments, accounts, the power
// catalog, cases, steps and warnings, and the service that checks each step.
// It imports only the standard library; storage, policy evaluation and HTTP
// live in adapter packages that depend on it.
package compliance

import (
	"encoding/json"
	"slices"
	"time"
)

// Role is what an account may do.
type Role string

// The roles of DESIGN.md.
const (
	RoleAdmin         Role = "admin"          // 区电子政务办
	RoleLegal         Role = "legal"          // 区法制办
	RoleOversight     Role = "oversight"      // 区政管办
	RoleSupervision   Role = "supervision"    // 区监察局
	RoleDeptAdmin     Role = "dept_admin"     // department leader / admin
	RoleClerk         Role = "clerk"          // 录入员
	RoleDeptInspector Role = "dept_inspector" // 监察人员
)

// Roles lists every role.
var Roles = []Role{RoleAdmin, RoleLegal, RoleOversight, RoleSupervision, RoleDeptAdmin, RoleClerk, RoleDeptInspector}

// roleNames are the roles as people call them.
var roleNames = map[Role]string{
	RoleAdmin: "电子政务办管理员", RoleLegal: "法制办", RoleOversight: "政管办", RoleSupervision: "监察局",
	RoleDeptAdmin: "部门负责人", RoleClerk: "录入员", RoleDeptInspector: "监察人员",
}

// Name returns the role's Chinese name, or its code when it has none.
func (r Role) Name() string {
	if n, ok := roleNames[r]; ok {
		return n
	}
	return string(r)
}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// DepartmentScoped reports whether accounts of role r belong to one department
// and may only see and change that department's data.
func (r Role) DepartmentScoped() bool {
	return r == RoleDeptAdmin || r == RoleClerk || r == RoleDeptInspector
}

// Department is a department that exercises administrative power (行权部门).
type Department struct {
	Code         string    `json:"code"`
	Name         string    `json:"name"`
	AllowedCIDRs []string  `json:"allowed_cidrs,omitempty"` // where its accounts may connect from; none: anywhere
	CreatedAt    time.Time `json:"created_at"`
}

// Account is a real-name user of powercheck.
type Account struct {
	ID             int64      `json:"id"`
	Username       string     `json:"username"`
	RealName       string     `json:"real_name"`
	Role           Role       `json:"role"`
	DepartmentCode string     `json:"department_code,omitempty"`
	AllowedCIDRs   []string   `json:"allowed_cidrs,omitempty"`
	Disabled       bool       `json:"disabled"`
	ExpiresAt      *time.Time `json:"expires_at"` // nil: the token does not expire
	CreatedAt      time.Time  `json:"created_at"`
	// HasPassword tells whether the account may sign in to the console;
	// MustChangePassword that its password was set by an administrator
	// and must be changed before anything else.
	HasPassword        bool `json:"has_password"`
	MustChangePassword bool `json:"must_change_password"`
}

// CanSeeDepartment reports whether a may read or write department dept's data.
func (a *Account) CanSeeDepartment(dept string) bool {
	return !a.Role.DepartmentScoped() || a.DepartmentCode == dept
}

// Categories are the kinds of administrative power.
var Categories = []string{"行政许可", "行政处罚", "行政强制", "行政征收", "行政给付", "行政检查", "行政确认", "行政奖励", "行政裁决", "其他"}

// Item statuses.
const (
	ItemActive    = "active"
	ItemSuspended = "suspended"
	ItemCancelled = "cancelled"
)

// Time-limit units.
const (
	UnitWorkday  = "workday"
	UnitCalendar = "calendar"
)

// Step codes that every flow allows besides its own.
const (
	StepSuspend = "suspend" // the clock stops: hearing, testing, appraisal, expert review
	StepResume  = "resume"  // the clock runs again
	StepExtend  = "extend"  // an approved extension: attributes.extension_days
)

// IsClockStep reports whether code is one of the steps every flow allows.
func IsClockStep(code string) bool {
	return code == StepSuspend || code == StepResume || code == StepExtend
}

// PowerItem is one version of an administrative power (行政权力事项). Its JSON
// shape is that of PUT /api/v1/power-items/{code} plus code and version, and is
// what policies see as input.item.
type PowerItem struct {
	Code           string       `json:"code"`
	Version        int          `json:"version"`
	Name           string       `json:"name"`
	Category       string       `json:"category"`
	DepartmentCode string       `json:"department_code"`
	LegalBases     []LegalBasis `json:"legal_bases"`
	TimeLimit      TimeLimit    `json:"time_limit"`
	// StatutoryLimit is the limit the law sets (法定时限), when the item
	// records it; TimeLimit is then the limit the department promises
	// (承诺时限), which may not exceed it.
	StatutoryLimit *TimeLimit `json:"statutory_limit,omitempty"`
	// Extension is how the item's limit may be extended; nil leaves it to
	// the law's defaults for the category (see policies/deadline.rego).
	Extension  *ExtensionRule  `json:"extension,omitempty"`
	Steps      []FlowStep      `json:"steps"`
	Discretion map[string]Tier `json:"discretion"`
	Status     string          `json:"status"`
	// What the public reads of the item beside its bases, flow and limits
	// (《行政许可法》第三十条): conditions, materials, fees and whom to ask.
	Disclosure
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by,omitempty"`
}

// LegalBasis is a law and article the item rests on (法律依据).
type LegalBasis struct {
	ID      string `json:"id"`
	Title   string `json:"title"`
	Article string `json:"article"`
}

// TimeLimit is a period in working or calendar days.
type TimeLimit struct {
	Days int    `json:"days"`
	Unit string `json:"unit"`
}

// ExtensionRule says how far and by whom an item's limit may be extended:
// at most MaxDays in Unit each time, at most Times times, approved by
// ApproverRole. Zero values leave that part open.
type ExtensionRule struct {
	MaxDays      int    `json:"max_days,omitempty"`
	Unit         string `json:"unit,omitempty"`
	Times        int    `json:"times,omitempty"`
	ApproverRole string `json:"approver_role,omitempty"`
}

// FlowStep is one step of an item's flow.
type FlowStep struct {
	Code          string `json:"code"`
	Name          string `json:"name"`
	TimeLimitDays int    `json:"time_limit_days,omitempty"`
	// TimeLimitUnit is the unit of TimeLimitDays; empty means the item's.
	TimeLimitUnit    string `json:"time_limit_unit,omitempty"`
	RiskCheckpoint   bool   `json:"risk_checkpoint,omitempty"`
	RequiresApproval string `json:"requires_approval,omitempty"`
	EndsClock        bool   `json:"ends_clock,omitempty"`
	// RequiresLegalReview: the step (a penalty decision) must be preceded
	// by the legal review (法制审核) of 《行政处罚法》第五十八条.
	RequiresLegalReview bool `json:"requires_legal_review,omitempty"`
	// RequiresHearingNotice: the step decides a penalty of 《行政处罚法》
	// 第六十三条 (licence revoked, business closed, …), so the party must
	// have been told of the right to a hearing before it.
	RequiresHearingNotice bool `json:"requires_hearing_notice,omitempty"`
}

// Tier is a discretion tier (裁量基准) of one case type: an amount range
// {Min, Max}, or a range of multiples {Base, MinMultiple, MaxMultiple} or of
// rates {Base, MinRate, MaxRate} of a base amount that the step gives
// (discretion.base_amount), e.g. the value of the goods (货值金额).
type Tier struct {
	Min         float64 `json:"min"`
	Max         float64 `json:"max"`
	Base        string  `json:"base,omitempty"`
	MinMultiple float64 `json:"min_multiple,omitempty"`
	MaxMultiple float64 `json:"max_multiple,omitempty"`
	MinRate     float64 `json:"min_rate,omitempty"`
	MaxRate     float64 `json:"max_rate,omitempty"`
	Description string  `json:"description,omitempty"`
}

// MarshalJSON leaves out the amounts of a tier set on a base: it has none.
func (t Tier) MarshalJSON() ([]byte, error) {
	type plain Tier
	if t.Base == "" {
		return json.Marshal(plain(t))
	}
	return json.Marshal(struct {
		Base        string  `json:"base"`
		MinMultiple float64 `json:"min_multiple,omitempty"`
		MaxMultiple float64 `json:"max_multiple,omitempty"`
		MinRate     float64 `json:"min_rate,omitempty"`
		MaxRate     float64 `json:"max_rate,omitempty"`
		Description string  `json:"description,omitempty"`
	}{t.Base, t.MinMultiple, t.MaxMultiple, t.MinRate, t.MaxRate, t.Description})
}

// FlowStep returns the flow step with code, if any.
func (it *PowerItem) FlowStep(code string) (FlowStep, bool) {
	for _, s := range it.Steps {
		if s.Code == code {
			return s, true
		}
	}
	return FlowStep{}, false
}

// AllowsStep reports whether a step with code may be recorded on a case of it.
func (it *PowerItem) AllowsStep(code string) bool {
	_, ok := it.FlowStep(code)
	return ok || IsClockStep(code)
}

// Case statuses.
const (
	CaseOpen      = "open"
	CaseSuspended = "suspended"
	CaseClosed    = "closed"
)

// Case is one application or matter handled under a power item (办件).
type Case struct {
	CaseNo         string    `json:"case_no"`
	ItemCode       string    `json:"power_item_code"`
	ItemVersion    int       `json:"power_item_version"`
	DepartmentCode string    `json:"department_code"`
	Applicant      string    `json:"applicant"`
	AcceptedAt     time.Time `json:"accepted_at"`
	Status         string    `json:"status"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
	// NextCheckAt is when the deadline sweeper should next look at the
	// case, as the policies said at its last evaluation; nil means never.
	NextCheckAt *time.Time `json:"next_check_at"`
	// Version counts the steps recorded on the case after its first: a
	// step is stored only on the version it was checked against, so that
	// two steps of one case are never checked without each other.
	Version int64 `json:"-"`
	// NextCheckpoint is the first step of the flow that takes an approval
	// and is not recorded yet, NextCheckpointRole the role that signs it;
	// both empty when none is left. Kept with every step, they let an
	// approver's pending list be read from the cases alone.
	NextCheckpoint     string `json:"-"`
	NextCheckpointRole Role   `json:"-"`
}

// Check statuses of a step.
const (
	CheckChecked   = "checked"   // the policies ran on it
	CheckUnchecked = "unchecked" // evaluation failed; it will be re-checked
)

// Step is one recorded step of a case (环节记录).
type Step struct {
	ID            string      `json:"id"`
	CaseNo        string      `json:"case_no"`
	StepCode      string      `json:"step_code"`
	Handler       string      `json:"handler"`
	OccurredAt    time.Time   `json:"occurred_at"`
	RecordedAt    time.Time   `json:"recorded_at"`
	LegalBasisIDs []string    `json:"legal_basis_ids"`
	Discretion    *Discretion `json:"discretion,omitempty"`
	// Approvals are those the step's body declares: kept and shown as
	// declared, they never pass a checkpoint (only SignedApproval does).
	Approvals      []Approval     `json:"declared_approvals"`
	Attributes     map[string]any `json:"attributes"`
	CheckStatus    string         `json:"check_status"`
	CheckError     string         `json:"check_error,omitempty"`
	PolicyRevision int64          `json:"policy_revision"`
	// RecordedBy is the username of the account that submitted the step.
	RecordedBy string `json:"recorded_by,omitempty"`
	// HandlerKnown tells whether the handler is the real name of an active
	// account of the case's department, as far as it was checked when the
	// step was submitted (nil: not checked). It is not stored.
	HandlerKnown *bool `json:"-"`
}

// Discretion is the discretion a step exercised: the tier and the amount,
// the base amount a tier set on a base is applied to, and the mitigation
// claimed, if any.
type Discretion struct {
	Tier       string      `json:"tier"`
	Amount     float64     `json:"amount"`
	BaseAmount *float64    `json:"base_amount,omitempty"`
	Mitigation *Mitigation `json:"mitigation,omitempty"`
}

// Mitigation kinds (《行政处罚法》第三十二条、第三十三条).
const (
	MitigationLighter = "从轻"
	MitigationReduced = "减轻"
	MitigationNone    = "不予处罚"
)

// Mitigation is a lighter, reduced or waived penalty that a step claims,
// with the legal bases of the item it rests on.
type Mitigation struct {
	Kind     string   `json:"kind"`
	BasisIDs []string `json:"basis_ids"`
	Reason   string   `json:"reason"`
}

// Approval is an approval that a step's body declares (declared_approvals).
type Approval struct {
	Role string    `json:"role"`
	By   string    `json:"by"`
	At   time.Time `json:"at"`
}

// Warning levels.
const (
	LevelPrewarning = "prewarning" // 预警 (yellow)
	LevelAlarm      = "alarm"      // 报警 (red)
)

// Warning statuses.
const (
	WarningOpen       = "open"
	WarningExplained  = "explained"
	WarningRectifying = "rectifying"
	WarningRectified  = "rectified"
	WarningVerified   = "verified"
	WarningReferred   = "referred"
	WarningClosed     = "closed"
	// WarningLifted: the system lifted a pre-warning whose facts were
	// overtaken (the step done in time, the case suspended).
	WarningLifted = "lifted"
)

// Finding is one warning object produced by a policy rule.
type Finding struct {
	Rule    string `json:"rule"`
	Level   string `json:"level"`
	Message string `json:"message"`
	Basis   string `json:"basis,omitempty"`
	Key     string `json:"key,omitempty"`
}

// Family returns the rule family: the part of the rule id before the first dot.
func (f Finding) Family() string { return RuleFamily(f.Rule) }

// RuleFamily returns the family of a rule id.
func RuleFamily(rule string) string {
	for i := 0; i < len(rule); i++ {
		if rule[i] == '.' {
			return rule[:i]
		}
	}
	return rule
}

// Warning is a stored finding (报（预）警) with its lifecycle status.
type Warning struct {
	ID             int64     `json:"id"`
	Rule           string    `json:"rule"`
	Family         string    `json:"family"`
	Level          string    `json:"level"`
	Message        string    `json:"message"`
	Basis          string    `json:"basis"`
	Key            string    `json:"key,omitempty"`
	DepartmentCode string    `json:"department_code"`
	CaseNo         string    `json:"case_no"`
	StepID         string    `json:"step_id"`
	PolicyRevision int64     `json:"policy_revision"`
	Status         string    `json:"status"`
	CreatedAt      time.Time `json:"created_at"`
}

// DedupeKey is what makes a warning distinct: the same rule at the same level
// inside one case, either for one step or, when the policy gives a key, for
// that key across the case (e.g. the deadline being watched). Re-evaluating
// the same facts therefore never stores a warning twice.
func DedupeKey(stepID string, f Finding) string {
	scope := "s:" + stepID
	if f.Key != "" {
		scope = "k:" + f.Key
	}
	return f.Rule + "|" + f.Level + "|" + scope
}
