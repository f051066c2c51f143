package httpapi

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"powercheck/internal/calendar"
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

// itemRequest is the body of PUT /api/v1/power-items/{code}.
type itemRequest struct {
	Name           string                     `json:"name"`
	Category       string                     `json:"category"`
	DepartmentCode string                     `json:"department_code"`
	LegalBases     []compliance.LegalBasis    `json:"legal_bases"`
	TimeLimit      compliance.TimeLimit       `json:"time_limit"`
	Steps          []compliance.FlowStep      `json:"steps"`
	Discretion     map[string]compliance.Tier `json:"discretion"`
	Status         string                     `json:"status"`
}

func (s *Server) putItem(c *gin.Context) {
	var req itemRequest
	if err := bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	it, err := s.svc.SaveItem(c.Request.Context(), account(c), compliance.PowerItem{
		Code: c.Param("code"), Name: req.Name, Category: req.Category, DepartmentCode: req.DepartmentCode,
		LegalBases: req.LegalBases, TimeLimit: req.TimeLimit, Steps: req.Steps, Discretion: req.Discretion,
		Status: req.Status})
	if err != nil {
		fail(c, err)
		return
	}
	status := http.StatusOK
	if it.Version == 1 {
		status = http.StatusCreated
	}
	c.JSON(status, it)
}

func (s *Server) getItem(c *gin.Context) {
	version := 0
	if v := c.Query("version"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			fail(c, badRequest("invalid_version", "version 须为正整数"))
			return
		}
		version = n
	}
	it, err := s.svc.Item(c.Request.Context(), account(c), c.Param("code"), version)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, it)
}

func (s *Server) listItems(c *gin.Context) {
	items, err := s.svc.ListItems(c.Request.Context(), account(c), c.Query("department"))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}

// stepRequest is the body of POST /api/v1/steps.
type stepRequest struct {
	ID            string                 `json:"id"`
	CaseNo        string                 `json:"case_no"`
	PowerItemCode string                 `json:"power_item_code"`
	Applicant     string                 `json:"applicant"`
	StepCode      string                 `json:"step_code"`
	Handler       string                 `json:"handler"`
	OccurredAt    string                 `json:"occurred_at"`
	LegalBasisIDs []string               `json:"legal_basis_ids"`
	Discretion    *compliance.Discretion `json:"discretion"`
	Approvals     []approvalRequest      `json:"approvals"`
	Attributes    map[string]any         `json:"attributes"`
}

type approvalRequest struct {
	Role string `json:"role"`
	By   string `json:"by"`
	At   string `json:"at"`
}

// toSubmission parses the request's timestamps; a bad one is a 422 naming
// the field.
func (r *stepRequest) toSubmission() (compliance.StepSubmission, error) {
	var v compliance.Validation
	parse := func(field, s string) time.Time {
		if s == "" {
			return time.Time{} // the service reports missing fields
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			v.Add(field, "时间“%s”不是 RFC 3339 格式（如 2026-03-02T09:30:00+08:00）", s)
		}
		return t
	}
	sub := compliance.StepSubmission{ID: r.ID, CaseNo: r.CaseNo, PowerItemCode: r.PowerItemCode,
		Applicant: r.Applicant, StepCode: r.StepCode, Handler: r.Handler,
		OccurredAt: parse("occurred_at", r.OccurredAt), LegalBasisIDs: r.LegalBasisIDs,
		Discretion: r.Discretion, Attributes: r.Attributes}
	for i, a := range r.Approvals {
		sub.Approvals = append(sub.Approvals, compliance.Approval{Role: a.Role, By: a.By,
			At: parse("approvals["+strconv.Itoa(i)+"].at", a.At)})
	}
	return sub, v.Err("invalid_step", "环节记录不合法")
}

