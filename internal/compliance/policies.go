package compliance

import (
	"context"
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

// PolicyRevision is a published, immutable set of policy modules. Every
// warning records the revision that raised it.
type PolicyRevision struct {
	ID        int64          `json:"revision"`
	Digest    string         `json:"digest"`
	Modules   []PolicyModule `json:"modules,omitempty"`
	Summary   RevisionChange `json:"changes"`
	CreatedBy string         `json:"created_by"`
	Note      string         `json:"note,omitempty"`
	CreatedAt time.Time      `json:"created_at"`
}

// RevisionChange says what a revision changed against the one before it.
type RevisionChange struct {
	Added        []string `json:"added"`
	Changed      []string `json:"changed"`
	Removed      []string `json:"removed"`
	RollbackFrom int64    `json:"rollback_of,omitempty"` // the revision restored, for a rollback
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
	// not changed since), in one transaction.
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
