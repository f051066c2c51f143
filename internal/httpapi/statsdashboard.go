package httpapi

import (
	"context"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"powercheck/internal/compliance"
)

// statsQuery reads from=&to=&department= as GET /api/v1/stats/warnings does:
// department may name several codes, separated by commas or repeated.
func statsQuery(c *gin.Context) compliance.StatsQuery {
	q := compliance.StatsQuery{From: c.Query("from"), To: c.Query("to")}
	for _, v := range c.QueryArray("department") {
		for _, d := range strings.Split(v, ",") {
			if d = strings.TrimSpace(d); d != "" {
				q.Departments = append(q.Departments, d)
			}
		}
	}
	return q
}

// dashboardStat answers a statistics route with what get computes.
func dashboardStat[T any](s *Server, c *gin.Context, get func(*compliance.Dashboard, context.Context, *compliance.Account, compliance.StatsQuery) (T, error)) {
	out, err := get(s.dashboard, c.Request.Context(), account(c), statsQuery(c))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

// departmentStats answers GET /api/v1/stats/departments.
func (s *Server) departmentStats(c *gin.Context) {
	dashboardStat(s, c, (*compliance.Dashboard).Departments)
}

// patrolStats answers GET /api/v1/stats/patrols.
func (s *Server) patrolStats(c *gin.Context) {
	dashboardStat(s, c, (*compliance.Dashboard).Patrols)
}

// explanationStats answers GET /api/v1/stats/explanations.
func (s *Server) explanationStats(c *gin.Context) {
	dashboardStat(s, c, (*compliance.Dashboard).Explanations)
}
