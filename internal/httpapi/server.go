// Package httpapi is powercheck's JSON API over gin: the route table,
// authentication and the request and response shapes.
package httpapi

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"powercheck/internal/compliance"
	"powercheck/internal/session"
	"powercheck/internal/webhook"
)

// Pinger reports whether the database answers.
type Pinger interface {
	Ping(ctx context.Context) error
}

// PolicyState tells which policy revision is active.
type PolicyState interface {
	Revision() int64
}

// Config configures the API.
type Config struct {
	MaxBodyBytes   int64    // request body limit; 0 means 1 MiB
	TrustedProxies []string // whose X-Forwarded-For is believed
	CookieSecure   bool     // mark the session cookie Secure (behind TLS)
	// Sessions signs people in with passwords; nil: bearer tokens only.
	Sessions *session.Service
	// Console serves the web console at /; nil: no console.
	Console http.Handler
	// SubjectLocks orders the audited changes of one object across the
	// nodes on one database; nil: among this node's requests only.
	SubjectLocks SubjectLocker
	// SubjectLockWait bounds the wait for an object's turn; 0 means
	// DefaultSubjectLockWait. A change that waited longer is refused (503).
	SubjectLockWait time.Duration
	// PublicRate bounds the public requests of one address per minute; 0
	// means PublicRequestsPerMinute, a negative value no bound (behind a
	// proxy that limits them).
	PublicRate int
	// Requests is told of every answered request; nil: nobody.
	Requests RequestObserver
	// Webhooks registers the endpoints events are pushed to; Mail keeps
	// the mail settings. nil: their routes answer 404.
	Webhooks *webhook.Service
	Mail     *webhook.Mailer
	// Notifications is the inbox and who hears which event; nil: the
	// notification routes answer 503.
	Notifications Inbox
}

// Services are the checker's services the API calls.
type Services struct {
	Accounts    *compliance.Accounts
	Catalog     *compliance.Catalog
	Cases       *compliance.Cases
	Supervision *compliance.Supervision
	Reports     *compliance.Reports
	Patrols     *compliance.Patrols
	Policies    *compliance.Policies
	Audit       *compliance.Audit
	Public      *compliance.Public
	Deadlines   *compliance.Deadlines
	Documents   *compliance.Documents
	Dashboard   *compliance.Dashboard
}

// Server holds what the middleware needs; the handlers are grouped by
// capability in handler types of their own (handlers.go), and the route
// table names their methods.
type Server struct {
	accounts *compliance.Accounts // authentication and the calendar's readiness
	auditLog *compliance.Audit
	sessions *sessionsAPI // the console's sessions, for authentication
	db       Pinger
	policies PolicyState
	log      *slog.Logger
	failures *failureCounter // failed authentications per client address
	// subjectLocks orders changes to one object between the audit's reads
	// of its state.
	subjectLocks *subjectLocks
	proxies      proxySet        // whose X-Request-Id is kept
	requests     RequestObserver // nil: requests are not counted
}

// Role names the handlers compare an account's role with.
const (
	admin = compliance.RoleAdmin
	legal = compliance.RoleLegal
)

// New returns the API's handler.
func New(svcs Services, authoring Authoring, db Pinger, policies PolicyState, cfg Config, log *slog.Logger) (http.Handler, error) {
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 1 << 20
	}
	if log == nil {
		log = slog.Default()
	}
	log = slog.New(LogHandler(log.Handler()))
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	if err := r.SetTrustedProxies(cfg.TrustedProxies); err != nil {
		return nil, err
	}
	r.HandleMethodNotAllowed = true
	failures := newFailureCounter(failureLimit, failureWindow)
	h := newHandlers(svcs, authoring, policies, cfg, log, failures)
	s := &Server{accounts: svcs.Accounts, auditLog: svcs.Audit, sessions: h.sessions, db: db, policies: policies, log: log,
		failures: failures, subjectLocks: newSubjectLocks(cfg.SubjectLocks, cfg.SubjectLockWait),
		proxies: newProxySet(cfg.TrustedProxies), requests: cfg.Requests}
	table := routes(h)
	if err := checkRoutes(table); err != nil {
		return nil, fmt.Errorf("route table: %w", err)
	}
	// observe is outermost: it sees the status recover answers a panic with.
	r.Use(s.observe, s.recover, limitBodies(cfg.MaxBodyBytes, bodyLimits(table)))
	r.NoRoute(func(c *gin.Context) {
		if cfg.Console != nil && consolePath(c.Request.URL.Path) {
			cfg.Console.ServeHTTP(c.Writer, c.Request)
			c.Abort()
			return
		}
		fail(c, compliance.Errorf(compliance.ClassNotFound, "no_route", "接口不存在"))
	})
	r.NoMethod(func(c *gin.Context) {
		abort(c, http.StatusMethodNotAllowed, "method_not_allowed", "不支持该请求方法", nil)
	})

	r.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	r.GET("/readyz", s.ready)
	h.public.routes(r, cfg.PublicRate)
	api := r.Group(apiPrefix, s.authenticate)
	s.register(r, api, table, newHeavyLimiter(MaxHeavyPerAccount, heavyRoutes(table)))

	// Every API route comes from the table: one registered by hand would
	// have no permission check and no audit.
	declared := map[string]bool{}
	for _, rt := range table {
		declared[rt.key()] = true
	}
	for _, ri := range r.Routes() {
		if strings.HasPrefix(ri.Path, "/api/") && !strings.HasPrefix(ri.Path, publicPrefix) && !declared[ri.Method+" "+ri.Path] {
			return nil, fmt.Errorf("route %s %s is not in the route table", ri.Method, ri.Path)
		}
	}
	return r, nil
}

