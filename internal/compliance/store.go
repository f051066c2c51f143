package compliance

import (
	"context"
	"time"
)

// The stores below are the durable state the services need, split by what
// each service reads and writes; a service's constructor takes the pieces
// it uses (see services.go). Every method that writes does so atomically:
// it succeeds whole or leaves nothing behind.

// DepartmentStore keeps the departments.
type DepartmentStore interface {
	CreateDepartment(ctx context.Context, d Department) (Department, error)
	Department(ctx context.Context, code string) (Department, error)
	ListDepartments(ctx context.Context) ([]Department, error)
}

// DepartmentLister lists the departments.
type DepartmentLister interface {
	ListDepartments(ctx context.Context) ([]Department, error)
}

// AccountCounter counts the accounts.
type AccountCounter interface {
	CountAccounts(ctx context.Context) (int64, error)
}

// Credentials creates accounts and finds them by their token.
type Credentials interface {
	CreateAccount(ctx context.Context, a Account, tokenHash string) (Account, error)
	AccountByTokenHash(ctx context.Context, tokenHash string) (Account, error)
	AccountCounter
}

// ItemStore keeps the versions of the items.
type ItemStore interface {
	// SaveItem stores it as the next version of its code and returns it with
	// its version set.
	SaveItem(ctx context.Context, it PowerItem) (PowerItem, error)
	// Item returns one version of an item; version 0 means the latest.
	Item(ctx context.Context, code string, version int) (PowerItem, error)
	// ListItems returns the latest version of every item, of one department
	// when dept is not empty.
	ListItems(ctx context.Context, dept string) ([]PowerItem, error)
}

// CaseReader reads cases and their steps.
type CaseReader interface {
	Case(ctx context.Context, caseNo string) (Case, error)
	// CaseSteps returns the steps of a case in the order they were recorded.
	CaseSteps(ctx context.Context, caseNo string) ([]Step, error)
	// CaseStepsPage returns up to limit steps of a case in the order they
	// were recorded, after the first offset of them. Steps are never
	// removed, so a step's place in that order never changes.
	CaseStepsPage(ctx context.Context, caseNo string, offset, limit int) ([]Step, error)
}

// StepStore records steps.
type StepStore interface {
	// StepByID returns the step of department dept with the id: step ids
	// are unique within a department.
	StepByID(ctx context.Context, dept, id string) (StoredStep, error)
	// CaseState returns a stored case with what its next step is checked
	// against: its first MaxCaseSteps steps in the order recorded, its
	// warnings and its signed approvals, oldest first; and, when handler
	// is not empty, the handler's accounts in the case's department, as
	// HandlerAccounts gives them. ErrNotFound when no case has the number.
	CaseState(ctx context.Context, caseNo, handler string) (CaseState, error)
	// PrefetchCases reads ahead, in bulk, what CaseState reads of each of
	// the stored cases among caseNos that does not change with every step,
	// and returns a context under which CaseState uses it while it is
	// current. A batch of steps calls it once for its cases.
	PrefetchCases(ctx context.Context, caseNos []string) (context.Context, error)
	// RecordStep writes a step, its case (created or updated) and the
	// warnings found, in one transaction. Warnings already stored under the
	// same dedupe key are kept, not duplicated. respond builds the answer
	// from the stored warnings; it is stored with the step for replays. A
	// step id that the case's department has taken already fails with
	// ErrDuplicate. A step of an
	// existing case is stored only while the case is at rec.Case.Version,
	// which it then advances; otherwise it fails with ErrCaseChanged and
	// stores nothing.
	RecordStep(ctx context.Context, rec StepRecord, respond Responder) (StepResult, error)
}

// RecheckStore keeps the steps whose evaluation failed until they are
// re-checked.
type RecheckStore interface {
	// UncheckedSteps lists up to limit steps whose evaluation failed, oldest first.
	UncheckedSteps(ctx context.Context, limit int) ([]UncheckedStep, error)
	// DueRechecks lists up to limit unchecked steps whose re-check is due at
	// now: those not re-checked yet first, oldest first, then those whose
	// wait ended, earliest first.
	DueRechecks(ctx context.Context, now time.Time, limit int) ([]UncheckedStep, error)
	CountUnchecked(ctx context.Context) (int64, error)
	// RecordRecheck stores the outcome of re-checking a step that was unchecked.
	RecordRecheck(ctx context.Context, rec StepRecord, respond Responder) (StepResult, error)
	// DeferRecheck stores a failed re-check of a step that is still
	// unchecked: its error, the revision it failed under, its count of
	// failures and when it is tried next.
	DeferRecheck(ctx context.Context, f RecheckFailure) error
	// ResetRechecks makes every unchecked step that last failed under a
	// revision other than rev due at once, its count of failures zero. It
	// returns how many it changed.
	ResetRechecks(ctx context.Context, rev int64) (int64, error)
}

