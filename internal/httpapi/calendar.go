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
	y, err := yearParam(c)
	if err != nil {
		fail(c, err)
		return
	}
	sy, err := h.accounts.CalendarYear(c.Request.Context(), y)
	respond(c, http.StatusOK, sy, err)
}

func (h *accountsAPI) putCalendarYear(c *gin.Context) {
	y, err := yearParam(c)
	if err != nil {
		fail(c, err)
		return
	}
	var req struct {
		Year     int      `json:"year"`
		Source   string   `json:"source"`
		Holidays []string `json:"holidays"`
		Workdays []string `json:"workdays"`
	}
	if err := bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	if req.Year != 0 && req.Year != y {
		fail(c, compliance.Errorf(compliance.ClassInvalid, "invalid_calendar", "请求体中的年份 %d 与路径中的 %d 不一致", req.Year, y))
		return
	}
	res, err := h.accounts.PutCalendarYear(c.Request.Context(), account(c),
		calendar.Year{Year: y, Source: req.Source, Holidays: req.Holidays, Workdays: req.Workdays})
	respond(c, http.StatusOK, res, err)
}
