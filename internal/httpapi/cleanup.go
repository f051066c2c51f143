package httpapi

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"powercheck/internal/compliance"
)

// cleanup lists the items in force that the catalog rules flag now:
// GET /api/v1/catalog/cleanup?department=.
func (h *catalogAPI) cleanup(c *gin.Context) {
	res, err := h.catalog.Cleanup(c.Request.Context(), account(c), c.Query("department"))
	respond(c, http.StatusOK, res, err)
}

// check runs the catalog evaluation of every item in force and stores the
// warnings found: POST /api/v1/catalog/check.
func (h *catalogAPI) check(c *gin.Context) {
	res, err := h.catalog.CheckCatalog(c.Request.Context(), account(c))
	respond(c, http.StatusOK, res, err)
}

// itemPageSize is the default page of item versions.
const itemPageSize = 20

// pendingCursorPrefix marks the pending list's cursor: base64url of
// "v1:<version>:<code>" of the last version listed.
const pendingCursorPrefix = "v1:"

func encodePendingCursor(k compliance.ItemVersionKey) string {
	return encodeKeyCursor(pendingCursorPrefix, strconv.Itoa(k.Version), k.Code)
}

func decodePendingCursor(s string) (compliance.ItemVersionKey, error) {
	v, code, err := decodeKeyCursor(s, pendingCursorPrefix)
	if err != nil {
		return compliance.ItemVersionKey{}, err
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 || code == "" {
		return compliance.ItemVersionKey{}, strconv.ErrSyntax
	}
	return compliance.ItemVersionKey{Code: code, Version: n}, nil
}

// pendingItems lists the adjustments awaiting the legal office's approval,
// page by page: GET /api/v1/power-items/pending?limit=&cursor=.
func (h *catalogAPI) pendingItems(c *gin.Context) {
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
	items, err := h.catalog.PendingItems(c.Request.Context(), account(c), after, limit)
	respondCursorPage(c, items, err, limit, func(v compliance.ItemVersion) string {
		return encodePendingCursor(compliance.ItemVersionKey{Code: v.Code, Version: v.Version})
	})
}

// itemVersions lists the versions of an item with their approval, oldest
// first, page by page: GET /api/v1/power-items/{code}/versions?limit=&cursor=.
func (h *catalogAPI) itemVersions(c *gin.Context) {
	limit, after, err := readSmallPage(c, itemPageSize, compliance.MaxItemPageSize)
	if err != nil {
		fail(c, err)
		return
	}
	vs, err := h.catalog.ItemVersions(c.Request.Context(), account(c), c.Param("code"), int(after), limit)
	respondPage(c, vs, err, limit, func(v compliance.ItemVersion) int64 { return int64(v.Version) })
}

func (h *catalogAPI) approveItem(c *gin.Context) { h.reviewItem(c, true) }

func (h *catalogAPI) rejectItem(c *gin.Context) { h.reviewItem(c, false) }

// reviewItem approves or rejects a pending version; the body may carry a
// note: {"note": "..."}.
func (h *catalogAPI) reviewItem(c *gin.Context, approve bool) {
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
	v, err := h.catalog.ReviewItem(c.Request.Context(), account(c), c.Param("code"), version, approve, req.Note)
	respond(c, http.StatusOK, v, err)
}
