package httpapi

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"

	"powercheck/internal/compliance"
	"powercheck/internal/notify"
)

// apiPrefix is where the API's routes live; the table's paths are under it.
const apiPrefix = "/api/v1"

// route is one API route and everything that is decided per route.
type route struct {
	method string
	path   string // under apiPrefix, with gin's :params
	// action is what the account must be authorized for
	// (compliance.Authorize); open routes have none.
	action compliance.Action
	// open routes are served before any account exists: signing in, the
	// API's description.
	open bool
	// subjects names the stored objects a change's audit entry digests
	// (auditsubjects.go). A change that touches no single object (a bulk
	// job, whose effects are the warnings it raises, or a dry run) says
	// why in noSubjects instead. Reads have neither.
	subjects   subjectsOf
	noSubjects string
	// heavy reads may take many megabytes or seconds (a case with its steps
	// and warnings, lists, exports, reports, statistics, the audit log, item
	// histories, the policy dry runs): they count against
	// MaxHeavyPerAccount. A single warning or item version is not heavy:
	// the console reads a case's warnings all at once.
	heavy bool
	// secret bodies hold a password or a key: their audit entries carry no
	// digest of the body, which would let a weak one be guessed offline.
	secret bool
	// beforeAsRead: the state of the subjects (a step and its case) before
	// the change is the one the handler reads and checks the step against,
	// noted by the store, not read before the handler runs
	// (compliance.AuditIntent.BeforeAsRead).
	beforeAsRead bool
	password     bool  // open to an account that must change its password first
	maxBody      int64 // the route's own body limit (uploads); 0: the server's
	handlers     []gin.HandlerFunc
}

// key is the route as permissions, audit entries and metrics name it:
// "METHOD /api/v1/path".
func (r route) key() string { return r.method + " " + apiPrefix + r.path }

// read is a GET route.
func read(path string, act compliance.Action, h ...gin.HandlerFunc) route {
	return route{method: http.MethodGet, path: path, action: act, handlers: h}
}

// change is a route that changes the objects subjects names.
func change(method, path string, act compliance.Action, subjects subjectsOf, h ...gin.HandlerFunc) route {
	return route{method: method, path: path, action: act, subjects: subjects, handlers: h}
}

// changeNoObject is a route that changes no single object; why says so in
// the table.
func changeNoObject(method, path string, act compliance.Action, why string, h ...gin.HandlerFunc) route {
	return route{method: method, path: path, action: act, noSubjects: why, handlers: h}
}

// openRoute is a route that needs no account.
func openRoute(method, path string, h ...gin.HandlerFunc) route {
	return route{method: method, path: path, open: true, handlers: h}
}

func (r route) heavyRequest() route         { r.heavy = true; return r }
func (r route) secretBody() route           { r.secret = true; return r }
func (r route) stateAsRead() route          { r.beforeAsRead = true; return r }
func (r route) duringPasswordChange() route { r.password = true; return r }
func (r route) ownBodyLimit(n int64) route  { r.maxBody = n; return r }

