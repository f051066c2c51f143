package httpapi

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/gin-gonic/gin"

	"powercheck/internal/compliance"
)

// PolicyWorkbench is what the console's policy workbench needs beside the
// authoring loop: the tests of the candidate set, and past revisions with
// their modules, to show what a publish or a rollback changes.
type PolicyWorkbench interface {
	CandidateTests(ctx context.Context) (compliance.PolicyTestReport, error)
	Revision(ctx context.Context, id int64) (compliance.PolicyRevision, error)
}

// runTests answers POST /api/v1/policies/tests: every Rego test of the
// newest revision with the drafts laid over it, run in the sandbox.
// Nothing is stored.
func (h *policiesAPI) runTests(c *gin.Context) {
	rep, err := h.authoring.CandidateTests(c.Request.Context())
	respond(c, http.StatusOK, rep, err)
}

// revisionDetail is a revision with its modules and parameters.
type revisionDetail struct {
	compliance.PolicyRevision
	Params json.RawMessage `json:"params"`
}

// revision answers GET /api/v1/policies/revisions/{revision}.
func (h *policiesAPI) revision(c *gin.Context) {
	id, err := idParam(c, "revision", compliance.Errorf(compliance.ClassNotFound, "revision_not_found", "策略修订“%s”不存在", c.Param("revision")))
	if err != nil {
		fail(c, err)
		return
	}
	rev, err := h.authoring.Revision(c.Request.Context(), id)
	if err != nil {
		fail(c, err)
		return
	}
	if rev.Modules == nil {
		rev.Modules = []compliance.PolicyModule{}
	}
	c.JSON(http.StatusOK, revisionDetail{PolicyRevision: rev, Params: rev.Params})
}