func (s *Server) postStep(c *gin.Context) {
	var req stepRequest
	if err := bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	sub, err := req.toSubmission()
	if err != nil {
		fail(c, err)
		return
	}
	res, created, err := s.svc.SubmitStep(c.Request.Context(), account(c), sub)
	if err != nil {
		fail(c, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	c.JSON(status, res)
}

func (s *Server) getCase(c *gin.Context) {
	v, err := s.svc.Case(c.Request.Context(), account(c), c.Param("case_no"))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, v)
}

var (
	levels   = []string{compliance.LevelPrewarning, compliance.LevelAlarm}
	statuses = []string{compliance.WarningOpen, compliance.WarningExplained, compliance.WarningRectifying,
		compliance.WarningRectified, compliance.WarningVerified, compliance.WarningReferred, compliance.WarningClosed}
)

// warningFilter reads the filters of GET /api/v1/warnings.
func warningFilter(c *gin.Context) (compliance.WarningFilter, error) {
	f := compliance.WarningFilter{Level: c.Query("level"), Rule: c.Query("rule"), Family: c.Query("family"),
		Status: c.Query("status"), CaseNo: c.Query("case_no"), Limit: 50}
	if d := c.Query("department"); d != "" {
		f.Departments = strings.Split(d, ",")
	}
	if f.Level != "" && !contains(levels, f.Level) {
		return f, badRequest("invalid_filter", "level 须为 prewarning 或 alarm")
	}
	if f.Status != "" && !contains(statuses, f.Status) {
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
	switch c.Query("order") {
	case "", "desc":
	case "asc":
		f.Ascending = true
	default:
		return f, badRequest("invalid_filter", "order 须为 asc 或 desc")
	}
	switch c.Query("overdue_unanswered") {
	case "", "false":
	case "true":
		f.OverdueUnanswered = true
	default:
		return f, badRequest("invalid_filter", "overdue_unanswered 须为 true 或 false")
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

// page holds the parameters every cursor listing takes: a period (from, to),
// a page size (limit, default 50) and where to continue (cursor).
type page struct {
	from, to time.Time
	limit    int
	cursor   int64 // 0: from the start
}

// readPage reads the parameters of a listing whose cursor is an id (or a
// sequence number).
func readPage(c *gin.Context) (page, error) {
	p, err := readPeriod(c)
	if err != nil {
		return p, err
	}
	if cur := c.Query("cursor"); cur != "" {
		if p.cursor, err = decodeCursor(cur); err != nil {
			return p, badRequest("invalid_cursor", "cursor 无效")
		}
	}
	return p, nil
}

// readPeriod reads the period and the page size of a listing, leaving its
// cursor to the caller.
func readPeriod(c *gin.Context) (page, error) {
	p := page{limit: 50}
	var err error
	if p.from, err = parseBound(c.Query("from"), false); err != nil {
		return p, badRequest("invalid_filter", "from 须为 YYYY-MM-DD 或 RFC 3339 时间")
	}
	if p.to, err = parseBound(c.Query("to"), true); err != nil {
		return p, badRequest("invalid_filter", "to 须为 YYYY-MM-DD 或 RFC 3339 时间")
	}
	if l := c.Query("limit"); l != "" {
		if p.limit, err = strconv.Atoi(l); err != nil || p.limit < 1 || p.limit > compliance.MaxPageSize {
			return p, badRequest("invalid_limit", "limit 须为 1–%d 之间的整数", compliance.MaxPageSize)
		}
	}
	return p, nil
}

// parseBound reads a date (a whole day in Asia/Shanghai; an upper bound
// includes that day) or a timestamp.
func parseBound(s string, upper bool) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if len(s) == len(time.DateOnly) {
		d, err := calendar.ParseDate(s)
		if err != nil {
			return time.Time{}, err
		}
		if upper {
			return d.End(), nil
		}
		return d.Start(), nil
	}
	return time.Parse(time.RFC3339Nano, s)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// A cursor is opaque to clients: base64url of "w1:<id>" for listings in id
// (or sequence) order, or of "w2:<created_at in Unix ns>:<id>" for warning
// lists with a time window, which run in recording-time order.
const (
	cursorPrefix     = "w1:"
	timeCursorPrefix = "w2:"
)

func encodeCursor(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + strconv.FormatInt(id, 10)))
}

func decodeCursor(s string) (int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return 0, err
	}
	rest, ok := strings.CutPrefix(string(b), cursorPrefix)
	if !ok {
		return 0, strconv.ErrSyntax
	}
	id, err := strconv.ParseInt(rest, 10, 64)
	if err != nil || id <= 0 {
		return 0, strconv.ErrSyntax
	}
	return id, nil
}

// encodeTimeCursor keeps created_at to the nanosecond: the keyset compares
// it for equality with the stored value.
func encodeTimeCursor(k compliance.WarningKey) string {
	return base64.RawURLEncoding.EncodeToString([]byte(timeCursorPrefix +
		strconv.FormatInt(k.CreatedAt.UnixNano(), 10) + ":" + strconv.FormatInt(k.ID, 10)))
}

func decodeTimeCursor(s string) (compliance.WarningKey, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return compliance.WarningKey{}, err
	}
	rest, ok := strings.CutPrefix(string(b), timeCursorPrefix)
	if !ok {
		return compliance.WarningKey{}, strconv.ErrSyntax
	}
	ns, id, ok := strings.Cut(rest, ":")
	t, err1 := strconv.ParseInt(ns, 10, 64)
	n, err2 := strconv.ParseInt(id, 10, 64)
	if !ok || err1 != nil || err2 != nil || n <= 0 {
		return compliance.WarningKey{}, strconv.ErrSyntax
	}
	return compliance.WarningKey{CreatedAt: time.Unix(0, t).UTC(), ID: n}, nil
}

