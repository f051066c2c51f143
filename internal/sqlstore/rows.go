package sqlstore

import (
	"time"

	"powercheck/internal/compliance"
)

// The gorm rows: the stored shape, separate from the domain types. JSON
// columns hold nested shapes that are always read and written whole.

type departmentRow struct {
	Code         string    `gorm:"primaryKey;size:32"`
	Name         string    `gorm:"size:128;not null"`
	AllowedCIDRs []string  `gorm:"type:text;serializer:json"`
	CreatedAt    time.Time `gorm:"not null"`
}

func (departmentRow) TableName() string { return "departments" }

type accountRow struct {
	ID             int64    `gorm:"primaryKey;autoIncrement"`
	Username       string   `gorm:"size:64;not null;uniqueIndex"`
	RealName       string   `gorm:"size:64;not null"`
	Role           string   `gorm:"size:32;not null"`
	DepartmentCode string   `gorm:"size:32;index"`
	TokenHash      string   `gorm:"size:64;not null;uniqueIndex"`
	AllowedCIDRs   []string `gorm:"type:text;serializer:json"`
	Disabled       bool     `gorm:"not null"`
	ExpiresAt      *time.Time
	CreatedAt      time.Time `gorm:"not null"`
	UpdatedAt      time.Time `gorm:"not null"`
	// PasswordHash is the argon2id PHC string; empty: no password, the
	// account signs in with its token only.
	PasswordHash       string `gorm:"size:160;not null;default:''"`
	MustChangePassword bool   `gorm:"not null;default:false"`
}

func (accountRow) TableName() string { return "accounts" }

// sessionRow is a signed-in browser; only its token's hash is stored.
type sessionRow struct {
	TokenHash  string    `gorm:"primaryKey;size:64"`
	AccountID  int64     `gorm:"not null;index"`
	CSRFToken  string    `gorm:"column:csrf_token;size:64;not null"`
	IP         string    `gorm:"size:64;not null"`
	CreatedAt  time.Time `gorm:"not null;index"`
	LastSeenAt time.Time `gorm:"not null;index"`
}

func (sessionRow) TableName() string { return "sessions" }

// itemSpec is the versioned content of a power item.
type itemSpec struct {
	LegalBases []legalBasisJSON    `json:"legal_bases"`
	TimeLimit  timeLimitJSON       `json:"time_limit"`
	Statutory  *timeLimitJSON      `json:"statutory_limit,omitempty"`
	Extension  *extensionJSON      `json:"extension,omitempty"`
	Steps      []flowStepJSON      `json:"steps"`
	Discretion map[string]tierJSON `json:"discretion"`
	compliance.Disclosure
}

type legalBasisJSON struct {
	ID      string `json:"id"`
	Title   string `json:"title"`
	Article string `json:"article"`
}

type timeLimitJSON struct {
	Days int    `json:"days"`
	Unit string `json:"unit"`
}

type extensionJSON struct {
	MaxDays      int    `json:"max_days,omitempty"`
	Unit         string `json:"unit,omitempty"`
	Times        int    `json:"times,omitempty"`
	ApproverRole string `json:"approver_role,omitempty"`
}

type flowStepJSON struct {
	Code             string `json:"code"`
	Name             string `json:"name"`
	TimeLimitDays    int    `json:"time_limit_days,omitempty"`
	TimeLimitUnit    string `json:"time_limit_unit,omitempty"`
	RiskCheckpoint   bool   `json:"risk_checkpoint,omitempty"`
	RequiresApproval string `json:"requires_approval,omitempty"`
	EndsClock        bool   `json:"ends_clock,omitempty"`
	// Penalty procedure flags.
	RequiresLegalReview   bool `json:"requires_legal_review,omitempty"`
	RequiresHearingNotice bool `json:"requires_hearing_notice,omitempty"`
}

type tierJSON struct {
	Min         float64 `json:"min"`
	Max         float64 `json:"max"`
	Base        string  `json:"base,omitempty"`
	MinMultiple float64 `json:"min_multiple,omitempty"`
	MaxMultiple float64 `json:"max_multiple,omitempty"`
	MinRate     float64 `json:"min_rate,omitempty"`
	MaxRate     float64 `json:"max_rate,omitempty"`
	Description string  `json:"description,omitempty"`
}

type itemRow struct {
	ID             int64     `gorm:"primaryKey;autoIncrement"`
	Code           string    `gorm:"size:64;not null;uniqueIndex:uq_item_version,priority:1"`
	Version        int       `gorm:"not null;uniqueIndex:uq_item_version,priority:2"`
	Name           string    `gorm:"size:255;not null"`
	Category       string    `gorm:"size:32;not null"`
	DepartmentCode string    `gorm:"size:32;not null;index"`
	Status         string    `gorm:"size:16;not null"`
	Spec           itemSpec  `gorm:"type:text;serializer:json"`
	CreatedBy      string    `gorm:"size:64"`
	CreatedAt      time.Time `gorm:"not null"`
	// The approval (审定) of the version: approved, pending or rejected;
	// ApprovedBy and ApprovedAt are who decided and when.
	ApprovalStatus string `gorm:"size:16;not null;default:approved;index"`
	ApprovedBy     string `gorm:"size:64"`
	ApprovedAt     *time.Time
	ReviewNote     string `gorm:"size:1024"`
}

