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

func (s *Server) listPolicies(c *gin.Context) {
	ms, err := s.authoring.Modules(c.Request.Context())
	if err != nil {
		fail(c, err)
		return
	}
	// Drafts are the legal affairs office's work in progress: the others
	// read the modules in force only.
	if r := account(c).Role; r != legal && r != admin {
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
	c.JSON(http.StatusOK, gin.H{"revision": s.policies.Revision(), "modules": ms})
}

func (s *Server) putPolicy(c *gin.Context) {
	var req struct {
		Source *string `json:"source"`
	}
	if err := bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	if req.Source == nil {
		fail(c, compliance.Errorf(compliance.KindInvalid, "policy_invalid", "请求须包含 source（Rego 源码；空字符串表示删除该模块）"))
		return
	}
	d, err := s.authoring.SaveDraft(c.Request.Context(), account(c).Username, c.Param("module"), *req.Source)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, d)
}

func (s *Server) publishPolicies(c *gin.Context) {
	var req struct {
		Note string `json:"note"`
	}
	if err := bindOptionalJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	rev, err := s.authoring.Publish(c.Request.Context(), account(c).Username, req.Note)
	if err != nil {
		fail(c, err)
		return
	}
	rev.Modules = nil
	c.JSON(http.StatusCreated, rev)
}

func (s *Server) rollbackPolicies(c *gin.Context) {
	var req struct {
		Revision int64 `json:"revision"`
	}
	if err := bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	if req.Revision <= 0 {
		fail(c, compliance.Errorf(compliance.KindInvalid, "invalid_revision", "须指明要回滚到的修订号 revision"))
		return
	}
	rev, err := s.authoring.Rollback(c.Request.Context(), account(c).Username, req.Revision)
	if err != nil {
		fail(c, err)
		return
	}
	rev.Modules = nil
	c.JSON(http.StatusCreated, rev)
}

func (s *Server) policyRevisions(c *gin.Context) {
	revs, err := s.authoring.Revisions(c.Request.Context(), 200)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": revs, "active": s.policies.Revision()})
}

func (s *Server) policyImpact(c *gin.Context) {
	var req struct {
		From string `json:"from"`
		To   string `json:"to"`
	}
	if err := bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	from, err1 := parseBound(req.From, false)
	to, err2 := parseBound(req.To, true)
	if err1 != nil || err2 != nil || from.IsZero() || to.IsZero() || !from.Before(to) {
		fail(c, compliance.Errorf(compliance.KindInvalid, "invalid_period", "from 与 to 须为 YYYY-MM-DD 或 RFC 3339 时间，且 from 早于 to"))
		return
	}
	cand, err := s.authoring.Candidate(c.Request.Context())
	if err != nil {
		fail(c, err)
		return
	}
	changes, err := s.authoring.ParamChanges(c.Request.Context())
	if err != nil {
		fail(c, err)
		return
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), ImpactTimeout)
	defer cancel()
	rep, err := s.impact.Impact(ctx, from, to, cand)
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

func (s *Server) listRules(c *gin.Context) {
	rules := s.authoring.Rules()
	if rules == nil {
		rules = []compliance.RuleInfo{}
	}
	c.JSON(http.StatusOK, gin.H{"revision": s.policies.Revision(), "items": rules})
}

// getParams answers GET /api/v1/policies/params: the rule parameters in
// force and their schema; the draft only for the legal affairs office.
func (s *Server) getParams(c *gin.Context) {
	st, err := s.authoring.Params(c.Request.Context())
	if err != nil {
		fail(c, err)
		return
	}
	if r := account(c).Role; r != legal && r != admin {
		st.Draft, st.UpdatedBy, st.UpdatedAt = nil, "", nil
	}
	c.JSON(http.StatusOK, st)
}

// putParams answers PUT /api/v1/policies/params: the body is the whole
// parameters document, saved as a draft once it passes the schema.
func (s *Server) putParams(c *gin.Context) {
	body, err := readBody(c)
	if err != nil {
		fail(c, err)
		return
	}
	st, err := s.authoring.SaveParams(c.Request.Context(), account(c).Username, body)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, st)
}
