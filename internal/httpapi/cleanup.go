package httpapi

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"powercheck/internal/compliance"
)

// catalogCleanup lists the items in force that the catalog rules flag now:
// GET /api/v1/catalog/cleanup?department=.
func (s *Server) catalogCleanup(c *gin.Context) {
	res, err := s.catalog.Cleanup(c.Request.Context(), account(c), c.Query("department"))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, res)
}

// checkCatalog runs the catalog evaluation of every item in force and
// stores the warnings found: POST /api/v1/catalog/check.
func (s *Server) checkCatalog(c *gin.Context) {
	res, err := s.catalog.CheckCatalog(c.Request.Context(), account(c))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, res)
}

// itemPageSize is the default page of item versions.
const itemPageSize = 20

// pendingCursorPrefix marks the pending list's cursor: base64url of
// "v1:<version>:<code>" of the last version listed.
const pendingCursorPrefix = "v1:"

func encodePendingCursor(k compliance.ItemVersionKey) string {
	return base64.RawURLEncoding.EncodeToString([]byte(pendingCursorPrefix + strconv.Itoa(k.Version) + ":" + k.Code))
}

func decodePendingCursor(s string) (compliance.ItemVersionKey, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return compliance.ItemVersionKey{}, err
	}
	rest, ok := strings.CutPrefix(string(b), pendingCursorPrefix)
	if !ok {
		return compliance.ItemVersionKey{}, strconv.ErrSyntax
	}
	v, code, ok := strings.Cut(rest, ":")
	n, err := strconv.Atoi(v)
	if !ok || err != nil || n <= 0 || code == "" {
		return compliance.ItemVersionKey{}, strconv.ErrSyntax
	}
	return compliance.ItemVersionKey{Code: code, Version: n}, nil
}

// pendingItems lists the adjustments awaiting the legal office's approval,
// page by page: GET /api/v1/power-items/pending?limit=&cursor=.
func (s *Server) pendingItems(c *gin.Context) {
	limit, err := readLimit(c, itemPageSize, compliance.MaxItemPageSize)
	if err != nil {
		fail(c, err)
		return
	}
	var after *compliance.ItemVersionKey
	if cur := c.Query("cursor"); cur != "" {
		k, err := decodePendingCursor(cur)
		if err != nil {
			fail(c, badRequest("invalid_cursor", "cursor 无效"))
			return
		}
		after = &k
	}
	items, err := s.catalog.PendingItems(c.Request.Context(), account(c), after, limit)
	if err != nil {
		fail(c, err)
		return
	}
	writeCursorPage(c, items, limit, func(v compliance.ItemVersion) string {
		return encodePendingCursor(compliance.ItemVersionKey{Code: v.Code, Version: v.Version})
	})
}

// itemVersions lists the versions of an item with their approval, oldest
// first, page by page: GET /api/v1/power-items/{code}/versions?limit=&cursor=.
func (s *Server) itemVersions(c *gin.Context) {
	limit, after, err := readSmallPage(c, itemPageSize, compliance.MaxItemPageSize)
	if err != nil {
		fail(c, err)
		return
	}
	vs, err := s.catalog.ItemVersions(c.Request.Context(), account(c), c.Param("code"), int(after), limit)
	if err != nil {
		fail(c, err)
		return
	}
	writePage(c, vs, limit, func(v compliance.ItemVersion) int64 { return int64(v.Version) })
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
	v, err := s.catalog.ReviewItem(c.Request.Context(), account(c), c.Param("code"), version, approve, req.Note)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, v)
}
