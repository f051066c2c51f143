package compliance

import (
	"encoding/json"
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
