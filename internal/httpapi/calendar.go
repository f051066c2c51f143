package httpapi

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"powercheck/internal/calendar"
	"powercheck/internal/compliance"
)

func (h *accountsAPI) calendarOverview(c *gin.Context) {
	o, err := h.accounts.CalendarOverview(c.Request.Context())
	respond(c, http.StatusOK, o, err)
}

func yearParam(c *gin.Context) (int, error) {
	y, err := strconv.Atoi(c.Param("year"))
	if err != nil || y < 1970 || y > 9999 {
		return 0, badRequest("invalid_year", "年份须为四位数字")
	}
	return y, nil
}

func (h *accountsAPI) getCalendarYear(c *gin.Context) {
	answerParam(c, yearParam, func(y int) (any, error) {
		return h.accounts.CalendarYear(c.Request.Context(), y)
	})
}

// calendarYearRequest is the body of PUT /api/v1/calendar/{year}.
type calendarYearRequest = struct {
	Year     int      `json:"year"`
	Source   string   `json:"source"`
	Holidays []string `json:"holidays"`
	Workdays []string `json:"workdays"`
}

func (h *accountsAPI) putCalendarYear(c *gin.Context) {
	answerParamBody(c, yearParam, func(y int, req calendarYearRequest) (any, error) {
		if req.Year != 0 && req.Year != y {
			return nil, compliance.Errorf(compliance.ClassInvalid, "invalid_calendar", "请求体中的年份 %d 与路径中的 %d 不一致", req.Year, y)
		}
		return h.accounts.PutCalendarYear(c.Request.Context(), account(c),
			calendar.Year{Year: y, Source: req.Source, Holidays: req.Holidays, Workdays: req.Workdays})
	})
}
