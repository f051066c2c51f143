package httpapi

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"powercheck/internal/calendar"
	"powercheck/internal/compliance"
)

// The public side, under /api/public/v1: no sign-in, read only, each
// address limited to PublicRequestsPerMinute requests a minute, and wrong
// query codes counted like failed sign-ins.

// PublicRequestsPerMinute bounds the public requests of one address.
const PublicRequestsPerMinute = 300

// publicCacheAge is how long browsers and portals may keep a public answer
// that names no person: the catalog changes by the day, not the second.
const publicCacheAge = 5 * time.Minute

// publicPrefix is where the public routes live; none of them needs an account.
const publicPrefix = "/api/public/v1/"

// publicAPI answers the public side: the power list, the catalog and the
// figures as open data, and a case's progress to its applicant.
type publicAPI struct {
	public   *compliance.Public
	failures *failureCounter // wrong query codes count as failed sign-ins
}

// routes serves the public side on r, perMinute requests a minute per
// address (0: PublicRequestsPerMinute, negative: no bound).
func (h *publicAPI) routes(r *gin.Engine, perMinute int) {
	pub := r.Group(strings.TrimSuffix(publicPrefix, "/"))
	if perMinute == 0 {
		perMinute = PublicRequestsPerMinute
	}
	if perMinute > 0 {
		pub.Use(newRateLimiter(perMinute, time.Minute).middleware)
	}
	pub.GET("/items", h.items)
	pub.GET("/items/:code", h.item)
	pub.GET("/cases/:case_no", h.caseProgress)
	pub.GET("/stats", h.stats)
	pub.GET("/catalog.json", h.catalogJSON)
	pub.GET("/catalog.csv", h.catalogCSV)
	pub.GET("/stats.csv", h.statsCSV)
}

// items pages the power list with an offset cursor ("p1:<n>").
func (h *publicAPI) items(c *gin.Context) {
	limit := 50
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			fail(c, badRequest("invalid_limit", "limit 须在 1–200 之间"))
			return
		}
		limit = n
	}
	offset := 0
	if v := c.Query("cursor"); v != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(v, "p1:"))
		if !strings.HasPrefix(v, "p1:") || err != nil || n < 0 {
			fail(c, badRequest("invalid_cursor", "cursor 无效"))
			return
		}
		offset = n
	}
	items, err := h.public.PublicItems(c.Request.Context(), c.Query("department"), c.Query("category"), c.Query("q"))
	if err != nil {
		fail(c, err)
		return
	}
	page := items[min(offset, len(items)):min(offset+limit, len(items))]
	var next *string
	if offset+limit < len(items) {
		n := fmt.Sprintf("p1:%d", offset+limit)
		next = &n
	}
	sendJSON(c, gin.H{"items": page, "next_cursor": next}, time.Time{})
}

func (h *publicAPI) item(c *gin.Context) {
	it, err := h.public.PublicItem(c.Request.Context(), c.Param("code"))
	if err != nil {
		fail(c, err)
		return
	}
	sendJSON(c, it, time.Time{})
}

// caseProgress answers a case's progress to the holder of its query code. A
// wrong code counts against the address as a failed sign-in does; over the
// limit the address is refused every lookup, the right code too.
func (h *publicAPI) caseProgress(c *gin.Context) {
	ip := c.ClientIP()
	if wait := h.failures.blocked(ip, time.Now()); wait > 0 {
		tooManyAttempts(c, wait)
		return
	}
	pc, err := h.public.PublicCase(c.Request.Context(), c.Param("case_no"), c.Query("code"))
	if err == compliance.ErrPublicCaseNotFound {
		if wait := h.failures.record(ip, time.Now()); wait > 0 {
			tooManyAttempts(c, wait)
			return
		}
	}
	if err != nil {
		fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, pc)
}

// monthStats answers the figures of the month asked for (last month by
// default); false when it answered an error.
func (h *publicAPI) monthStats(c *gin.Context) (compliance.PublicStats, bool) {
	month := c.Query("month")
	if month == "" {
		month = publicMonth(time.Now())
	}
	st, err := h.public.PublicStats(c.Request.Context(), month)
	if err != nil {
		fail(c, err)
		return st, false
	}
	return st, true
}

func (h *publicAPI) stats(c *gin.Context) {
	if st, ok := h.monthStats(c); ok {
		sendJSON(c, st, time.Time{})
	}
}

func (h *publicAPI) catalogJSON(c *gin.Context) {
	items, newest, err := h.public.PublicCatalog(c.Request.Context())
	if err != nil {
		fail(c, err)
		return
	}
	sendJSON(c, gin.H{"items": items}, newest)
}