// routes is the API's one route table: every route under /api/v1, declared
// once. Registration, authentication, the permission check, the heavy-request
// limit, body limits and the audit are all derived from it (register), and
// New refuses a table that is incomplete (checkRoutes).
//
// To add a route, add one line here:
//   - read(path, action, handler) for a GET, the handler a method of the
//     capability's type in h;
//   - change(method, path, action, subjects, handler) for anything else, with
//     the objects its audit entry digests (param, bodyField, created or a
//     function of auditsubjects.go), or changeNoObject(…, why, handler) when
//     it touches no single object (a bulk job, a dry run);
//   - the action says who may call it: pick one of compliance's actions
//     (internal/compliance/authz.go), or add one there with its roles and
//     department scope; the service applies the department and finer rules;
//   - .heavyRequest() for reads that may take megabytes or seconds,
//     .secretBody() when the body holds a secret, .ownBodyLimit(n) for
//     uploads, .duringPasswordChange() for what an account that must change
//     its password may still do;
//   - then describe it in openapi.yaml: the contract test holds the API to it.
//
// The public side (/api/public/v1, public.go) needs no account and is not
// in the table. The handlers are methods of the capability types in h
// (handlers.go); routes takes only their method values, so it also lists
// the table without a server (apiRoutes). It is one table, kept whole so
// that every route can be read in one place.
func routes(h handlers) []route {
	const get, post, put, patch, del = http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete
	return []route{
		// Signing in makes a session; the API's description holds no data.
		openRoute(post, "/session", limitBody(4<<10), h.sessions.signIn),
		openRoute(get, "/openapi.json", h.docs.openAPI),
		openRoute(get, "/docs", h.docs.page),

		// The account's own session.
		read("/session", compliance.ActOwnAccount, h.sessions.get).duringPasswordChange(),
		changeNoObject(del, "/session", compliance.ActOwnAccount, "ends a session; no account changes", h.sessions.signOut).duringPasswordChange(),
		change(post, "/session/password", compliance.ActOwnAccount, ownAccount, h.sessions.changePassword).secretBody().duringPasswordChange(),
		read("/me", compliance.ActOwnAccount, h.accounts.me),

		// Departments and accounts.
		change(post, "/departments", compliance.ActCreateDepartment, bodyField(compliance.SubjectDepartment, "code"), h.accounts.createDepartment),
		read("/departments", compliance.ActReadDepartments, h.accounts.listDepartments),
		change(post, "/accounts", compliance.ActManageAccounts, bodyField(compliance.SubjectAccount, "username"), h.accounts.createAccount),
		read("/accounts", compliance.ActListAccounts, h.accounts.listAccounts),
		change(patch, "/accounts/:username", compliance.ActManageAccounts, param(compliance.SubjectAccount, "username"), h.accounts.updateAccount),
		change(post, "/accounts/:username/password", compliance.ActManageAccounts, param(compliance.SubjectAccount, "username"), h.sessions.setAccountPassword).secretBody(),
		change(post, "/accounts/:username/token", compliance.ActRotateToken, param(compliance.SubjectAccount, "username"), noBody, h.accounts.rotateToken),

		// The catalog, its adjustments and their approvals (审定).
		read("/power-items", compliance.ActReadCatalog, h.catalog.listItems).heavyRequest(),
		read("/power-items/pending", compliance.ActReadPendingItems, h.catalog.pendingItems).heavyRequest(),
		read("/power-items/:code", compliance.ActReadCatalog, h.catalog.getItem),
		change(put, "/power-items/:code", compliance.ActSaveItem, param(compliance.SubjectItem, "code"), h.catalog.putItem),
		read("/power-items/:code/versions", compliance.ActReadCatalog, h.catalog.itemVersions).heavyRequest(),
		change(post, "/power-items/:code/versions/:version/approve", compliance.ActReviewItem, param(compliance.SubjectItem, "code"), h.catalog.approveItem),
		change(post, "/power-items/:code/versions/:version/reject", compliance.ActReviewItem, param(compliance.SubjectItem, "code"), h.catalog.rejectItem),
		read("/catalog/cleanup", compliance.ActReadCleanup, h.catalog.cleanup).heavyRequest(),
		changeNoObject(post, "/catalog/check", compliance.ActRunJobs, "a bulk job", noBody, h.catalog.check),

		// Cases, their steps and approvals.
		change(post, "/steps", compliance.ActSubmitStep, stepAndCase, h.cases.submitStep).stateAsRead(),
		// A batch names no single object: the warnings its steps raised are
		// its entry's effects, its request digest covers every step.
		changeNoObject(post, "/steps/batch", compliance.ActSubmitStep, "a bulk submission of steps: the warnings they raised are its effects",
			h.cases.submitSteps).ownBodyLimit(maxBatchBody).heavyRequest(),
		read("/cases", compliance.ActReadCases, h.cases.list).heavyRequest(),
		read("/cases/:case_no", compliance.ActReadCases, h.cases.get).heavyRequest(),
		read("/cases/:case_no/steps", compliance.ActReadCases, h.cases.steps).heavyRequest(),
		// The entry's target names the case (case_no) and the step (step_code).
		change(post, "/cases/:case_no/approvals", compliance.ActSignApproval, created(compliance.SubjectApproval, "id"), h.supervision.signApproval),
		read("/cases/:case_no/approvals", compliance.ActReadCases, h.supervision.caseApprovals),
		read("/approvals/pending", compliance.ActSignApproval, h.supervision.pendingApprovals),
		read("/workbench", compliance.ActReadCases, h.cases.workbench).heavyRequest(),

		// Warnings.
		read("/warnings", compliance.ActReadWarnings, h.supervision.listWarnings).heavyRequest(),
		read("/warnings/export", compliance.ActReadWarnings, h.supervision.exportWarnings).heavyRequest(),
		read("/warnings/:id", compliance.ActReadWarnings, h.supervision.getWarning),
		change(post, "/warnings/:id/transitions", compliance.ActTransitionWarning, param(compliance.SubjectWarning, "id"), h.supervision.transitionWarning),
		read("/checks/unchecked", compliance.ActReadUnchecked, h.cases.unchecked),
		changeNoObject(post, "/sweeps", compliance.ActRunJobs, "a bulk job: its effects are the warnings it raises", noBody, h.cases.sweep),

		// The audit log.
		read("/audit", compliance.ActReadAudit, h.audit.list).heavyRequest(),
		read("/audit/verify", compliance.ActReadAudit, h.audit.verify).heavyRequest(),

		// Statistics.
		read("/stats/warnings", compliance.ActReadStats, h.reports.warningStats).heavyRequest(),
		read("/stats/departments", compliance.ActReadStats, h.reports.departmentStats).heavyRequest(),
		read("/stats/patrols", compliance.ActReadStats, h.reports.patrolStats).heavyRequest(),
		read("/stats/explanations", compliance.ActReadStats, h.reports.explanationStats).heavyRequest(),

		// Spot checks.
		change(post, "/spot-checks", compliance.ActWriteSpotChecks, created(compliance.SubjectSpotCheck, "id"), h.supervision.createSpotCheck),
		read("/spot-checks", compliance.ActReadSpotChecks, h.supervision.listSpotChecks),
		read("/spot-checks/:id", compliance.ActReadSpotChecks, h.supervision.getSpotCheck),
		change(post, "/spot-checks/:id/findings", compliance.ActWriteSpotChecks, param(compliance.SubjectSpotCheck, "id"), h.supervision.recordSpotCheckFinding),

		// Policies and their parameters.
		read("/policies", compliance.ActReadPolicies, h.policies.listModules),
		change(put, "/policies/:module", compliance.ActEditPolicy, param(compliance.SubjectPolicyDraft, "module"), h.policies.putModule),
		read("/policies/params", compliance.ActReadPolicies, h.policies.getParams),
		change(put, "/policies/params", compliance.ActEditPolicy, fixed(compliance.SubjectPolicyDraft, compliance.ParamsDraft), h.policies.putParams),
		change(post, "/policies/publish", compliance.ActPublishPolicy, fixed(compliance.SubjectPolicies, ""), h.policies.publish),
		change(post, "/policies/rollback", compliance.ActPublishPolicy, fixed(compliance.SubjectPolicies, ""), h.policies.rollback),
		changeNoObject(post, "/policies/impact", compliance.ActEditPolicy, "a dry run: nothing stored", h.policies.impact).heavyRequest(),
		read("/policies/revisions", compliance.ActReadPolicies, h.policies.revisions),
		read("/policies/revisions/:revision", compliance.ActReadPolicies, h.policies.revision),
		changeNoObject(post, "/policies/tests", compliance.ActEditPolicy, "runs the tests: nothing stored", noBody, h.policies.runTests).heavyRequest(),
		read("/rules", compliance.ActReadPolicies, h.policies.listRules),

		// The calendar and the settings.
		read("/calendar", compliance.ActReadCalendar, h.accounts.calendarOverview),
		read("/calendar/:year", compliance.ActReadCalendar, h.accounts.getCalendarYear),
		change(put, "/calendar/:year", compliance.ActPutCalendar, param(compliance.SubjectCalendar, "year"), h.accounts.putCalendarYear),
		read("/settings", compliance.ActReadSettings, h.accounts.getSettings),
		change(put, "/settings", compliance.ActConfigure, fixed(compliance.SubjectSettings, compliance.SettingsKey), h.accounts.putSettings),

		// The account's inbox and who hears which event.
		read("/notifications", compliance.ActOwnAccount, h.notifications.list),
		read("/notifications/count", compliance.ActOwnAccount, h.notifications.count),
		changeNoObject(post, "/notifications/read-all", compliance.ActOwnAccount, "marks in the account's own inbox, not records", noBody, h.notifications.readAll),
		changeNoObject(post, "/notifications/:id/read", compliance.ActOwnAccount, "a mark in the account's own inbox, not a record", noBody, h.notifications.read),
		read("/notifications/routes", compliance.ActConfigure, h.notifications.getRoutes),
		change(put, "/notifications/routes", compliance.ActConfigure, fixed(compliance.SubjectSettings, notify.RoutesKey), h.notifications.putRoutes),

		// The patrol ledger, monthly reports and the quarterly bulletin.
		change(post, "/patrols", compliance.ActRecordPatrol, created(compliance.SubjectPatrol, "id"), h.patrols.record),
		read("/ledgers/patrols", compliance.ActReadReports, h.patrols.ledger).heavyRequest(),
		changeNoObject(post, "/patrols/close-days", compliance.ActRunJobs, "a bulk job", h.patrols.closeDays),
		read("/reports/monthly", compliance.ActReadReports, h.reports.monthlyReport).heavyRequest(),
		change(post, "/reports/monthly/explanations", compliance.ActExplainMonth, explanationSubjects, h.reports.postExplanation),
		// The signed scan is the raw body, up to compliance.MaxScanBytes; its
		// type is read from its content.
		change(put, "/reports/monthly/explanations/:department/:month/scan", compliance.ActExplainMonth, scanSubjects, h.reports.putExplanationScan).
			ownBodyLimit(compliance.MaxScanBytes),
		read("/reports/monthly/explanations/:department/:month/scan", compliance.ActReadScan, h.reports.getExplanationScan),
		changeNoObject(post, "/reports/monthly/close", compliance.ActRunJobs, "a bulk job", h.reports.closeMonth),
		read("/reports/quarterly", compliance.ActReadBulletin, h.reports.quarterlyBulletin).heavyRequest(),

		// Documents (文书); the kind narrows who issues it (service).
		// A document about a warning also enters its history: the warning
		// is among the entry's effects.
		change(post, "/documents", compliance.ActIssueDocument, created(compliance.SubjectDocument, "id"), h.documents.issue),
		read("/documents", compliance.ActReadDocuments, h.documents.list),
		read("/documents/:id", compliance.ActReadDocuments, h.documents.get),

		// Webhooks and mail; without their services they answer 404 (ready).
		read("/webhooks", compliance.ActConfigure, h.webhooks.ready, h.webhooks.list),
		change(put, "/webhooks/:name", compliance.ActConfigure, hookSubject, h.webhooks.ready, h.webhooks.put).secretBody(),
		change(del, "/webhooks/:name", compliance.ActConfigure, hookSubject, h.webhooks.ready, noBody, h.webhooks.delete),
		read("/webhooks/:name/deliveries", compliance.ActConfigure, h.webhooks.ready, h.webhooks.deliveries),
		changeNoObject(post, "/webhooks/:name/replay", compliance.ActConfigure, "deliveries made due again: no configuration changes", h.webhooks.ready, h.webhooks.replay),
		read("/webhooks-settings", compliance.ActConfigure, h.webhooks.ready, h.webhooks.getSettings),
		change(put, "/webhooks-settings", compliance.ActConfigure, settingsSubject("webhooks"), h.webhooks.ready, h.webhooks.putSettings),
		read("/mail-settings", compliance.ActConfigure, h.webhooks.ready, h.webhooks.getMail),
		change(put, "/mail-settings", compliance.ActConfigure, settingsSubject("mail"), h.webhooks.ready, h.webhooks.putMail).secretBody(),
	}
}

