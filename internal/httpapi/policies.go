package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"powercheck/internal/compliance"
)

// Authoring is the policy loop of the legal affairs office.
type Authoring interface {
	Modules(ctx context.Context) ([]compliance.ModuleState, error)
	SaveDraft(ctx context.Context, by, module, source string) (compliance.PolicyDraft, error)
	Publish(ctx context.Context, by, note string) (compliance.PolicyRevision, error)
	Rollback(ctx context.Context, by string, to int64) (compliance.PolicyRevision, error)
	Revisions(ctx context.Context, limit int) ([]compliance.PolicyRevision, error)
	Candidate(ctx context.Context) (compliance.Evaluator, error)
	Rules() []compliance.RuleInfo
	Params(ctx context.Context) (compliance.ParamsState, error)
	SaveParams(ctx context.Context, by string, doc []byte) (compliance.ParamsState, error)
	ParamChanges(ctx context.Context) ([]compliance.ParamChange, error)
	PolicyWorkbench
}

// ImpactTimeout bounds a dry run; the report says when it was cut short.
const ImpactTimeout = 50 * time.Second

// policiesAPI is the legal affairs office's policy loop: drafts, tests,
// the dry run, publishing and rolling back, the rule parameters; the
// others read the modules and rules in force.
type policiesAPI struct {
	authoring Authoring
	policies  PolicyState
	dryRun    *compliance.Policies // the impact dry run
}

// readsDrafts reports whether the account may read policy drafts, the legal
// affairs office's work in progress: the office's accounts and the admin.
func readsDrafts(c *gin.Context) bool {
	r := account(c).Role
	return r == legal || r == admin
}

// listModules answers GET /api/v1/policies with the active revision.
func (h *policiesAPI) listModules(c *gin.Context) {
	ms, err := h.authoring.Modules(c.Request.Context())
	if err != nil {
		fail(c, err)
		return
	}
	// The others read the modules in force only.
	if !readsDrafts(c) {
		inForce := ms[:0]
		for _, m := range ms {
			if m.State == "new" {
				continue
			}
			m.State, m.Draft, m.UpdatedBy, m.UpdatedAt = "active", "", "", nil
			inForce = append(inForce, m)
		}
		ms = inForce
	}
	c.JSON(http.StatusOK, gin.H{"revision": h.policies.Revision(), "modules": ms})
}

// putModule answers PUT /api/v1/policies/{module}: the module's draft.
func (h *policiesAPI) putModule(c *gin.Context) {
	answerBody(c, http.StatusOK, func(req moduleRequest) (any, error) {
		if req.Source == nil {
			return nil, compliance.Errorf(compliance.ClassInvalid, "policy_invalid", "请求须包含 source（Rego 源码；空字符串表示删除该模块）")
		}
		return h.authoring.SaveDraft(c.Request.Context(), account(c).Username, c.Param("module"), *req.Source)
	})
}

// moduleRequest is the body of PUT /api/v1/policies/{module}; a nil source
// is one left out.
type moduleRequest = struct {
	Source *string `json:"source"`
}

// publish answers POST /api/v1/policies/publish with the new revision.
func (h *policiesAPI) publish(c *gin.Context) {
	var req struct {
		Note string `json:"note"`
	}
	if err := bindOptionalJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	rev, err := withoutSources(h.authoring.Publish(c.Request.Context(), account(c).Username, req.Note))
	respond(c, http.StatusCreated, rev, err)
}

// rollback answers POST /api/v1/policies/rollback with the revision that
// restores an earlier one.
func (h *policiesAPI) rollback(c *gin.Context) {
	answerBody(c, http.StatusCreated, func(req rollbackRequest) (any, error) {
		if req.Revision <= 0 {
			return nil, compliance.Errorf(compliance.ClassInvalid, "invalid_revision", "须指明要回滚到的修订号 revision")
		}
		return withoutSources(h.authoring.Rollback(c.Request.Context(), account(c).Username, req.Revision))
	})
}

// rollbackRequest is the body of POST /api/v1/policies/rollback.
type rollbackRequest = struct {
	Revision int64 `json:"revision"`
}

// withoutSources is a revision just made as it is answered, without its
// modules' sources.
func withoutSources(rev compliance.PolicyRevision, err error) (compliance.PolicyRevision, error) {
	rev.Modules = nil
	return rev, err
}

// revisions answers GET /api/v1/policies/revisions, newest first.
func (h *policiesAPI) revisions(c *gin.Context) {
	revs, err := h.authoring.Revisions(c.Request.Context(), 200)
	respond(c, http.StatusOK, gin.H{"items": revs, "active": h.policies.Revision()}, err)
}

// impact answers POST /api/v1/policies/impact: what the drafts would
// change over the steps of a period. Nothing is stored.
func (h *policiesAPI) impact(c *gin.Context) {
	var req periodRequest
	if err := bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	from, err1 := parseBound(req.From, false)
	to, err2 := parseBound(req.To, true)
	if err1 != nil || err2 != nil || from.IsZero() || to.IsZero() || !from.Before(to) {
		fail(c, compliance.Errorf(compliance.ClassInvalid, "invalid_period", "from 与 to 须为 YYYY-MM-DD 或 RFC 3339 时间，且 from 早于 to"))
		return
	}
	cand, err := h.authoring.Candidate(c.Request.Context())
	if err != nil {
		fail(c, err)
		return
	}
	changes, err := h.authoring.ParamChanges(c.Request.Context())
	if err != nil {
		fail(c, err)
		return
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), ImpactTimeout)
	defer cancel()
	rep, err := h.dryRun.Impact(ctx, from, to, cand)
	if err != nil {
		fail(c, err)
		return
	}
	rep.Params = changes
	if rep.Params == nil {
		rep.Params = []compliance.ParamChange{}
	}
	c.JSON(http.StatusOK, rep)
}

// listRules answers GET /api/v1/rules: the rules of the active policies.
func (h *policiesAPI) listRules(c *gin.Context) {
	rules := h.authoring.Rules()
	if rules == nil {
		rules = []compliance.RuleInfo{}
	}
	c.JSON(http.StatusOK, gin.H{"revision": h.policies.Revision(), "items": rules})
}

// getParams answers GET /api/v1/policies/params: the rule parameters in
// force and their schema; the draft only for the legal affairs office.
func (h *policiesAPI) getParams(c *gin.Context) {
	st, err := h.authoring.Params(c.Request.Context())
	if err != nil {
		fail(c, err)
		return
	}
	if !readsDrafts(c) {
		st.Draft, st.UpdatedBy, st.UpdatedAt = nil, "", nil
	}
	c.JSON(http.StatusOK, st)
}

// putParams answers PUT /api/v1/policies/params: the body is the whole
// parameters document, saved as a draft once it passes the schema.
func (h *policiesAPI) putParams(c *gin.Context) {
	body, err := readBody(c)
	if err != nil {
		fail(c, err)
		return
	}
	st, err := h.authoring.SaveParams(c.Request.Context(), account(c).Username, body)
	respond(c, http.StatusOK, st, err)
}
