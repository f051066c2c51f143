package httpapi

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"powercheck/internal/calendar"
	"powercheck/internal/compliance"
)

// patrolRequest is the body of POST /api/v1/patrols.
type patrolRequest struct {
	At       string   `json:"at"`
	Findings string   `json:"findings"`
	Problems []string `json:"problems"`
}

// patrolsAPI records patrols, reads their ledger and judges closed
// working days.
type patrolsAPI struct {
	patrols *compliance.Patrols
}

// record answers POST /api/v1/patrols with the recorded patrol.
func (h *patrolsAPI) record(c *gin.Context) {
	answerBody(c, http.StatusCreated, func(req patrolRequest) (any, error) {
		at, err := time.Parse(time.RFC3339, req.At)
		if err != nil {
			return nil, compliance.Errorf(compliance.ClassInvalid, "invalid_patrol", "巡查时间 at 须为 RFC 3339 格式（如 2026-03-02T09:30:00+08:00）")
		}
		return h.patrols.RecordPatrol(c.Request.Context(), account(c),
			compliance.Patrol{At: at, Findings: req.Findings, Problems: req.Problems})
	})
}

// ledger answers GET /api/v1/ledgers/patrols?department=&from=&to=.
func (h *patrolsAPI) ledger(c *gin.Context) {
	l, err := h.patrols.PatrolLedger(c.Request.Context(), account(c), c.Query("department"), c.Query("from"), c.Query("to"))
	respond(c, http.StatusOK, l, err)
}

// closeDays runs the patrol_day evaluation now: {from?, to?} (YYYY-MM-DD,
// both included; to defaults to, and is capped at, yesterday).
func (h *patrolsAPI) closeDays(c *gin.Context) {
	answerBody(c, http.StatusOK, func(req periodRequest) (any, error) {
		var from, to calendar.Date
		for _, f := range []struct {
			name, v string
			d       *calendar.Date
		}{{"from", req.From, &from}, {"to", req.To, &to}} {
			if f.v == "" {
				continue
			}
			d, err := calendar.ParseDate(f.v)
			if err != nil {
				return nil, compliance.Errorf(compliance.ClassInvalid, "invalid_period", "%s 须为 YYYY-MM-DD 格式的日期", f.name)
			}
			*f.d = d
		}
		return h.patrols.ClosePatrolDays(c.Request.Context(), account(c), from, to)
	})
}