// apiRoutes is the route table without a server, for what only reads its
// declarations (Permissions, Routes).
var apiRoutes = sync.OnceValue(func() []route {
	return routes(handlers{})
})

// checkRoutes reports what is missing or contradictory in a route table:
// a route without a known action, a change without its audit subjects (or
// the reason it has none), a read with them, a route declared twice.
func checkRoutes(table []route) error {
	var errs []error
	seen := map[string]bool{}
	for _, r := range table {
		k := r.key()
		if seen[k] {
			errs = append(errs, fmt.Errorf("%s: declared twice", k))
		}
		seen[k] = true
		if len(r.handlers) == 0 {
			errs = append(errs, fmt.Errorf("%s: no handler", k))
		}
		if r.open {
			if r.action != "" || r.subjects != nil || r.noSubjects != "" {
				errs = append(errs, fmt.Errorf("%s: an open route takes no action and is not audited", k))
			}
			continue
		}
		if _, ok := r.action.Roles(); !ok {
			errs = append(errs, fmt.Errorf("%s: action %q is not in compliance's authorization table", k, r.action))
		}
		reads := r.method == http.MethodGet || r.method == http.MethodHead
		switch {
		case reads && (r.subjects != nil || r.noSubjects != ""):
			errs = append(errs, fmt.Errorf("%s: a read has no audit subjects", k))
		case !reads && r.subjects == nil && r.noSubjects == "":
			errs = append(errs, fmt.Errorf("%s: a change must name its audit subjects, or why it has none", k))
		case !reads && r.subjects != nil && r.noSubjects != "":
			errs = append(errs, fmt.Errorf("%s: audit subjects and a reason for none", k))
		}
	}
	return errors.Join(errs...)
}

