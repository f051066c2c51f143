package compliance

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
)

// Event names: what the outbox tells (DESIGN.md "Notifications").
const (
	EventWarningRaised       = "warning.raised"
	EventWarningEscalated    = "warning.escalated"
	EventWarningTransitioned = "warning.transitioned"
	EventWarningLifted       = "warning.lifted"
	EventApprovalWaiting     = "approval.waiting"
	EventExplanationDue      = "explanation.due"
	EventPatrolShort         = "patrol.short"
	EventPolicyPublished     = "policy.published"
)

// EventNames lists every event name, in the order the console shows them.
var EventNames = []string{EventWarningRaised, EventWarningEscalated, EventWarningTransitioned,
	EventWarningLifted, EventApprovalWaiting, EventExplanationDue, EventPatrolShort, EventPolicyPublished}

// Event is a fact worth telling. It is written to the outbox in the
// transaction of the change that causes it, so that there is no event
// without its change and no change without its event.
type Event struct {
	// Seq is the event's place in the outbox, set by the store. Concurrent
	// transactions may commit out of Seq order: readers never treat it as a
	// cursor that nothing can appear behind.
	Seq int64 `json:"-"`
	// ID is unique and stable: receivers drop duplicates by it.
	ID   string    `json:"id"`
	Name string    `json:"event"`
	At   time.Time `json:"at"`
	// Department is the department concerned; empty for the district.
	Department string `json:"-"`
	// CaseNo orders deliveries (in order per case); empty when none.
	CaseNo string `json:"-"`
	// Account is the account concerned (a step's handler, an approver);
	// empty when none.
	Account string `json:"-"`
	// Key makes a scheduled event unique (e.g. "patrol.short|ZJJ|2026-12-07"):
	// a second node that writes the same key writes nothing. Empty for
	// events caused by a change, which are unique by ID.
	Key string `json:"-"`
	// Data is the object concerned as the API shows it.
	Data json.RawMessage `json:"data"`
}

// NewEventID returns a random event id: 32 hex characters.
func NewEventID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		// crypto/rand does not fail on the systems the service runs on.
		panic(fmt.Sprintf("event id: %v", err))
	}
	return hex.EncodeToString(b[:])
}

// newEvent builds an event whose data is v as JSON.
func newEvent(name string, at time.Time, dept, caseNo, account string, v any) Event {
	data, err := json.Marshal(v)
	if err != nil {
		// Every value passed here is plain data.
		panic(fmt.Sprintf("event %s: %v", name, err))
	}
	return Event{ID: NewEventID(), Name: name, At: at.UTC(), Department: dept, CaseNo: caseNo, Account: account, Data: data}
}

// EscalatedWarning is the data of warning.escalated: the new alarm, as
// GET /api/v1/warnings/{id} shows it, and the warning it escalates.
type EscalatedWarning struct {
	WarningView
	Escalates int64 `json:"escalates"`
}

// WarningRaisedEvent tells that w was stored; account is the handler of
// the step that raised it, when known.
func WarningRaisedEvent(w Warning, account string, at time.Time) Event {
	return newEvent(EventWarningRaised, at, w.DepartmentCode, w.CaseNo, account,
		WarningView{Warning: w, Transitions: []Transition{}})
}

// WarningEscalatedEvent tells that alarm w escalates the warning from:
// a pre-warning of the same deadline that became an alarm, or an alarm
// left unanswered (the followup family).
func WarningEscalatedEvent(w Warning, from int64, account string, at time.Time) Event {
	return newEvent(EventWarningEscalated, at, w.DepartmentCode, w.CaseNo, account,
		EscalatedWarning{WarningView: WarningView{Warning: w, Transitions: []Transition{}}, Escalates: from})
}

// TransitionData is the data of warning.transitioned and warning.lifted:
// the transition, and the warning as it stands after it.
type TransitionData struct {
	Transition
	Warning Warning `json:"warning"`
}

// WarningTransitionEvent tells of transition t of warning w (w as it stands
// after t): warning.lifted for a lift, warning.transitioned otherwise.
func WarningTransitionEvent(t Transition, w Warning) Event {
	name := EventWarningTransitioned
	if t.Action == ActionLift {
		name = EventWarningLifted
	}
	return newEvent(name, t.At, w.DepartmentCode, w.CaseNo, "", TransitionData{Transition: t, Warning: w})
}

// PolicyPublishedEvent tells that rev became the active revision (a
// publish, or a rollback made as a new revision).
func PolicyPublishedEvent(rev PolicyRevision) Event {
	rev.Modules = nil // the list of revisions shows them without their sources
	return newEvent(EventPolicyPublished, rev.CreatedAt, "", "", rev.CreatedBy, rev)
}

// ApprovalWaitingEvent tells that case p waits for a signed approval of
// its next checkpoint.
func ApprovalWaitingEvent(p PendingApproval, at time.Time) Event {
	return newEvent(EventApprovalWaiting, at, p.DepartmentCode, p.CaseNo, "", p)
}

// PatrolShort is the data of patrol.short.
type PatrolShort struct {
	Department string `json:"department"`
	Date       string `json:"date"`
	Done       int    `json:"done"`
	Required   int    `json:"required"`
}

// PatrolShortEvent tells that a department's patrols of a working day are
// fewer than required; it is written once per department and day.
func PatrolShortEvent(p PatrolShort, at time.Time) Event {
	return periodEvent(EventPatrolShort, at, p.Department, p.Date, p)
}

// ExplanationDueNotice is the data of explanation.due.
type ExplanationDueNotice struct {
	Department string `json:"department"`
	Month      string `json:"month"`
	Due        string `json:"due"`
}

// ExplanationDueEvent tells that a month's explanation of a department is
// due on the next working day and not submitted; once per department and month.
func ExplanationDueEvent(n ExplanationDueNotice, at time.Time) Event {
	return periodEvent(EventExplanationDue, at, n.Department, n.Month, n)
}

// periodEvent is an event about a department's period (a day, a month),
// keyed so that it is written once per department and period.
func periodEvent(name string, at time.Time, dept, period string, v any) Event {
	e := newEvent(name, at, dept, "", "", v)
	e.Key = name + "|" + dept + "|" + period
	return e
}
