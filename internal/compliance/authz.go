package compliance

import "slices"

// Action is something an account asks to do. The grants table below says
// which roles may take each action and over which departments; the HTTP
// routes name the action they take, and the service asks the same table.
type Action string

// The actions. Reads of what every signed-in account may see are actions
// too, so that every route names one.
const (
	ActOwnAccount       Action = "own_account"      // the account's own session, password and inbox
	ActRotateToken      Action = "rotate_token"     // a fresh token: one's own; another's is the admin's (RotateToken)
	ActReadDepartments  Action = "read_departments" // the list of departments
	ActCreateDepartment Action = "create_department"
	// ActManageAccounts creates, changes and re-keys accounts; a department
	// admin manages its own department's clerks only (deptAdminManages).
	ActManageAccounts Action = "manage_accounts"
	// ActListAccounts lists accounts; who sees which is ListAccounts' rule.
	ActListAccounts Action = "list_accounts"

	ActReadCatalog      Action = "read_catalog"       // power items and their versions
	ActSaveItem         Action = "save_item"          // create or adjust an item (动态调整)
	ActReadPendingItems Action = "read_pending_items" // adjustments waiting for 审定
	ActReviewItem       Action = "review_item"        // approve or reject an adjustment (审定)
	ActReadCleanup      Action = "read_cleanup"       // the catalog cleanup list

	ActReadCases    Action = "read_cases"    // cases, their steps and approvals, the workbench
	ActSubmitStep   Action = "submit_step"   // record a step of a case
	ActSignApproval Action = "sign_approval" // sign a checkpoint's approval; the step names the role (approvalRole)

	ActReadWarnings      Action = "read_warnings"      // warnings, one by one, listed or exported
	ActTransitionWarning Action = "transition_warning" // move a warning; each move has its roles (lifecycle)
	ActReadUnchecked     Action = "read_unchecked"     // steps stored without a policy check

	ActReadAudit Action = "read_audit" // the audit log and its verification

	ActReadCalendar Action = "read_calendar"
	ActPutCalendar  Action = "put_calendar"

	ActReadPolicies  Action = "read_policies"  // policies, parameters, revisions, rules
	ActEditPolicy    Action = "edit_policy"    // drafts, their tests and impact dry runs
	ActPublishPolicy Action = "publish_policy" // publish or roll back a revision

	ActReadSettings Action = "read_settings"
	// ActConfigure changes the district's settings and reads and changes
	// its notification routes, webhooks and mail.
	ActConfigure Action = "configure"
	// ActRunJobs starts the district's bulk jobs by hand: the sweep, closing
	// patrol days and months, the catalog check. The system runs them too.
	ActRunJobs Action = "run_jobs"

	ActReadStats Action = "read_stats" // statistics and dashboards

	ActReadSpotChecks  Action = "read_spot_checks"
	ActWriteSpotChecks Action = "write_spot_checks" // draw a spot check, record its findings

	ActRecordPatrol  Action = "record_patrol"  // an inspector's daily patrol of its department
	ActReadReports   Action = "read_reports"   // the patrol ledger and monthly reports
	ActExplainMonth  Action = "explain_month"  // a month's written explanation and its signed scan
	ActReadScan      Action = "read_scan"      // an explanation's signed scan
	ActReadBulletin  Action = "read_bulletin"  // the quarterly bulletin
	ActIssueDocument Action = "issue_document" // the kind of document narrows the roles (documentKinds)
	ActReadDocuments Action = "read_documents" // documents; department accounts read their department's
)

// Scope says over which departments a granted role may take an action.
type Scope int

const (
	// AnyDepartment: the action concerns no one department, or every role
	// granted it acts for the whole district.
	AnyDepartment Scope = iota
	// OwnDepartment: department-scoped roles (Role.DepartmentScoped) take
	// the action on their own department only; the district's roles
	// (admin, legal, oversight, supervision) on every one.
	OwnDepartment
)

// grant is who may take an action: roles nil admits every signed-in account.
type grant struct {
	roles []Role
	scope Scope
}

// everyone admits every signed-in account.
var everyone []Role

// allRoles names every role one by one: unlike everyone, a role added
// later is not admitted until it is listed.
var allRoles = []Role{RoleAdmin, RoleDeptAdmin, RoleClerk, RoleDeptInspector, RoleLegal, RoleOversight, RoleSupervision}