// register adds the table's routes: the open ones to r, the others to api,
// behind authentication. Every route's chain is derived from its entry: the
// permission check, the parameters' check, the heavy-request limit, the
// audit, then its handlers.
func (s *Server) register(r *gin.Engine, api *gin.RouterGroup, table []route, heavy *heavyLimiter) {
	for _, rt := range table {
		if rt.open {
			r.Handle(rt.method, apiPrefix+rt.path, rt.handlers...)
			continue
		}
		chain := []gin.HandlerFunc{s.authorize(&rt), checkParams, heavy.handle, s.audit}
		api.Handle(rt.method, rt.path, append(chain, rt.handlers...)...)
	}
}

// routeKey is where authorize leaves the matched route for the middleware
// after it.
const routeKey = "httpapi.route"

// routeOf returns the route authorize matched.
func routeOf(c *gin.Context) *route {
	return c.MustGet(routeKey).(*route)
}

// authorize admits the account to rt: an account that must change its
// password only to the routes that let it, then the roles compliance
// grants rt's action. The department is the service's to check: it is not
// known before the handler reads the request.
func (s *Server) authorize(rt *route) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Set(routeKey, rt)
		a := account(c)
		if a.MustChangePassword && !rt.password {
			fail(c, compliance.Errorf(compliance.ClassForbidden, "password_change_required", "请先修改初始密码"))
			return
		}
		if err := compliance.Authorize(a, rt.action, ""); err != nil {
			// The gate names the role: the account learns which of its
			// roles lacks the right, not just that something does.
			fail(c, compliance.Errorf(compliance.ClassForbidden, "forbidden", "%s无权执行此操作", a.Role.Name()))
			return
		}
		c.Next()
	}
}

