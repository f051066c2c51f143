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

// documentsAPI issues printed documents (文书) and reads them. Without the
// documents service its routes answer nothing.
type documentsAPI struct {
	docs        *compliance.Documents
	supervision *compliance.Supervision // the warning a document is about
	authoring   Authoring               // the title of the warning's rule
}

// issue answers POST /api/v1/documents with the issued document.
func (h *documentsAPI) issue(c *gin.Context) {
	var req documentRequest
	if err := bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	if h.docs == nil {
		return
	}
	doc, err := h.docs.Issue(c.Request.Context(), account(c), compliance.IssueRequest{Kind: req.Kind, WarningID: req.WarningID,
		SpotCheckID: req.SpotCheckID, CaseNo: req.CaseNo, AnswerDays: req.AnswerDays, Note: req.Note,
		RuleTitle: h.ruleTitle(c, req.WarningID)})
	respond(c, http.StatusCreated, doc, err)
}

// ruleTitle is the title of the rule of warning id in the active policies,
// "" when there is none to tell.
func (h *documentsAPI) ruleTitle(c *gin.Context, id int64) string {
	if id <= 0 || h.authoring == nil {
		return ""
	}
	w, err := h.supervision.Warning(c.Request.Context(), account(c), id)
	if err != nil {
		return "" // the service refuses it with its own message
	}
	for _, r := range h.authoring.Rules() {
		if slices.Contains(r.Rules, w.Rule) {
			return r.Title
		}
	}
	return ""
}

// get answers GET /api/v1/documents/{id}.
func (h *documentsAPI) get(c *gin.Context) {
	id, err := idParam(c, "id", compliance.Errorf(compliance.ClassNotFound, "document_not_found", "文书“%s”不存在", c.Param("id")))
	if err != nil {
		fail(c, err)
		return
	}
	if h.docs == nil {
		return
	}
	doc, err := h.docs.Document(c.Request.Context(), account(c), id)
	respond(c, http.StatusOK, doc, err)
}

// list answers GET /api/v1/documents?warning_id=&spot_check_id=&department=.
func (h *documentsAPI) list(c *gin.Context) {
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
	if h.docs == nil {
		return
	}
	docs, err := h.docs.List(c.Request.Context(), account(c), f)
	respond(c, http.StatusOK, gin.H{"items": docs}, err)
}
