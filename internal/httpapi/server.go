// Package httpapi is powercheck's JSON API over gin: the routes, the
// permission table, authentication and the request and response shapes.
package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
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

// Server holds the API's dependencies.
type Server struct {
	accounts     *compliance.Accounts
	catalog      *compliance.Catalog
	cases        *compliance.Cases
	supervision  *compliance.Supervision
	reports      *compliance.Reports
	patrols      *compliance.Patrols
	impact       *compliance.Policies
	auditLog     *compliance.Audit
	public       *compliance.Public
	deadlines    *compliance.Deadlines
	docs         *compliance.Documents
	dashboard    *compliance.Dashboard
	authoring    Authoring
	db           Pinger
	policies     PolicyState
	log          *slog.Logger
	sessions     *session.Service
	cookieSecure bool
	failures     *failureCounter // failed authentications per client address
	// subjectLocks orders changes to one object between the audit's reads
	// of its state.
	subjectLocks *subjectLocks
	proxies      proxySet        // whose X-Request-Id is kept
	requests     RequestObserver // nil: requests are not counted
	notify       Inbox           // nil: notifications are off
}

// R lists the roles of a permission; everyone (nil) admits every signed-in account.
type R = []compliance.Role

var everyone R = nil

const (
	admin       = compliance.RoleAdmin
	legal       = compliance.RoleLegal
	oversight   = compliance.RoleOversight
	supervision = compliance.RoleSupervision
	deptAdmin   = compliance.RoleDeptAdmin
	clerk       = compliance.RoleClerk
	inspector   = compliance.RoleDeptInspector
)

