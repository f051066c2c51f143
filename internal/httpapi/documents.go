package httpapi

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/gin-gonic/gin"

	"powercheck/internal/compliance"
)

// documentRequest is the body of POST /api/v1/documents: a kind and its
// source, a warning or a spot check's finding on a case.
type documentRequest struct {
	Kind        string `json:"kind"`
	WarningID   int64  `json:"warning_id"`
	SpotCheckID int64  `json:"spot_check_id"`
	CaseNo      string `json:"case_no"`
	AnswerDays  int    `json:"answer_days"`
	Note        string `json:"note"`
}

// documents returns the documents service.
func (s *Server) documents(*gin.Context) *compliance.Documents { return s.docs }

// issueDocument answers POST /api/v1/documents with the issued document.
func (s *Server) issueDocument(c *gin.Context) {
	var req documentRequest
	if err := bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	d := s.documents(c)
	if d == nil {
		return
	}
	doc, err := d.Issue(c.Request.Context(), account(c), compliance.IssueRequest{Kind: req.Kind, WarningID: req.WarningID,
		SpotCheckID: req.SpotCheckID, CaseNo: req.CaseNo, AnswerDays: req.AnswerDays, Note: req.Note,
		RuleTitle: s.ruleTitle(c, req.WarningID)})
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, doc)
}

// ruleTitle is the title of the rule of warning id in the active policies,
// "" when there is none to tell.
func (s *Server) ruleTitle(c *gin.Context, id int64) string {
	if id <= 0 || s.authoring == nil {
		return ""
	}
	w, err := s.supervision.Warning(c.Request.Context(), account(c), id)
	if err != nil {
		return "" // the service refuses it with its own message
	}
	for _, r := range s.authoring.Rules() {
		if slices.Contains(r.Rules, w.Rule) {
			return r.Title
		}
	}
	return ""
}

// getDocument answers GET /api/v1/documents/{id}.
func (s *Server) getDocument(c *gin.Context) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		fail(c, compliance.Errorf(compliance.KindNotFound, "document_not_found", "文书“%s”不存在", c.Param("id")))
		return
	}
	d := s.documents(c)
	if d == nil {
		return
	}
	doc, err := d.Document(c.Request.Context(), account(c), id)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, doc)
}

// listDocuments answers GET /api/v1/documents?warning_id=&spot_check_id=&department=.
func (s *Server) listDocuments(c *gin.Context) {
	var f compliance.DocumentFilter
	for name, dst := range map[string]*int64{"warning_id": &f.WarningID, "spot_check_id": &f.SpotCheckID} {
		if v := c.Query(name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				fail(c, badRequest("invalid_filter", "%s 须为正整数", name))
				return
			}
			*dst = n
		}
	}
	f.Department = c.Query("department")
	d := s.documents(c)
	if d == nil {
		return
	}
	docs, err := d.List(c.Request.Context(), account(c), f)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": docs})
}
