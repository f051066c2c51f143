package httpapi

import (
	"context"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"powercheck/internal/compliance"
)

// statsQuery reads from=&to=&department= of the statistics routes:
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

// warningStats answers GET /api/v1/stats/warnings?from=&to=&department=.
func (h *reportsAPI) warningStats(c *gin.Context) {
	st, err := h.reports.WarningStats(c.Request.Context(), account(c), statsQuery(c))
	respond(c, http.StatusOK, st, err)
}

// dashboardStat answers a statistics route with what get computes.
func dashboardStat[T any](h *reportsAPI, c *gin.Context, get func(*compliance.Dashboard, context.Context, *compliance.Account, compliance.StatsQuery) (T, error)) {
	out, err := get(h.dashboard, c.Request.Context(), account(c), statsQuery(c))
	respond(c, http.StatusOK, out, err)
}

// departmentStats answers GET /api/v1/stats/departments.
func (h *reportsAPI) departmentStats(c *gin.Context) {
	dashboardStat(h, c, (*compliance.Dashboard).Departments)
}

// patrolStats answers GET /api/v1/stats/patrols.
func (h *reportsAPI) patrolStats(c *gin.Context) {
	dashboardStat(h, c, (*compliance.Dashboard).Patrols)
}

// explanationStats answers GET /api/v1/stats/explanations.
func (h *reportsAPI) explanationStats(c *gin.Context) {
	dashboardStat(h, c, (*compliance.Dashboard).Explanations)
}
