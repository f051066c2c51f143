package httpapi

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"powercheck/internal/compliance"
)

// itemRequest is the body of PUT /api/v1/power-items/{code}.
type itemRequest struct {
	Name           string                     `json:"name"`
	Category       string                     `json:"category"`
	DepartmentCode string                     `json:"department_code"`
	LegalBases     []compliance.LegalBasis    `json:"legal_bases"`
	TimeLimit      compliance.TimeLimit       `json:"time_limit"`
	StatutoryLimit *compliance.TimeLimit      `json:"statutory_limit"`
	Extension      *compliance.ExtensionRule  `json:"extension"`
	Steps          []compliance.FlowStep      `json:"steps"`
	Discretion     map[string]compliance.Tier `json:"discretion"`
	Status         string                     `json:"status"`
	compliance.Disclosure
}

// catalogAPI edits and reads the power catalog, reviews its adjustments
// and runs its cleanup check.
type catalogAPI struct {
	catalog *compliance.Catalog
}

// putItem answers PUT /api/v1/power-items/{code}: 201 with the item's
// first version, 200 with a new version of an item that had one.
func (h *catalogAPI) putItem(c *gin.Context) {
	var req itemRequest
	if err := bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	it, err := h.catalog.SaveItem(c.Request.Context(), account(c), compliance.PowerItem{
		Code: c.Param("code"), Name: req.Name, Category: req.Category, DepartmentCode: req.DepartmentCode,
		LegalBases: req.LegalBases, TimeLimit: req.TimeLimit,
		StatutoryLimit: req.StatutoryLimit, Extension: req.Extension, Steps: req.Steps, Discretion: req.Discretion,
		Status: req.Status, Disclosure: req.Disclosure})
	respond(c, savedStatus(it.Version == 1), it, err)
}

func (h *catalogAPI) getItem(c *gin.Context) {
	version := 0
	if v := c.Query("version"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			fail(c, badRequest("invalid_version", "version 须为正整数"))
			return
		}
		version = n
	}
	it, err := h.catalog.Item(c.Request.Context(), account(c), c.Param("code"), version)
	respond(c, http.StatusOK, it, err)
}

func (h *catalogAPI) listItems(c *gin.Context) {
	filter, err := readItemFilter(c)
	if err != nil {
		fail(c, err)
		return
	}
	items, err := h.catalog.ListItems(c.Request.Context(), account(c), c.Query("department"))
	respond(c, http.StatusOK, gin.H{"items": filter.keep(items)}, err)
}