func (h *publicAPI) catalogCSV(c *gin.Context) {
	items, newest, err := h.public.PublicCatalog(c.Request.Context())
	if err != nil {
		fail(c, err)
		return
	}
	rows := [][]string{{"事项编码", "事项名称", "权力类别", "部门编码", "实施部门", "承诺时限", "法定时限", "法律依据", "办理流程", "申请材料", "收费", "咨询方式", "办理渠道"}}
	for _, it := range items {
		var bases, steps, materials []string
		for _, b := range it.LegalBases {
			bases = append(bases, b.Title+b.Article)
		}
		for _, st := range it.Steps {
			steps = append(steps, st.Name)
		}
		for _, m := range it.Materials {
			materials = append(materials, m.Name)
		}
		rows = append(rows, []string{it.Code, it.Name, it.Category, it.DepartmentCode, it.DepartmentName,
			limitText(&it.TimeLimit), limitText(it.StatutoryLimit), strings.Join(bases, "；"), strings.Join(steps, "→"),
			strings.Join(materials, "；"), it.Fees, strings.TrimSpace(it.Contact.Phone + " " + it.Contact.Address + " " + it.Contact.Hours), it.ServiceChannel})
	}
	sendCSV(c, "catalog.csv", rows, newest)
}

func (h *publicAPI) statsCSV(c *gin.Context) {
	st, ok := h.monthStats(c)
	if !ok {
		return
	}
	rows := [][]string{{"月份", "部门编码", "部门", "受理办件", "办结办件", "按期办结率", "报警", "已整改报警"}}
	for _, d := range st.Departments {
		rate := ""
		if d.OnTimeRate != nil {
			rate = strconv.FormatFloat(*d.OnTimeRate, 'f', 4, 64)
		}
		rows = append(rows, []string{st.Month, d.DepartmentCode, d.DepartmentName, strconv.FormatInt(d.CasesAccepted, 10),
			strconv.FormatInt(d.CasesClosed, 10), rate, strconv.FormatInt(d.AlarmsRaised, 10), strconv.FormatInt(d.AlarmsRectified, 10)})
	}
	sendCSV(c, "stats-"+st.Month+".csv", rows, time.Time{})
}

func limitText(l *compliance.TimeLimit) string {
	if l == nil || l.Days == 0 {
		return ""
	}
	if l.Unit == compliance.UnitCalendar {
		return fmt.Sprintf("%d日", l.Days)
	}
	return fmt.Sprintf("%d个工作日", l.Days)
}

// sendJSON answers a public document with an ETag (and Last-Modified when
// known), so that portals harvesting it fetch only what changed.
func sendJSON(c *gin.Context, v any, modified time.Time) {
	body, err := json.Marshal(v)
	if err != nil {
		fail(c, fmt.Errorf("encode public answer: %w", err))
		return
	}
	sendCached(c, "application/json; charset=utf-8", body, modified)
}

func sendCSV(c *gin.Context, name string, rows [][]string, modified time.Time) {
	var b bytes.Buffer
	b.WriteString("\ufeff") // so that spreadsheet programs read UTF-8
	w := csv.NewWriter(&b)
	for _, r := range rows {
		for i := range r {
			r[i] = compliance.DefuseFormula(r[i])
		}
		_ = w.Write(r)
	}
	w.Flush()
	c.Header("Content-Disposition", `attachment; filename="`+name+`"`)
	sendCached(c, "text/csv; charset=utf-8", b.Bytes(), modified)
}

func sendCached(c *gin.Context, contentType string, body []byte, modified time.Time) {
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:16]) + `"`
	h := c.Writer.Header()
	h.Set("ETag", etag)
	h.Set("Cache-Control", fmt.Sprintf("public, max-age=%d", int(publicCacheAge.Seconds())))
	if !modified.IsZero() {
		h.Set("Last-Modified", modified.UTC().Format(http.TimeFormat))
	}
	if match := c.GetHeader("If-None-Match"); match != "" {
		if strings.Contains(match, etag) || strings.TrimSpace(match) == "*" {
			c.Status(http.StatusNotModified)
			return
		}
	} else if since, err := http.ParseTime(c.GetHeader("If-Modified-Since")); err == nil && !modified.IsZero() &&
		!modified.Truncate(time.Second).After(since) {
		c.Status(http.StatusNotModified)
		return
	}
	c.Data(http.StatusOK, contentType, body)
}

// rateLimiter counts requests per address in fixed windows.
type rateLimiter struct {
	max    int
	window time.Duration
	mu     sync.Mutex
	start  time.Time
	counts map[string]int
}

// maxTrackedAddresses bounds the limiter's memory: past it, the window
// starts again (a flood from many addresses is the network's to stop).
const maxTrackedAddresses = 100_000

func newRateLimiter(max int, window time.Duration) *rateLimiter {
	return &rateLimiter{max: max, window: window, counts: map[string]int{}}
}

func (l *rateLimiter) allow(ip string, now time.Time) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.start) >= l.window || len(l.counts) >= maxTrackedAddresses {
		l.start, l.counts = now, map[string]int{}
	}
	l.counts[ip]++
	if l.counts[ip] > l.max {
		return l.window - now.Sub(l.start), false
	}
	return 0, true
}

func (l *rateLimiter) middleware(c *gin.Context) {
	if wait, ok := l.allow(c.ClientIP(), time.Now()); !ok {
		c.Header("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		abort(c, http.StatusTooManyRequests, "too_many_requests", "请求过于频繁，请稍后再试", nil)
		return
	}
	c.Next()
}

// publicMonth is last month in Asia/Shanghai, the default of the figures.
func publicMonth(now time.Time) string {
	return now.In(calendar.Shanghai).AddDate(0, -1, 0).Format("2006-01")
}
