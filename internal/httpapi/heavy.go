package httpapi

import (
	"net/http"
	"strconv"
	"sync"

	"github.com/gin-gonic/gin"
)

// MaxHeavyPerAccount bounds the heavy requests one account may have in
// progress at once. A console page opens one or two at a time; without the
// bound, one account sending many at once holds the memory of them all.
const MaxHeavyPerAccount = 4

// heavyRoutes are the reads that may take many megabytes or seconds: a
// case with its steps and warnings, the lists, exports, reports and
// statistics, the audit log and its verification, the catalog and item
// histories, and the policy impact dry run. Keys are "METHOD path", as in
// permissions. A single warning or item version is not among them: the
// console reads a case's warnings all at once.
var heavyRoutes = map[string]bool{
	"GET /api/v1/cases/:case_no":             true,
	"GET /api/v1/cases/:case_no/steps":       true,
	"GET /api/v1/cases":                      true,
	"GET /api/v1/workbench":                  true,
	"GET /api/v1/warnings":                   true,
	"GET /api/v1/warnings/export":            true,
	"GET /api/v1/stats/warnings":             true,
	"GET /api/v1/stats/departments":          true,
	"GET /api/v1/stats/patrols":              true,
	"GET /api/v1/stats/explanations":         true,
	"GET /api/v1/audit":                      true,
	"GET /api/v1/audit/verify":               true,
	"GET /api/v1/power-items":                true,
	"GET /api/v1/power-items/pending":        true,
	"GET /api/v1/power-items/:code/versions": true,
	"GET /api/v1/catalog/cleanup":            true,
	"GET /api/v1/ledgers/patrols":            true,
	"GET /api/v1/reports/monthly":            true,
	"GET /api/v1/reports/quarterly":          true,
	"POST /api/v1/policies/impact":           true,
	"POST /api/v1/policies/tests":            true,
}

// heavyLimiter counts the heavy requests in progress per account and
// refuses those over its limit with 429.
type heavyLimiter struct {
	limit  int
	routes map[string]bool

	mu      sync.Mutex
	running map[int64]int // account id → heavy requests in progress
}

func newHeavyLimiter(limit int, routes map[string]bool) *heavyLimiter {
	return &heavyLimiter{limit: limit, routes: routes, running: map[int64]int{}}
}

// handle is the middleware; it runs after authentication.
func (l *heavyLimiter) handle(c *gin.Context) {
	if !l.routes[c.Request.Method+" "+c.FullPath()] {
		c.Next()
		return
	}
	id := account(c).ID
	if !l.acquire(id) {
		c.Header("Retry-After", "1")
		abort(c, http.StatusTooManyRequests, "too_many_concurrent_requests",
			"本账号同时进行的查询、导出或统计请求已达 "+strconv.Itoa(l.limit)+" 个，请等其完成后再试", nil)
		return
	}
	defer l.release(id)
	c.Next()
}

func (l *heavyLimiter) acquire(id int64) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.running[id] >= l.limit {
		return false
	}
	l.running[id]++
	return true
}

func (l *heavyLimiter) release(id int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.running[id]--; l.running[id] <= 0 {
		delete(l.running, id)
	}
}