// consolePath reports whether p is a page or asset of the console: every
// path but the API's (the public API's too), the probes' and the metrics'.
// The public pages under /public/ are pages of the console.
func consolePath(p string) bool {
	for _, prefix := range []string{"/api/", "/healthz", "/readyz", "/metrics"} {
		if p == strings.TrimSuffix(prefix, "/") || strings.HasPrefix(p, prefix) {
			return false
		}
	}
	return true
}

func account(c *gin.Context) *compliance.Account {
	return c.MustGet("account").(*compliance.Account)
}

// authenticate admits a request by its bearer token, from an address the
// account and its department allow. Failed attempts are counted per client
// address; past the limit they are answered 429, successful ones never.
func (s *Server) authenticate(c *gin.Context) {
	ctx := c.Request.Context()
	ip := c.ClientIP() // X-Forwarded-For only from trusted proxies
	var (
		a   *compliance.Account
		err error
	)
	header := c.GetHeader("Authorization")
	cookie, cerr := c.Cookie(SessionCookie)
	switch {
	case header == "" && cerr == nil && s.sessions.enabled():
		a, err = s.sessions.fromSession(c, cookie)
	default:
		// Over the limit, every token from the address is refused unread,
		// the right one too: else guessing would go on at full speed.
		if wait := s.failures.blocked(ip, time.Now()); wait > 0 {
			tooManyAttempts(c, wait)
			return
		}
		token, ok := strings.CutPrefix(header, "Bearer ")
		a, err = s.accounts.Authenticate(ctx, strings.TrimSpace(token))
		if !ok && err == nil {
			err = compliance.Errorf(compliance.ClassUnauthenticated, "unauthenticated", "缺少访问令牌")
		}
		// A bad token counts against the address; a session cookie
		// carries 256 random bits and simply expires.
		if err != nil && compliance.ClassOf(err) == compliance.ClassUnauthenticated {
			if wait := s.failures.record(ip, time.Now()); wait > 0 {
				s.log.WarnContext(ctx, "too many failed authentications", "ip", ip, "path", c.FullPath())
				tooManyAttempts(c, wait)
				return
			}
		}
	}
	if err != nil {
		fail(c, err)
		return
	}
	if err := s.accounts.CheckAddress(ctx, a, ip); err != nil {
		if compliance.ClassOf(err) == compliance.ClassForbidden {
			s.log.WarnContext(ctx, "request from outside the allowed IP ranges",
				"account", a.Username, "department", a.DepartmentCode, "ip", ip, "path", c.FullPath())
		}
		fail(c, err)
		return
	}
	c.Set("account", a)
	c.Next()
}

func (s *Server) recover(c *gin.Context) {
	defer func() {
		if v := recover(); v != nil {
			s.log.ErrorContext(c.Request.Context(), "panic in handler", "path", c.FullPath(), "panic", v)
			fail(c, compliance.Errorf(compliance.ClassInternal, "internal", "服务器内部错误"))
		}
	}()
	c.Next()
}

func (s *Server) ready(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	body := gin.H{"database": "ok", "policy_revision": s.policies.Revision(), "calendar_missing_years": s.accounts.MissingYears()}
	status := http.StatusOK
	if err := s.db.Ping(ctx); err != nil {
		body["database"] = "unavailable"
		status = http.StatusServiceUnavailable
	}
	if s.policies.Revision() == 0 {
		body["policies"] = "not loaded"
		status = http.StatusServiceUnavailable
	}
	c.JSON(status, body)
}
