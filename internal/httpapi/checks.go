package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

func (s *Server) unchecked(c *gin.Context) {
	n, err := s.svc.CountUnchecked(c.Request.Context())
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"count": n, "policy_revision": s.policies.Revision()})
}

func (s *Server) sweep(c *gin.Context) {
	res, err := s.svc.Sweep(c.Request.Context(), account(c))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, res)
}
