package compliance

import (
	"context"
	"encoding/json"
	"strings"
	"time"
)

// PolicyModule is one Rego source file. Name is the package's last segment
// ("deadline" for package compliance.deadline, "deadline_test" for its tests).
type PolicyModule struct {
	Name   string `json:"module"`
	Source string `json:"source"`
}

// IsTest reports whether m holds tests.
func (m PolicyModule) IsTest() bool { return strings.HasSuffix(m.Name, "_test") }

// PolicyRevision is a published, immutable set of policy modules and the
// rule parameters they read (data.params). Every warning records the
// revision that raised it.
type PolicyRevision struct {
	ID      int64          `json:"revision"`
	Digest  string         `json:"digest"`
	Modules []PolicyModule `json:"modules,omitempty"`
	// Params is the parameters document, canonical JSON; empty for a
	// revision stored before revisions carried parameters, which then reads
	// the parameters shipped with the default policies.
	Params    json.RawMessage `json:"-"`
	Summary   RevisionChange  `json:"changes"`
	CreatedBy string          `json:"created_by"`
	Note      string          `json:"note,omitempty"`
	CreatedAt time.Time       `json:"created_at"`
	// Base is the revision this one was made over: the newest when the
	// publish or rollback began. A store refuses a revision whose Base is
	// no longer the newest (ErrRevisionConflict); 0 appends unchecked, for
	// the first revision and for tools.
	Base int64 `json:"-"`
}

// ErrRevisionConflict is returned by stores when a revision is made over
// one that is no longer the newest: another publish or rollback, perhaps
// on another node, won in between, and this one would undo it.
var ErrRevisionConflict = &Error{Class: ClassConflict, Code: "policy_revision_conflict",
	Message: "策略已被同时进行的另一次发布或回滚更新，本次操作未生效；请查看最新修订后重试"}

// RevisionChange says what a revision changed against the one before it.
type RevisionChange struct {
	Added        []string `json:"added"`
	Changed      []string `json:"changed"`
	Removed      []string `json:"removed"`
	RollbackFrom int64    `json:"rollback_of,omitempty"` // the revision restored, for a rollback
	// Params lists the rule parameters (data.params) changed, as paths
	// such as "patrol.per_workday".
	Params []string `json:"params,omitempty"`
}

// ParamsDraft is the name under which a draft of the rule parameters is
// kept among the module drafts (and named as an audit subject). No module
// can be named so.
const ParamsDraft = "data.params"

// ParamsState is the rule parameters (data.params) as the office sees them:
// those in force, the draft (null when none) and the schema both follow.
type ParamsState struct {
	Revision  int64           `json:"revision"`
	Active    json.RawMessage `json:"active"`
	Draft     json.RawMessage `json:"draft"`
	UpdatedBy string          `json:"updated_by,omitempty"`
	UpdatedAt *time.Time      `json:"updated_at,omitempty"`
	Schema    json.RawMessage `json:"schema"`
}

// ParamChange is one rule parameter a candidate changes.
type ParamChange struct {
	Path string `json:"path"` // e.g. "patrol.per_workday"
	From any    `json:"from"` // null: not set before
	To   any    `json:"to"`   // null: removed
}

// RuleParams are the rule parameters that the service counts with itself,
// besides the policies: the patrol ledger's statuses and the due day of the
// monthly explanations.
type RuleParams struct {
	PatrolsPerWorkday int
	PatrolEntryHours  int
	ExplanationDueDay int
}

// PatrolEntryWindow is how long after its claimed time a patrol may be
// recorded and still count for its day.
func (p RuleParams) PatrolEntryWindow() time.Duration {
	return time.Duration(p.PatrolEntryHours) * time.Hour
}

// DefaultRuleParams are the numbers of the parameters shipped with the
// default policies.
var DefaultRuleParams = RuleParams{PatrolsPerWorkday: PatrolsPerWorkday, PatrolEntryHours: PatrolEntryHours, ExplanationDueDay: ExplanationDueDay}

// ParamsSource gives the rule parameters in force.
type ParamsSource interface {
	RuleParams() RuleParams
}

// PolicyDraft is a module as the legal affairs office saved it, not yet
// published. An empty Source drafts the module's removal.
type PolicyDraft struct {
	Module    string    `json:"module"`
	Source    string    `json:"source"`
	UpdatedBy string    `json:"updated_by"`
	UpdatedAt time.Time `json:"updated_at"`
}

// RevisionStore keeps policy revisions; the newest one is the active one.
type RevisionStore interface {
	LatestRevision(ctx context.Context) (PolicyRevision, error)
	LatestRevisionID(ctx context.Context) (int64, error)
	// CreateRevision stores r as the newest revision; with r.Base set, only
	// while r.Base is the newest, else ErrRevisionConflict.
	CreateRevision(ctx context.Context, r PolicyRevision) (PolicyRevision, error)
}

// DraftStore keeps drafts and the history of revisions.
type DraftStore interface {
	RevisionStore
	Revision(ctx context.Context, id int64) (PolicyRevision, error)
	// ListRevisions returns revisions newest first, without their modules.
	ListRevisions(ctx context.Context, limit int) ([]PolicyRevision, error)
	Drafts(ctx context.Context) ([]PolicyDraft, error)
	SaveDraft(ctx context.Context, d PolicyDraft) error
	// PublishDrafts creates r and deletes the drafts it was made of (those
	// not changed since), in one transaction; with r.Base set, only while
	// r.Base is the newest revision, else ErrRevisionConflict.
	PublishDrafts(ctx context.Context, r PolicyRevision, drafts []PolicyDraft) (PolicyRevision, error)
}

// ModuleState is a module as the office sees it.
type ModuleState struct {
	Module    string     `json:"module"`
	Source    string     `json:"source"`
	State     string     `json:"state"` // active, draft (changed), new, removed
	Draft     string     `json:"draft,omitempty"`
	UpdatedBy string     `json:"updated_by,omitempty"`
	UpdatedAt *time.Time `json:"updated_at,omitempty"`
	Rules     []RuleInfo `json:"rules,omitempty"`
}

// RuleInfo is one rule of the catalogue, read from its METADATA: what a
// warning means, for the departments that receive it.
type RuleInfo struct {
	Family      string   `json:"family"`
	Rules       []string `json:"rules"` // the rule ids it raises, where they are literal
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	Level       string   `json:"level"`
	Basis       string   `json:"basis,omitempty"`
	Module      string   `json:"module"`
	Line        int      `json:"line"`
}