// permissions is the one permission table: who may call what. The service
// applies department scoping on top of it.
var permissions = map[string]R{
	"POST /api/v1/departments":                 {admin},
	"GET /api/v1/departments":                  everyone,
	"POST /api/v1/accounts":                    {admin, deptAdmin},
	"GET /api/v1/me":                           everyone,
	"GET /api/v1/session":                      everyone,
	"DELETE /api/v1/session":                   everyone,
	"POST /api/v1/session/password":            everyone,
	"POST /api/v1/accounts/:username/password": {admin, deptAdmin},
	"PUT /api/v1/power-items/:code":            {legal, deptAdmin},
	"GET /api/v1/power-items":                  everyone,
	"GET /api/v1/power-items/:code":            everyone,
	"POST /api/v1/steps":                       {clerk, deptAdmin},
	"GET /api/v1/cases/:case_no":               everyone,
	"GET /api/v1/cases/:case_no/steps":         everyone,
	"POST /api/v1/cases/:case_no/approvals":    {inspector, deptAdmin, legal}, // the step's role decides (service)
	"GET /api/v1/cases/:case_no/approvals":     everyone,
	"GET /api/v1/approvals/pending":            {inspector, deptAdmin, legal},
	"GET /api/v1/cases":                        everyone,
	"GET /api/v1/workbench":                    everyone,
	"GET /api/v1/audit/verify":                 {admin, supervision},
	"GET /api/v1/warnings":                     everyone,
	"GET /api/v1/checks/unchecked":             {admin, legal, oversight, supervision},
	"GET /api/v1/calendar":                     everyone,
	"GET /api/v1/calendar/:year":               everyone,
	"PUT /api/v1/calendar/:year":               {admin},
	"GET /api/v1/policies":                     everyone,
	"PUT /api/v1/policies/:module":             {legal},
	"GET /api/v1/policies/params":              everyone,
	"PUT /api/v1/policies/params":              {legal},
	"GET /api/v1/settings":                     everyone,
	"GET /api/v1/notifications":                everyone, // the account's own inbox
	"GET /api/v1/notifications/count":          everyone,
	"POST /api/v1/notifications/:id/read":      everyone,
	"POST /api/v1/notifications/read-all":      everyone,
	"GET /api/v1/notifications/routes":         {admin},
	"PUT /api/v1/notifications/routes":         {admin},
	"PUT /api/v1/settings":                     {admin},
	"POST /api/v1/policies/publish":            {legal},
	"POST /api/v1/policies/rollback":           {legal},
	"POST /api/v1/policies/impact":             {legal},
	"GET /api/v1/policies/revisions":           everyone,
	"GET /api/v1/policies/revisions/:revision": everyone,
	"POST /api/v1/policies/tests":              {legal},
	"GET /api/v1/rules":                        everyone,
	"GET /api/v1/audit":                        {admin, supervision},
	"GET /api/v1/accounts":                     {admin, deptAdmin, supervision}, // supervision: inspectors only
	"PATCH /api/v1/accounts/:username":         {admin, deptAdmin},
	"POST /api/v1/accounts/:username/token":    {admin, deptAdmin, clerk, inspector, legal, oversight, supervision}, // anyone rotates its own, only admin another's
	"GET /api/v1/warnings/export":              everyone,
	"GET /api/v1/stats/warnings":               {admin, oversight, supervision, deptAdmin, inspector},
	"POST /api/v1/spot-checks":                 {supervision},
	"GET /api/v1/spot-checks":                  {supervision, oversight},
	"GET /api/v1/spot-checks/:id":              {supervision, oversight},
	"POST /api/v1/spot-checks/:id/findings":    {supervision},
	"GET /api/v1/warnings/:id":                 everyone,
	"POST /api/v1/warnings/:id/transitions":    {deptAdmin, inspector, oversight, supervision},
	"POST /api/v1/sweeps":                      {admin},

	// The patrol ledger and monthly reports.
	"POST /api/v1/patrols":                      {inspector},
	"GET /api/v1/ledgers/patrols":               everyone,
	"POST /api/v1/patrols/close-days":           {admin},
	"GET /api/v1/reports/monthly":               everyone,
	"POST /api/v1/reports/monthly/explanations": {deptAdmin},
	scanRoute: {deptAdmin},
	"GET /api/v1/reports/monthly/explanations/:department/:month/scan": {deptAdmin, clerk, inspector, oversight, supervision, admin},
	"POST /api/v1/reports/monthly/close":                               {admin},

	// Catalog upkeep: the cleanup list, the catalog check and approvals (审定).
	"GET /api/v1/catalog/cleanup":                              {legal, oversight, deptAdmin},
	"POST /api/v1/catalog/check":                               {admin},
	"GET /api/v1/power-items/pending":                          {legal, deptAdmin},
	"GET /api/v1/power-items/:code/versions":                   everyone,
	"POST /api/v1/power-items/:code/versions/:version/approve": {legal},
	"POST /api/v1/power-items/:code/versions/:version/reject":  {legal},
	"GET /api/v1/reports/quarterly":                            {oversight, supervision, admin},
	"GET /api/v1/stats/departments":                            {admin, oversight, supervision, deptAdmin, inspector},
	"GET /api/v1/stats/patrols":                                {admin, oversight, supervision, deptAdmin, inspector},
	"GET /api/v1/stats/explanations":                           {admin, oversight, supervision, deptAdmin, inspector},
	"POST /api/v1/documents":                                   {oversight, supervision}, // the kind narrows it (service)
	"GET /api/v1/documents":                                    {admin, oversight, supervision, deptAdmin, inspector},
	"GET /api/v1/documents/:id":                                {admin, oversight, supervision, deptAdmin, inspector},

	// Webhooks and mail (webhooks.go).
	"GET /api/v1/webhooks":                  {admin},
	"PUT /api/v1/webhooks/:name":            {admin},
	"DELETE /api/v1/webhooks/:name":         {admin},
	"GET /api/v1/webhooks/:name/deliveries": {admin},
	"POST /api/v1/webhooks/:name/replay":    {admin},
	"GET /api/v1/webhooks-settings":         {admin},
	"PUT /api/v1/webhooks-settings":         {admin},
	"GET /api/v1/mail-settings":             {admin},
	"PUT /api/v1/mail-settings":             {admin},
}

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
	s := &Server{accounts: svcs.Accounts, catalog: svcs.Catalog, cases: svcs.Cases, supervision: svcs.Supervision,
		reports: svcs.Reports, patrols: svcs.Patrols, impact: svcs.Policies, auditLog: svcs.Audit, public: svcs.Public,
		deadlines: svcs.Deadlines, docs: svcs.Documents, dashboard: svcs.Dashboard, authoring: authoring, db: db, policies: policies, log: log,
		sessions: cfg.Sessions, cookieSecure: cfg.CookieSecure,
		failures: newFailureCounter(failureLimit, failureWindow), subjectLocks: newSubjectLocks(cfg.SubjectLocks, cfg.SubjectLockWait),
		proxies: newProxySet(cfg.TrustedProxies), requests: cfg.Requests, notify: cfg.Notifications}
	// observe is outermost: it sees the status recover answers a panic with.
	r.Use(s.observe, s.recover, limitBodies(cfg.MaxBodyBytes, ownBodyLimits))
	r.NoRoute(func(c *gin.Context) {
		if cfg.Console != nil && consolePath(c.Request.URL.Path) {
			cfg.Console.ServeHTTP(c.Writer, c.Request)
			c.Abort()
			return
		}
		fail(c, compliance.Errorf(compliance.KindNotFound, "no_route", "接口不存在"))
	})
	r.NoMethod(func(c *gin.Context) {
		abort(c, http.StatusMethodNotAllowed, "method_not_allowed", "不支持该请求方法", nil)
	})

	r.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	r.GET("/readyz", s.ready)
	s.publicRoutes(r, cfg.PublicRate)

	// Signing in needs no account: it makes one.
	r.POST("/api/v1/session", limitBody(4<<10), s.signIn)
	// The description of the API holds no data: no account needed.
	r.GET("/api/v1/openapi.json", s.openAPI)
	r.GET("/api/v1/docs", s.apiDocs)
	api := r.Group("/api/v1", s.authenticate, s.authorize, checkParams,
		newHeavyLimiter(MaxHeavyPerAccount, heavyRoutes).handle, s.audit)
	api.GET("/session", s.getSession)
	api.DELETE("/session", s.signOut)
	api.POST("/session/password", s.changePassword)
	api.POST("/accounts/:username/password", s.setAccountPassword)
	api.POST("/departments", s.createDepartment)
	api.GET("/departments", s.listDepartments)
	api.POST("/accounts", s.createAccount)
	api.GET("/me", s.me)
	api.PUT("/power-items/:code", s.putItem)
	api.GET("/power-items", s.listItems)
	api.GET("/power-items/:code", s.getItem)
	api.POST("/steps", s.postStep)
	api.GET("/cases/:case_no", s.getCase)
	api.GET("/cases/:case_no/steps", s.caseSteps)
	api.POST("/cases/:case_no/approvals", s.signApproval)
	api.GET("/cases/:case_no/approvals", s.caseApprovals)
	api.GET("/approvals/pending", s.pendingApprovals)
	api.GET("/cases", s.listCases)
	api.GET("/workbench", s.workbench)
	api.GET("/audit/verify", s.verifyAudit)
	api.GET("/warnings", s.listWarnings)
	api.GET("/checks/unchecked", s.unchecked)
	api.POST("/sweeps", noBody, s.sweep)
	api.GET("/audit", s.listAudit)
	api.GET("/accounts", s.listAccounts)
	api.PATCH("/accounts/:username", s.updateAccount)
	api.POST("/accounts/:username/token", noBody, s.rotateToken)
	api.GET("/warnings/export", s.exportWarnings)
	api.GET("/stats/warnings", s.warningStats)
	api.POST("/spot-checks", s.createSpotCheck)
	api.GET("/spot-checks", s.listSpotChecks)
	api.GET("/spot-checks/:id", s.getSpotCheck)
	api.POST("/spot-checks/:id/findings", s.recordSpotCheckFinding)
	api.GET("/warnings/:id", s.getWarning)
	api.POST("/warnings/:id/transitions", s.transitionWarning)
	api.GET("/policies", s.listPolicies)
	api.PUT("/policies/:module", s.putPolicy)
	api.GET("/policies/params", s.getParams)
	api.PUT("/policies/params", s.putParams)
	api.GET("/settings", s.getSettings)
	api.PUT("/settings", s.putSettings)
	s.notificationRoutes(api)
	api.POST("/policies/publish", s.publishPolicies)
	api.POST("/policies/rollback", s.rollbackPolicies)
	api.POST("/policies/impact", s.policyImpact)
	api.GET("/policies/revisions", s.policyRevisions)
	api.GET("/policies/revisions/:revision", s.getPolicyRevision)
	api.POST("/policies/tests", noBody, s.runPolicyTests)
	api.GET("/rules", s.listRules)
	api.GET("/calendar", s.calendarOverview)
	api.GET("/calendar/:year", s.getCalendarYear)
	api.PUT("/calendar/:year", s.putCalendarYear)
	api.POST("/patrols", s.postPatrol)
	api.GET("/ledgers/patrols", s.patrolLedger)
	api.POST("/patrols/close-days", s.closePatrolDays)
	api.GET("/reports/monthly", s.monthlyReport)
	api.POST("/reports/monthly/explanations", s.postExplanation)
	api.PUT("/reports/monthly/explanations/:department/:month/scan", s.putExplanationScan)
	api.GET("/reports/monthly/explanations/:department/:month/scan", s.getExplanationScan)
	api.POST("/reports/monthly/close", s.closeMonth)
	api.GET("/catalog/cleanup", s.catalogCleanup)
	api.POST("/catalog/check", noBody, s.checkCatalog)
	api.GET("/power-items/pending", s.pendingItems)
	api.GET("/power-items/:code/versions", s.itemVersions)
	api.POST("/power-items/:code/versions/:version/approve", s.approveItem)
	api.POST("/power-items/:code/versions/:version/reject", s.rejectItem)
	api.GET("/reports/quarterly", s.quarterlyBulletin)
	hookRoutes{hooks: cfg.Webhooks, mail: cfg.Mail}.register(api)
	api.GET("/stats/departments", s.departmentStats)
	api.GET("/stats/patrols", s.patrolStats)
	api.GET("/stats/explanations", s.explanationStats)
	api.POST("/documents", s.issueDocument)
	api.GET("/documents", s.listDocuments)
	api.GET("/documents/:id", s.getDocument)

	for _, ri := range r.Routes() {
		if openRoutes[ri.Method+" "+ri.Path] || strings.HasPrefix(ri.Path, publicPrefix) {
			continue // before any account (see openRoutes), or for everyone (public.go)
		}
		if strings.HasPrefix(ri.Path, "/api/") {
			if _, ok := permissions[ri.Method+" "+ri.Path]; !ok {
				panic("httpapi: route without a permission entry: " + ri.Method + " " + ri.Path) // a wiring defect
			}
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
	case header == "" && cerr == nil && s.sessions != nil:
		a, err = s.fromSession(c, cookie)
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
			err = compliance.Errorf(compliance.KindUnauthenticated, "unauthenticated", "缺少访问令牌")
		}
		// A bad token counts against the address; a session cookie
		// carries 256 random bits and simply expires.
		if err != nil && compliance.KindOf(err) == compliance.KindUnauthenticated {
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
		if compliance.KindOf(err) == compliance.KindForbidden {
			s.log.WarnContext(ctx, "request from outside the allowed IP ranges",
				"account", a.Username, "department", a.DepartmentCode, "ip", ip, "path", c.FullPath())
		}
		fail(c, err)
		return
	}
	if a.MustChangePassword && !passwordRoutes[c.Request.Method+" "+c.FullPath()] {
		fail(c, compliance.Errorf(compliance.KindForbidden, "password_change_required", "请先修改初始密码"))
		return
	}
	c.Set("account", a)
	c.Next()
}

func (s *Server) authorize(c *gin.Context) {
	roles, ok := permissions[c.Request.Method+" "+c.FullPath()]
	if !ok {
		fail(c, compliance.Errorf(compliance.KindForbidden, "forbidden", "当前账号无权执行此操作"))
		return
	}
	if roles != nil && !slices.Contains(roles, account(c).Role) {
		fail(c, compliance.Errorf(compliance.KindForbidden, "forbidden", "%s无权执行此操作", account(c).Role.Name()))
		return
	}
	c.Next()
}

func (s *Server) recover(c *gin.Context) {
	defer func() {
		if v := recover(); v != nil {
			s.log.ErrorContext(c.Request.Context(), "panic in handler", "path", c.FullPath(), "panic", v)
			fail(c, compliance.Errorf(compliance.KindInternal, "internal", "服务器内部错误"))
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