// grants is the one authorization table. Rules finer than a role and a
// department (which step a role signs, which warning move it makes, which
// accounts a department admin manages) stay with the service methods that
// apply them, written against the same roles.
var grants = map[Action]grant{
	ActOwnAccount:       {everyone, AnyDepartment},
	ActRotateToken:      {allRoles, AnyDepartment},
	ActReadDepartments:  {everyone, AnyDepartment},
	ActCreateDepartment: {[]Role{RoleAdmin}, AnyDepartment},
	ActManageAccounts:   {[]Role{RoleAdmin, RoleDeptAdmin}, OwnDepartment},
	// Supervision oversees the inspectors: it lists theirs (ListAccounts).
	ActListAccounts: {[]Role{RoleAdmin, RoleDeptAdmin, RoleSupervision}, OwnDepartment},

	ActReadCatalog:      {everyone, OwnDepartment},
	ActSaveItem:         {[]Role{RoleLegal, RoleDeptAdmin}, OwnDepartment},
	ActReadPendingItems: {[]Role{RoleLegal, RoleDeptAdmin}, OwnDepartment},
	ActReviewItem:       {[]Role{RoleLegal}, AnyDepartment},
	ActReadCleanup:      {[]Role{RoleLegal, RoleOversight, RoleDeptAdmin}, OwnDepartment},

	ActReadCases:    {everyone, OwnDepartment},
	ActSubmitStep:   {[]Role{RoleClerk, RoleDeptAdmin}, OwnDepartment},
	ActSignApproval: {ApproverRoles, OwnDepartment},

	ActReadWarnings:      {everyone, OwnDepartment},
	ActTransitionWarning: {[]Role{RoleDeptAdmin, RoleDeptInspector, RoleOversight, RoleSupervision}, OwnDepartment},
	ActReadUnchecked:     {[]Role{RoleAdmin, RoleLegal, RoleOversight, RoleSupervision}, AnyDepartment},

	ActReadAudit: {[]Role{RoleAdmin, RoleSupervision}, AnyDepartment},

	ActReadCalendar: {everyone, AnyDepartment},
	ActPutCalendar:  {[]Role{RoleAdmin}, AnyDepartment},

	ActReadPolicies:  {everyone, AnyDepartment},
	ActEditPolicy:    {[]Role{RoleLegal}, AnyDepartment},
	ActPublishPolicy: {[]Role{RoleLegal}, AnyDepartment},

	ActReadSettings: {everyone, AnyDepartment},
	ActConfigure:    {[]Role{RoleAdmin}, AnyDepartment},
	ActRunJobs:      {[]Role{RoleAdmin}, AnyDepartment},

	ActReadStats: {[]Role{RoleAdmin, RoleOversight, RoleSupervision, RoleDeptAdmin, RoleDeptInspector}, OwnDepartment},

	ActReadSpotChecks:  {[]Role{RoleSupervision, RoleOversight}, AnyDepartment},
	ActWriteSpotChecks: {[]Role{RoleSupervision}, AnyDepartment},

	ActRecordPatrol: {[]Role{RoleDeptInspector}, OwnDepartment},
	ActReadReports:  {everyone, OwnDepartment},
	ActExplainMonth: {[]Role{RoleDeptAdmin}, OwnDepartment},
	// The legal office keeps the catalog, not the departments' reports.
	ActReadScan:      {[]Role{RoleDeptAdmin, RoleClerk, RoleDeptInspector, RoleOversight, RoleSupervision, RoleAdmin}, OwnDepartment},
	ActReadBulletin:  {[]Role{RoleOversight, RoleSupervision, RoleAdmin}, AnyDepartment},
	ActIssueDocument: {[]Role{RoleOversight, RoleSupervision}, AnyDepartment},
	ActReadDocuments: {[]Role{RoleAdmin, RoleOversight, RoleSupervision, RoleDeptAdmin, RoleDeptInspector}, OwnDepartment},
}

// Authorize returns nil when who may take act on department's objects
// (department "" when the action concerns no one department, or it is not
// known yet), else the forbidden error: code forbidden when the role is not
// granted act (or who is nil, or act unknown), other_department when a
// department-scoped account names another department.
func Authorize(who *Account, act Action, department string) error {
	g, ok := grants[act]
	if !ok || who == nil {
		return errForbidden
	}
	if g.roles != nil && !slices.Contains(g.roles, who.Role) {
		return errForbidden
	}
	if g.scope == OwnDepartment && department != "" && !who.CanSeeDepartment(department) {
		return Errorf(ClassForbidden, "other_department", "无权查看其他部门（%s）的数据", department)
	}
	return nil
}

// authorizeJob is Authorize for the bulk jobs the system runs on its own:
// who nil is the system, which may.
func authorizeJob(who *Account, act Action) error {
	if who == nil {
		return nil
	}
	return Authorize(who, act, "")
}

// Roles returns the roles granted a, nil when every signed-in account is,
// and false when a is not in the table.
func (a Action) Roles() ([]Role, bool) {
	g, ok := grants[a]
	return slices.Clone(g.roles), ok
}

// Actions lists every action of the table, sorted.
func Actions() []Action {
	out := make([]Action, 0, len(grants))
	for a := range grants {
		out = append(out, a)
	}
	slices.Sort(out)
	return out
}
