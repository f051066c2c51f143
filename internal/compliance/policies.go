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
	CreatedBy string         `json:"created_by"`
	Note      string         `json:"note,omitempty"`
	CreatedAt time.Time      `json:"created_at"`
}

// RevisionStore keeps policy revisions; the newest one is the active one.
type RevisionStore interface {
	LatestRevision(ctx context.Context) (PolicyRevision, error)
	LatestRevisionID(ctx context.Context) (int64, error)
	CreateRevision(ctx context.Context, r PolicyRevision) (PolicyRevision, error)
}
