package httpapi

import (
	"bytes"
	"encoding/json"
	"maps"
	"math"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"powercheck/internal/compliance"
)

// accountView is an account as the API shows it; it never carries a secret.
type accountView struct {
	Username       string     `json:"username"`
	RealName       string     `json:"real_name"`
	Role           string     `json:"role"`
	DepartmentCode string     `json:"department_code,omitempty"`
	AllowedCIDRs   []string   `json:"allowed_cidrs"`
	Disabled       bool       `json:"disabled"`
	ExpiresAt      *time.Time `json:"expires_at"`
	CreatedAt      time.Time  `json:"created_at"`
	HasPassword    bool       `json:"has_password"`
	MustChange     bool       `json:"must_change_password"`
}

// accountsAPI manages departments and accounts, the holiday calendar and
// the district's settings: the Accounts service's capability.
type accountsAPI struct {
	accounts *compliance.Accounts
}

// accountRequest is the body of POST /api/v1/accounts.
type accountRequest = struct {
	Username       string   `json:"username"`
	RealName       string   `json:"real_name"`
	Role           string   `json:"role"`
	DepartmentCode string   `json:"department_code"`
	AllowedCIDRs   []string `json:"allowed_cidrs"`
}

func (h *accountsAPI) createAccount(c *gin.Context) {
	answerBody(c, http.StatusCreated, func(req accountRequest) (any, error) {
		a, token, err := h.accounts.CreateAccount(c.Request.Context(), account(c), compliance.Account{
			Username: req.Username, RealName: req.RealName, Role: compliance.Role(req.Role),
			DepartmentCode: req.DepartmentCode, AllowedCIDRs: req.AllowedCIDRs}, "")
		return gin.H{"username": a.Username, "token": token, "account": a}, err
	})
}

func (h *accountsAPI) me(c *gin.Context) { c.JSON(http.StatusOK, account(c)) }

func toAccountView(a compliance.Account) accountView {
	cidrs := a.AllowedCIDRs
	if cidrs == nil {
		cidrs = []string{}
	}
	return accountView{Username: a.Username, RealName: a.RealName, Role: string(a.Role), DepartmentCode: a.DepartmentCode,
		AllowedCIDRs: cidrs, Disabled: a.Disabled, ExpiresAt: a.ExpiresAt, CreatedAt: a.CreatedAt,
		HasPassword: a.HasPassword, MustChange: a.MustChangePassword}
}

func (h *accountsAPI) listAccounts(c *gin.Context) {
	as, err := h.accounts.ListAccounts(c.Request.Context(), account(c))
	if err != nil {
		fail(c, err)
		return
	}
	items := make([]accountView, len(as))
	for i, a := range as {
		items[i] = toAccountView(a)
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}

// accountPatch is the body of PATCH /api/v1/accounts/{username}; absent
// fields stay as they are, "expires_at": null removes the expiry.
type accountPatch struct {
	Disabled     *bool           `json:"disabled"`
	ExpiresAt    json.RawMessage `json:"expires_at"`
	AllowedCIDRs *[]string       `json:"allowed_cidrs"`
	RealName     *string         `json:"real_name"`
}

func (p accountPatch) toChange() (compliance.AccountChange, error) {
	ch := compliance.AccountChange{Disabled: p.Disabled, AllowedCIDRs: p.AllowedCIDRs, RealName: p.RealName}
	if len(p.ExpiresAt) == 0 {
		return ch, nil
	}
	ch.SetExpiresAt = true
	if bytes.Equal(p.ExpiresAt, []byte("null")) {
		return ch, nil
	}
	var raw string
	var v compliance.Validation
	if err := json.Unmarshal(p.ExpiresAt, &raw); err != nil {
		v.Add("expires_at", "有效期须为 RFC 3339 时间字符串（如 2026-12-31T23:59:59+08:00）或 null")
	} else if t, err := time.Parse(time.RFC3339, raw); err != nil {
		v.Add("expires_at", "有效期不是合法的 RFC 3339 时间：%.40s", raw)
	} else {
		ch.ExpiresAt = &t
	}
	return ch, v.Err("invalid_account", "账号信息不合法")
}

func (h *accountsAPI) updateAccount(c *gin.Context) {
	answerBody(c, http.StatusOK, func(req accountPatch) (any, error) {
		ch, err := req.toChange()
		if err != nil {
			return nil, err
		}
		a, err := h.accounts.UpdateAccount(c.Request.Context(), account(c), c.Param("username"), ch)
		return toAccountView(a), err
	})
}

func (h *accountsAPI) rotateToken(c *gin.Context) {
	a, token, err := h.accounts.RotateToken(c.Request.Context(), account(c), c.Param("username"))
	respond(c, http.StatusOK, gin.H{"username": a.Username, "token": token}, err)
}

// Failed authentication from one address is limited: past failureLimit
// failures within failureWindow, further failures are answered 429.
const (
	failureLimit  = 10
	failureWindow = time.Minute
)

// failureCounter counts failed authentications per client address in a
// sliding window. It lives in memory: each node limits on its own.
type failureCounter struct {
	limit  int
	window time.Duration

	mu    sync.Mutex
	byIP  map[string][]time.Time // the latest failures, oldest first, at most limit+1
	swept time.Time
}

func newFailureCounter(limit int, window time.Duration) *failureCounter {
	return &failureCounter{limit: limit, window: window, byIP: map[string][]time.Time{}}
}

// record notes a failure from ip at now. When ip is over the limit it returns
// how long until a failure from it would be answered normally again.
func (f *failureCounter) record(ip string, now time.Time) time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	since := now.Add(-f.window)
	if now.Sub(f.swept) > f.window {
		// Forget quiet addresses, so the map holds only the last window's.
		maps.DeleteFunc(f.byIP, func(_ string, ts []time.Time) bool { return !ts[len(ts)-1].After(since) })
		f.swept = now
	}
	ts := f.byIP[ip]
	for len(ts) > 0 && !ts[0].After(since) {
		ts = ts[1:]
	}
	ts = append(ts, now)
	if len(ts) > f.limit+1 {
		ts = ts[len(ts)-f.limit-1:]
	}
	f.byIP[ip] = slices.Clip(ts)
	if len(ts) <= f.limit {
		return 0
	}
	// The next failure is answered normally once fewer than limit of the
	// retained ones fall inside the window.
	return ts[len(ts)-f.limit].Add(f.window).Sub(now)
}

// blocked returns how long ip must wait before its next attempt is even
// checked; 0 when it may try now.
func (f *failureCounter) blocked(ip string, now time.Time) time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	since := now.Add(-f.window)
	ts := f.byIP[ip]
	for len(ts) > 0 && !ts[0].After(since) {
		ts = ts[1:]
	}
	if len(ts) <= f.limit {
		return 0
	}
	return ts[len(ts)-f.limit].Add(f.window).Sub(now)
}

func tooManyAttempts(c *gin.Context, wait time.Duration) {
	secs := int(math.Ceil(wait.Seconds()))
	if secs < 1 {
		secs = 1
	}
	c.Header("Retry-After", strconv.Itoa(secs))
	abort(c, http.StatusTooManyRequests, "too_many_attempts", "认证失败次数过多，请 "+strconv.Itoa(secs)+" 秒后再试", nil)
}
