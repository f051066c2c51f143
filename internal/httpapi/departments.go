package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"powercheck/internal/compliance"
)

func (h *accountsAPI) createDepartment(c *gin.Context) {
	var req struct {
		Code         string   `json:"code"`
		Name         string   `json:"name"`
		AllowedCIDRs []string `json:"allowed_cidrs"`
	}
	if err := bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	d, err := h.accounts.CreateDepartment(c.Request.Context(), account(c),
		compliance.Department{Code: req.Code, Name: req.Name, AllowedCIDRs: req.AllowedCIDRs})
	respond(c, http.StatusCreated, d, err)
}

func (h *accountsAPI) listDepartments(c *gin.Context) {
	ds, err := h.accounts.ListDepartments(c.Request.Context())
	if err != nil {
		fail(c, err)
		return
	}
	// Where a department's accounts may connect from is the admin's to know.
	if account(c).Role != admin {
		for i := range ds {
			ds[i].AllowedCIDRs = nil
		}
	}
	c.JSON(http.StatusOK, gin.H{"items": ds})
}
