package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"powercheck/internal/compliance"
)

func (s *Server) createDepartment(c *gin.Context) {
	var req struct {
		Code         string   `json:"code"`
		Name         string   `json:"name"`
		AllowedCIDRs []string `json:"allowed_cidrs"`
	}
	if err := bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	d, err := s.svc.CreateDepartment(c.Request.Context(), account(c),
		compliance.Department{Code: req.Code, Name: req.Name, AllowedCIDRs: req.AllowedCIDRs})
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, d)
}

func (s *Server) listDepartments(c *gin.Context) {
	ds, err := s.svc.ListDepartments(c.Request.Context())
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": ds})
}

func (s *Server) createAccount(c *gin.Context) {
	var req struct {
		Username       string   `json:"username"`
		RealName       string   `json:"real_name"`
		Role           string   `json:"role"`
		DepartmentCode string   `json:"department_code"`
		AllowedCIDRs   []string `json:"allowed_cidrs"`
	}
	if err := bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	a, token, err := s.svc.CreateAccount(c.Request.Context(), account(c), compliance.Account{
		Username: req.Username, RealName: req.RealName, Role: compliance.Role(req.Role),
		DepartmentCode: req.DepartmentCode, AllowedCIDRs: req.AllowedCIDRs}, "")
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"username": a.Username, "token": token, "account": a})
}

func (s *Server) me(c *gin.Context) { c.JSON(http.StatusOK, account(c)) }
