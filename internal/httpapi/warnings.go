package httpapi

import (
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"powercheck/internal/compliance"
)

var (
	levels   = []string{compliance.LevelPrewarning, compliance.LevelAlarm}
	statuses = []string{compliance.WarningOpen, compliance.WarningExplained, compliance.WarningRectifying,
		compliance.WarningRectified, compliance.WarningVerified, compliance.WarningReferred, compliance.WarningClosed, compliance.WarningLifted}
)

// warningFilter reads the filters of GET /api/v1/warnings.
func warningFilter(c *gin.Context) (compliance.WarningFilter, error) {
	f := compliance.WarningFilter{Level: c.Query("level"), Rule: c.Query("rule"), Family: c.Query("family"),
		Status: c.Query("status"), CaseNo: c.Query("case_no"), Limit: 50}
	if d := c.Query("department"); d != "" {
		f.Departments = strings.Split(d, ",")
	}
	if f.Level != "" && !slices.Contains(levels, f.Level) {
		return f, badRequest("invalid_filter", "level 须为 prewarning 或 alarm")
	}
	if f.Status != "" && !slices.Contains(statuses, f.Status) {
		return f, badRequest("invalid_filter", "未知的状态 %q", f.Status)
	}
	for name, v := range map[string]string{"rule": f.Rule, "family": f.Family, "case_no": f.CaseNo} {
		if len(v) > 128 {
			return f, badRequest("invalid_filter", "%s 过长", name)
		}
	}
	p, err := readPeriod(c)
	if err != nil {
		return f, err
	}
	f.From, f.To, f.Limit = p.from, p.to, p.limit
	if f.Ascending, err = queryFlag(c, "order", "asc", "desc"); err != nil {
		return f, err
	}
	if f.OverdueUnanswered, err = queryFlag(c, "overdue_unanswered", "true", "false"); err != nil {
		return f, err
	}
	if cur := c.Query("cursor"); cur != "" {
		if err := continueWarnings(&f, cur); err != nil {
			return f, err
		}
	}
	return f, nil
}

// continueWarnings sets where f continues from cur, which must be a cursor
// of the kind f's listing hands out: a time cursor for a list with a time
// window, an id cursor for the others.
func continueWarnings(f *compliance.WarningFilter, cur string) error {
	if f.TimeOrdered() {
		k, err := decodeTimeCursor(cur)
		if err == nil {
			f.Cursor = &k
			return nil
		}
		if _, err := decodeCursor(cur); err == nil {
			return badRequest("invalid_cursor", "cursor 与本清单不符：带 from/to 的预警清单按产生时间排序，须使用该清单返回的 cursor")
		}
		return badRequest("invalid_cursor", "cursor 无效")
	}
	id, err := decodeCursor(cur)
	if err != nil {
		if _, err := decodeTimeCursor(cur); err == nil {
			return badRequest("invalid_cursor", "cursor 与本清单不符：该 cursor 来自带 from/to 的预警清单，须带上同样的时间段")
		}
		return badRequest("invalid_cursor", "cursor 无效")
	}
	if f.Ascending {
		f.AfterID = id
	} else {
		f.BeforeID = id
	}
	return nil
}

func (h *supervisionAPI) listWarnings(c *gin.Context) {
	f, err := warningFilter(c)
	if err != nil {
		fail(c, err)
		return
	}
	items, err := h.cases.ListWarnings(c.Request.Context(), account(c), f)
	if f.TimeOrdered() {
		respondCursorPage(c, items, err, f.Limit, func(w compliance.Warning) string { return encodeTimeCursor(compliance.KeyOf(w)) })
		return
	}
	respondPage(c, items, err, f.Limit, func(w compliance.Warning) int64 { return w.ID })
}

func warningID(c *gin.Context) (int64, error) {
	return idParam(c, "id", compliance.Errorf(compliance.ClassNotFound, "warning_not_found", "预警不存在"))
}

func (h *supervisionAPI) getWarning(c *gin.Context) {
	answerParam(c, warningID, func(id int64) (any, error) {
		return h.supervision.Warning(c.Request.Context(), account(c), id)
	})
}

// transitionRequest is the body of POST /api/v1/warnings/{id}/transitions.
type transitionRequest = struct {
	Action    string `json:"action"`
	Note      string `json:"note"`
	Reference string `json:"reference"`
	Outcome   string `json:"outcome"`
}

func (h *supervisionAPI) transitionWarning(c *gin.Context) {
	answerParamBody(c, warningID, func(id int64, req transitionRequest) (any, error) {
		return h.supervision.Transition(c.Request.Context(), account(c), id, req.Action, req.Note, req.Reference, req.Outcome)
	})
}