func (itemRow) TableName() string { return "power_items" }

type caseRow struct {
	CaseNo         string     `gorm:"primaryKey;size:64"`
	ItemCode       string     `gorm:"size:64;not null;index"`
	ItemVersion    int        `gorm:"not null"`
	DepartmentCode string     `gorm:"size:32;not null;index:idx_case_dept_status,priority:1"`
	Status         string     `gorm:"size:16;not null;index:idx_case_dept_status,priority:2"`
	Applicant      string     `gorm:"size:255;not null"`
	AcceptedAt     time.Time  `gorm:"not null;index:idx_case_accepted_dept,priority:1"`
	CreatedAt      time.Time  `gorm:"not null"`
	UpdatedAt      time.Time  `gorm:"not null"`
	NextCheckAt    *time.Time `gorm:"index"` // the sweeper reads this index only
	LastTickAt     *time.Time // when the sweeper last stored a tick; also makes every claim change the row
	// Version advances with every step stored on the case after its first;
	// see compliance.Case.Version.
	Version int64 `gorm:"not null;default:0"`
	// NextCheckpoint and NextCheckpointRole: see compliance.Case. The
	// approvers' pending lists read (department, role) from the index.
	NextCheckpoint     string `gorm:"size:32;not null;default:''"`
	NextCheckpointRole string `gorm:"size:32;not null;default:'';index:idx_case_checkpoint_role"`
}

func (caseRow) TableName() string { return "cases" }

// stepDetail is the nested content of a step.
type stepDetail struct {
	LegalBasisIDs []string        `json:"legal_basis_ids"`
	Discretion    *discretionJSON `json:"discretion,omitempty"`
	Approvals     []approvalJSON  `json:"approvals"`
	Attributes    map[string]any  `json:"attributes"`
}

type discretionJSON struct {
	Tier       string          `json:"tier"`
	Amount     float64         `json:"amount"`
	BaseAmount *float64        `json:"base_amount,omitempty"`
	Mitigation *mitigationJSON `json:"mitigation,omitempty"`
}

type mitigationJSON struct {
	Kind     string   `json:"kind"`
	BasisIDs []string `json:"basis_ids"`
	Reason   string   `json:"reason"`
}

type approvalJSON struct {
	Role string    `json:"role"`
	By   string    `json:"by"`
	At   time.Time `json:"at"`
}

// stepRow's id is unique within its department (uq_step_dept_id): two
// departments may use the same idempotency key.
type stepRow struct {
	Seq            int64      `gorm:"primaryKey;autoIncrement"`
	ID             string     `gorm:"size:128;not null;uniqueIndex:uq_step_dept_id,priority:2"`
	CaseNo         string     `gorm:"size:64;not null;index:idx_step_case,priority:1"`
	DepartmentCode string     `gorm:"size:32;not null;index;uniqueIndex:uq_step_dept_id,priority:1"`
	StepCode       string     `gorm:"size:32;not null"`
	Handler        string     `gorm:"size:64;not null"`
	OccurredAt     time.Time  `gorm:"not null"`
	RecordedAt     time.Time  `gorm:"not null;index"`
	Detail         stepDetail `gorm:"type:text;serializer:json"`
	Digest         string     `gorm:"size:64;not null"`
	CheckStatus    string     `gorm:"size:16;not null;index;index:idx_step_recheck,priority:1"`
	CheckError     string     `gorm:"type:text"`
	PolicyRevision int64      `gorm:"not null"`
	Response       []byte     `gorm:"type:mediumblob"`
	// RecheckAttempts counts the failed re-checks of an unchecked step;
	// NextRecheckAt is when it is tried again (NULL: in the next round).
	RecheckAttempts int        `gorm:"not null;default:0"`
	NextRecheckAt   *time.Time `gorm:"index:idx_step_recheck,priority:2"`
	// RecordedBy is the username of the account that submitted the step.
	RecordedBy string `gorm:"size:64;not null;default:''"`
}

func (stepRow) TableName() string { return "steps" }

