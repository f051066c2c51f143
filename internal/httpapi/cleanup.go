package httpapi

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"
)

// catalogCleanup lists the items in force that the catalog rules flag now:
// GET /api/v1/catalog/cleanup?department=.
func (s *Server) catalogCleanup(c *gin.Context) {
	res, err := s.svc.Cleanup(c.Request.Context(), account(c), c.Query("department"))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, res)
}

// checkCatalog runs the catalog evaluation of every item in force and
// stores the warnings found: POST /api/v1/catalog/check.
func (s *Server) checkCatalog(c *gin.Context) {
	res, err := s.svc.CheckCatalog(c.Request.Context(), account(c))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, res)
}

// pendingItems lists the adjustments awaiting the legal office's approval.
func (s *Server) pendingItems(c *gin.Context) {
	items, err := s.svc.PendingItems(c.Request.Context(), account(c))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}

// itemVersions lists every version of an item with its approval.
func (s *Server) itemVersions(c *gin.Context) {
	vs, err := s.svc.ItemVersions(c.Request.Context(), account(c), c.Param("code"))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": vs})
}

func (s *Server) approveItem(c *gin.Context) { s.reviewItem(c, true) }

func (s *Server) rejectItem(c *gin.Context) { s.reviewItem(c, false) }

// reviewItem approves or rejects a pending version; the body may carry a
// note: {"note": "..."}.
func (s *Server) reviewItem(c *gin.Context, approve bool) {
	version, err := strconv.Atoi(c.Param("version"))
	if err != nil || version <= 0 {
		fail(c, badRequest("invalid_version", "version 须为正整数"))
		return
	}
	var req struct {
		Note string `json:"note"`
	}
	if err := bindOptionalJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	v, err := s.svc.ReviewItem(c.Request.Context(), account(c), c.Param("code"), version, approve, req.Note)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, v)
}