// WarningReader reads warnings.
type WarningReader interface {
	ListWarnings(ctx context.Context, f WarningFilter) ([]Warning, error)
	// CaseWarnings returns the warnings of several cases, oldest first.
	CaseWarnings(ctx context.Context, caseNos []string) (map[string][]Warning, error)
}

// CaseState is a stored case and what its next step is checked against.
// Its parts are read one after another, each as committed when it is read,
// as separate reads would give them.
type CaseState struct {
	Case      Case
	Steps     []Step
	Warnings  []Warning
	Approvals []SignedApproval
	// Handlers are the usernames of up to two active accounts of the
	// case's department with the handler's name; HandlersRead tells that
	// they were read (a handler was given).
	Handlers     []string
	HandlersRead bool
}

// Responder builds the answer to a step from the warnings stored for it.
type Responder func(stored []Warning) (StepResult, error)

// StoredStep is a step as stored, with what is needed to answer a replay.
type StoredStep struct {
	Step           Step
	DepartmentCode string
	Digest         string
	Result         StepResult
}

// StepRecord is what RecordStep writes.
type StepRecord struct {
	Case    Case
	NewCase bool
	// StatusBefore is the stored case's status as read, at Case.Version,
	// which the store updates it at: so the store need not read it again.
	// Empty: the store reads it.
	StatusBefore string
	// Warnings are the stored case's warnings as the service read them, at
	// Case.Version. Warnings are never deleted, so each is still stored
	// when the step is: the store need not look for them again. Others may
	// have been added since (a sweep does not change the version). Nil: not
	// read.
	Warnings []Warning
	// ApprovalsAsRead, when set, is how many signed approvals the stored
	// case had as read: the step is stored only while the case still has
	// as many, as only while it is at Case.Version, else ErrCaseChanged.
	// A store may answer a case's approvals from what it kept (CaseState),
	// which an approval signed on another node leaves behind: this is what
	// tells.
	ApprovalsAsRead *int
	Step            Step
	Digest          string
	Findings        []Finding
	Result          StepResult // filled by the store through the Responder
	// HandlerAccount is the account that the events of the step's new
	// warnings name (the handler's, else the one that recorded it), when
	// the service read it already; nil: the store reads it.
	HandlerAccount *string
	// Events are written with the step (approval.waiting); the store adds
	// those of the warnings it stores.
	Events []Event
}

// WarningFilter selects warnings; zero fields do not filter.
//
// A listing without a time window runs by id, newest first (oldest first
// when Ascending), and BeforeID (AfterID) continues it: it never repeats a
// row. Ids grow but do not follow commit order (concurrent writers, the
// nodes of a Galera cluster): a warning committed with a lower id than one
// already listed ascending is not listed; the webhooks tell every warning.
//
// A listing with a time window (From or To set) runs by recording time,
// (CreatedAt, ID), so that a window in the past is read in order from an
// index that starts with created_at instead of being searched for among the
// ids; Cursor continues it. Recording time does not follow ids (a re-checked
// step's warnings keep the step's original recording time), but the
// (CreatedAt, ID) keyset still never skips or repeats a warning that existed
// when the listing began.
type WarningFilter struct {
	Departments []string
	Level       string
	Rule        string
	Family      string
	Status      string
	CaseNo      string
	From, To    time.Time // created_at in [From, To)
	// OverdueUnanswered keeps the alarms still open whose answer period
	// has passed: those a followup.alarm_unanswered warning points at.
	OverdueUnanswered bool
	// Ascending lists oldest first.
	Ascending bool
	// BeforeID (AfterID when Ascending) continues a listing after the
	// warning with that id, the last of the previous page. In a
	// time-ordered listing without a Cursor it stands for that warning's
	// place, whose recording time the store then reads.
	BeforeID int64
	AfterID  int64
	// Cursor continues a time-ordered listing after the warning it names,
	// the last of the previous page. Listings in id order ignore it.
	Cursor *WarningKey
	Limit  int
}

// TimeOrdered reports whether the listing f selects runs by recording time
// (CreatedAt, ID) rather than by id: it does when f has a time window.
func (f WarningFilter) TimeOrdered() bool { return !f.From.IsZero() || !f.To.IsZero() }

// WarningKey is a warning's place in a time-ordered listing.
type WarningKey struct {
	CreatedAt time.Time
	ID        int64
}

// KeyOf returns w's place in a time-ordered listing.
func KeyOf(w Warning) WarningKey { return WarningKey{CreatedAt: w.CreatedAt, ID: w.ID} }