func (s *Server) listWarnings(c *gin.Context) {
	f, err := warningFilter(c)
	if err != nil {
		fail(c, err)
		return
	}
	items, err := s.svc.ListWarnings(c.Request.Context(), account(c), f)
	if err != nil {
		fail(c, err)
		return
	}
	if f.TimeOrdered() {
		writeCursorPage(c, items, f.Limit, func(w compliance.Warning) string { return encodeTimeCursor(compliance.KeyOf(w)) })
		return
	}
	writePage(c, items, f.Limit, func(w compliance.Warning) int64 { return w.ID })
}

// writePage answers one page of a listing in id (or sequence) order →
// {items, next_cursor}; a full page gets a cursor that continues after its
// last item.
func writePage[T any](c *gin.Context, items []T, limit int, key func(T) int64) {
	writeCursorPage(c, items, limit, func(v T) string { return encodeCursor(key(v)) })
}

// writeCursorPage is writePage with the cursor of the last item made by cursor.
func writeCursorPage[T any](c *gin.Context, items []T, limit int, cursor func(T) string) {
	var next *string
	if len(items) == limit && limit > 0 {
		cur := cursor(items[len(items)-1])
		next = &cur
	}
	c.JSON(http.StatusOK, gin.H{"items": items, "next_cursor": next})
}

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

func (s *Server) calendarOverview(c *gin.Context) {
	o, err := s.svc.CalendarOverview(c.Request.Context())
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, o)
}

func yearParam(c *gin.Context) (int, error) {
	y, err := strconv.Atoi(c.Param("year"))
	if err != nil || y < 1970 || y > 9999 {
		return 0, badRequest("invalid_year", "年份须为四位数字")
	}
	return y, nil
}

func (s *Server) getCalendarYear(c *gin.Context) {
	y, err := yearParam(c)
	if err != nil {
		fail(c, err)
		return
	}
	sy, err := s.svc.CalendarYear(c.Request.Context(), y)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, sy)
}

func (s *Server) putCalendarYear(c *gin.Context) {
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
		fail(c, compliance.Errorf(compliance.KindInvalid, "invalid_calendar", "请求体中的年份 %d 与路径中的 %d 不一致", req.Year, y))
		return
	}
	res, err := s.svc.PutCalendarYear(c.Request.Context(), account(c),
		calendar.Year{Year: y, Source: req.Source, Holidays: req.Holidays, Workdays: req.Workdays})
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, res)
}

func warningID(c *gin.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, compliance.Errorf(compliance.KindNotFound, "warning_not_found", "预警不存在")
	}
	return id, nil
}

func (s *Server) getWarning(c *gin.Context) {
	id, err := warningID(c)
	if err != nil {
		fail(c, err)
		return
	}
	w, err := s.svc.Warning(c.Request.Context(), account(c), id)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, w)
}

func (s *Server) transitionWarning(c *gin.Context) {
	id, err := warningID(c)
	if err != nil {
		fail(c, err)
		return
	}
	var req struct {
		Action    string `json:"action"`
		Note      string `json:"note"`
		Reference string `json:"reference"`
		Outcome   string `json:"outcome"`
	}
	if err := bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	w, err := s.svc.Transition(c.Request.Context(), account(c), id, req.Action, req.Note, req.Reference, req.Outcome)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, w)
}
