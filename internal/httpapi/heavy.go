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