// warningRow's composite indexes serve the violation lists: (department),
// (department, level) and (department, rule) yield a department's matches
// in id order; (family, created_at, id), (department, created_at, id) and
// (department, rule, created_at, id) those of a time window in
// recording-time order. See mysqlListIndex. (status, level) and
// (department, status, level) count the unsettled warnings of the
// workbench from the index alone.
type warningRow struct {
	ID             int64     `gorm:"primaryKey;autoIncrement;index:idx_warning_family_created,priority:3;index:idx_warning_dept_created,priority:3;index:idx_warning_dept_rule_created,priority:4"`
	CaseNo         string    `gorm:"size:64;not null;uniqueIndex:uq_warning,priority:1"`
	Dedupe         string    `gorm:"size:64;not null;uniqueIndex:uq_warning,priority:2"` // sha256 of compliance.DedupeKey
	StepID         string    `gorm:"size:128;not null;index"`
	DepartmentCode string    `gorm:"size:32;not null;index:idx_warning_dept;index:idx_warning_dept_level,priority:1;index:idx_warning_dept_rule,priority:1;index:idx_warning_dept_created,priority:1;index:idx_warning_dept_rule_created,priority:1;index:idx_warning_dept_status_level,priority:1"`
	Rule           string    `gorm:"size:128;not null;index:idx_warning_rule;index:idx_warning_dept_rule,priority:2;index:idx_warning_dept_rule_created,priority:2"`
	Family         string    `gorm:"size:64;not null;index:idx_warning_family;index:idx_warning_family_created,priority:1"`
	Level          string    `gorm:"size:16;not null;index:idx_warning_dept_level,priority:2;index:idx_warning_status_level,priority:2;index:idx_warning_dept_status_level,priority:3"`
	Status         string    `gorm:"size:16;not null;index:idx_warning_status;index:idx_warning_status_level,priority:1;index:idx_warning_dept_status_level,priority:2"`
	Message        string    `gorm:"type:text;not null"`
	Basis          string    `gorm:"size:1024;not null"`
	Key            string    `gorm:"column:warning_key;size:128;not null"`
	PolicyRevision int64     `gorm:"not null"`
	CreatedAt      time.Time `gorm:"not null;index;index:idx_warning_family_created,priority:2;index:idx_warning_dept_created,priority:2;index:idx_warning_dept_rule_created,priority:3"`
	UpdatedAt      time.Time `gorm:"not null"`
}

func (warningRow) TableName() string { return "warnings" }

type revisionRow struct {
	ID      int64        `gorm:"primaryKey;autoIncrement"`
	Digest  string       `gorm:"size:64;not null"`
	Modules []moduleJSON `gorm:"type:longtext;serializer:json"`
	// Params is the rule parameters document; NULL for a revision stored
	// before revisions carried parameters.
	Params    *string    `gorm:"type:longtext"`
	Summary   changeJSON `gorm:"type:text;serializer:json"`
	CreatedBy string     `gorm:"size:64;not null"`
	Note      string     `gorm:"size:512"`
	CreatedAt time.Time  `gorm:"not null"`
	// BaseID is the revision this one was made over (NULL: appended
	// unchecked). Unique: two revisions made over one base cannot both be
	// stored, so of two concurrent publishes one wins and the other is
	// refused.
	BaseID *int64 `gorm:"uniqueIndex"`
}

func (revisionRow) TableName() string { return "policy_revisions" }

type changeJSON struct {
	Added        []string `json:"added"`
	Changed      []string `json:"changed"`
	Removed      []string `json:"removed"`
	RollbackFrom int64    `json:"rollback_of,omitempty"`
	Params       []string `json:"params,omitempty"`
}

type draftRow struct {
	Module    string    `gorm:"primaryKey;size:64"`
	Source    string    `gorm:"type:longtext"`
	UpdatedBy string    `gorm:"size:64;not null"`
	UpdatedAt time.Time `gorm:"not null"`
}

func (draftRow) TableName() string { return "policy_drafts" }

type moduleJSON struct {
	Name   string `json:"module"`
	Source string `json:"source"`
}

// allRows lists every table, in creation order.
var allRows = []any{&departmentRow{}, &accountRow{}, &itemRow{}, &caseRow{}, &stepRow{}, &warningRow{}, &revisionRow{}, &calendarRow{}, &draftRow{}, &transitionRow{}, &spotCheckRow{}, &spotCheckCaseRow{}, &auditRow{}, &auditHeadRow{}, &auditEffectRow{}, &auditPendingRow{}, &auditPendingEffectRow{}, &auditSequencerRow{}, &auditIntentRow{}, &patrolRow{}, &patrolDayRow{}, &explanationRow{}, &explanationScanRow{}, &sessionRow{}, &secretRow{}, &approvalRow{}, &settingRow{}, &outboxRow{}, &webhookDeliveryRow{}, &webhookAttemptRow{}, &mailDigestRow{}, &documentRow{}, &documentSeqRow{}, &notificationRow{}, &subjectLeaseRow{}}

// settingRow is one stored settings object, its value JSON.
type settingRow struct {
	Name      string    `gorm:"primaryKey;size:64"`
	Value     string    `gorm:"type:text;not null"`
	UpdatedBy string    `gorm:"size:64;not null"`
	UpdatedAt time.Time `gorm:"not null"`
}

func (settingRow) TableName() string { return "settings" }
