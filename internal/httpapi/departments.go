package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"powercheck/internal/compliance"
)

// departmentRequest is the body of POST /api/v1/departments.
type departmentRequest = struct {
	Code         string   `json:"code"`
	Name         string   `json:"name"`
	AllowedCIDRs []string `json:"allowed_cidrs"`
}

func (h *accountsAPI) createDepartment(c *gin.Context) {
	answerBody(c, http.StatusCreated, func(req departmentRequest) (any, error) {
		return h.accounts.CreateDepartment(c.Request.Context(), account(c),
			compliance.Department{Code: req.Code, Name: req.Name, AllowedCIDRs: req.AllowedCIDRs})
	})
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