// heavyRoutes are the table's heavy routes ("METHOD /api/v1/path").
func heavyRoutes(table []route) map[string]bool {
	out := map[string]bool{}
	for _, r := range table {
		if r.heavy {
			out[r.key()] = true
		}
	}
	return out
}

// bodyLimits are the table's routes with a body limit of their own.
func bodyLimits(table []route) map[string]int64 {
	out := map[string]int64{}
	for _, r := range table {
		if r.maxBody > 0 {
			out[r.key()] = r.maxBody
		}
	}
	return out
}

// Permissions returns the permission table: route ("METHOD /path", with
// gin's :params) → the roles admitted; nil admits every signed-in account.
// The open routes (signing in, the API's description) are not in it.
func Permissions() map[string][]compliance.Role {
	out := map[string][]compliance.Role{}
	for _, r := range apiRoutes() {
		if !r.open {
			out[r.key()], _ = r.action.Roles()
		}
	}
	return out
}

// Routes lists the API routes ("METHOD /path") that h, a handler made by
// New, serves for a signed-in account: every one but the open routes
// (signing in, the API's description) and the public side.
func Routes(h http.Handler) []string {
	e, ok := h.(*gin.Engine)
	if !ok {
		return nil
	}
	skip := openRoutes()
	var out []string
	for _, ri := range e.Routes() {
		if strings.HasPrefix(ri.Path, "/api/") && !skip[ri.Method+" "+ri.Path] && !strings.HasPrefix(ri.Path, publicPrefix) {
			out = append(out, ri.Method+" "+ri.Path)
		}
	}
	slices.Sort(out)
	return out
}

// openRoutes are the table's routes that need no account.
func openRoutes() map[string]bool {
	out := map[string]bool{}
	for _, r := range apiRoutes() {
		if r.open {
			out[r.key()] = true
		}
	}
	return out
}
