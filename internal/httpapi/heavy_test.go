package httpapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/gin-gonic/gin"

	"powercheck/internal/compliance"
)

// heavyLimiterCases are the requests sent while account 1 holds its limit.
var heavyLimiterCases = []struct {
	name, path, account string
	want                int
}{
	{"one more heavy request of the account is refused", "/heavy", "1", http.StatusTooManyRequests},
	{"a light request of the account goes through", "/light", "1", http.StatusOK},
	{"another account's heavy request goes through", "/heavy", "2", http.StatusOK},
}

// The heavy limiter admits at most its limit of heavy requests per account
// at once and refuses the others with 429, whatever the other accounts do;
// light routes and finished requests do not count.
func TestHeavyLimiter(t *testing.T) {
	t.Parallel()
	gin.SetMode(gin.ReleaseMode)
	const limit = 2
	routes := map[string]bool{"GET /heavy": true}
	release := make(chan struct{})
	var entered sync.WaitGroup
	r := gin.New()
	r.Use(func(c *gin.Context) {
		id := int64(1)
		if c.GetHeader("X-Account") == "2" {
			id = 2
		}
		c.Set("account", &compliance.Account{ID: id})
		c.Next()
	}, newHeavyLimiter(limit, routes).handle)
	r.GET("/heavy", func(c *gin.Context) {
		if c.Query("block") != "" {
			entered.Done()
			<-release
		}
		c.Status(http.StatusOK)
	})
	r.GET("/light", func(c *gin.Context) { c.Status(http.StatusOK) })
	get := func(path, account string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("X-Account", account)
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, req)
		return rec
	}

	// Account 1 holds its limit of heavy requests.
	var held sync.WaitGroup
	for range limit {
		entered.Add(1)
		held.Add(1)
		go func() {
			defer held.Done()
			if rec := get("/heavy?block=1", "1"); rec.Code != http.StatusOK {
				t.Errorf("held request: %d %s", rec.Code, rec.Body)
			}
		}()
	}
	entered.Wait()

	for _, tt := range heavyLimiterCases {
		t.Run(tt.name, func(t *testing.T) {
			rec := get(tt.path, tt.account)
			if rec.Code != tt.want {
				t.Fatalf("GET %s as %s: %d %s, want %d", tt.path, tt.account, rec.Code, rec.Body, tt.want)
			}
			if tt.want != http.StatusTooManyRequests {
				return
			}
			var body errorBody
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Error.Code != "too_many_concurrent_requests" || body.Error.Message == "" {
				t.Errorf("refusal body %s (%v), want code too_many_concurrent_requests and a message", rec.Body, err)
			}
			if rec.Header().Get("Retry-After") == "" {
				t.Error("refusal without Retry-After")
			}
		})
	}

	close(release)
	held.Wait()
	t.Run("once they are done the account is admitted again", func(t *testing.T) {
		for range limit + 1 {
			if rec := get("/heavy", "1"); rec.Code != http.StatusOK {
				t.Fatalf("GET /heavy after the held requests ended: %d %s", rec.Code, rec.Body)
			}
		}
	})
}
