package notify

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"powercheck/internal/compliance"
)

// Route says who hears an event. Accounts of department roles hear only
// the events of their own department (an event of no department, such as
// policy.published, reaches them all); accounts of district roles hear the
// events of every department.
type Route struct {
	Event string `json:"event"`
	// Level keeps, for the warning events, only warnings of this level
	// (prewarning or alarm); empty: every level.
	Level string `json:"level,omitempty"`
	// Action keeps, for warning.transitioned, only this lifecycle action;
	// empty: every action.
	Action string   `json:"action,omitempty"`
	Roles  []string `json:"roles"`
	// Handler adds the account of the handler of the step concerned.
	Handler bool `json:"handler"`
	// Approver adds, for approval.waiting, the accounts of the role that
	// signs the waiting checkpoint.
	Approver bool `json:"approver"`
}

// Routes is the routing table.
type Routes struct {
	Routes    []Route    `json:"routes"`
	UpdatedBy string     `json:"updated_by,omitempty"`
	UpdatedAt *time.Time `json:"updated_at,omitempty"`
}

// RoutesKey names the routing table among the stored settings.
const RoutesKey = "notification_routes"

var (
	deptPeople = []string{string(compliance.RoleDeptAdmin), string(compliance.RoleDeptInspector)}
	actions    = []string{compliance.ActionExplain, compliance.ActionBeginRectify, compliance.ActionRectify,
		compliance.ActionVerify, compliance.ActionRefer, compliance.ActionClose}
)

// DefaultRoutes is the table in force until an administrator saves one:
// the department hears of its warnings (the handler of the step too), the
// government affairs office of alarms, the supervision bureau of
// escalations and referrals, approvers of what waits for them, the
// department leader of explanations and patrols, the legal office of
// published policies.
func DefaultRoutes() Routes {
	return Routes{Routes: []Route{
		{Event: compliance.EventWarningRaised, Roles: deptPeople, Handler: true},
		{Event: compliance.EventWarningRaised, Level: compliance.LevelAlarm, Roles: []string{string(compliance.RoleOversight)}},
		{Event: compliance.EventWarningEscalated, Roles: append(slices.Clone(deptPeople), string(compliance.RoleOversight),
			string(compliance.RoleSupervision)), Handler: true},
		{Event: compliance.EventWarningTransitioned, Roles: deptPeople},
		{Event: compliance.EventWarningTransitioned, Action: compliance.ActionRefer, Roles: []string{string(compliance.RoleSupervision)}},
		{Event: compliance.EventWarningLifted, Roles: []string{string(compliance.RoleDeptInspector)}, Handler: true},
		{Event: compliance.EventApprovalWaiting, Roles: []string{}, Approver: true},
		{Event: compliance.EventExplanationDue, Roles: []string{string(compliance.RoleDeptAdmin)}},
		{Event: compliance.EventPatrolShort, Roles: []string{string(compliance.RoleDeptAdmin)}},
		{Event: compliance.EventPolicyPublished, Roles: []string{string(compliance.RoleLegal)}},
	}}
}

// MaxRoutes bounds the routing table.
const MaxRoutes = 100

func isWarningEvent(e string) bool {
	switch e {
	case compliance.EventWarningRaised, compliance.EventWarningEscalated, compliance.EventWarningTransitioned, compliance.EventWarningLifted:
		return true
	}
	return false
}

// validate checks the table, naming each bad field.
func (rs *Routes) validate() error {
	var v compliance.Validation
	if len(rs.Routes) > MaxRoutes {
		v.Add("routes", "通知规则不超过 %d 条", MaxRoutes)
	}
	for i, r := range rs.Routes {
		f := fmt.Sprintf("routes[%d]", i)
		if !slices.Contains(compliance.EventNames, r.Event) {
			v.Add(f+".event", "未知的事件 %.40q", r.Event)
		}
		switch {
		case r.Level == "":
		case !isWarningEvent(r.Event):
			v.Add(f+".level", "只有预警类事件可以按级别筛选")
		case r.Level != compliance.LevelPrewarning && r.Level != compliance.LevelAlarm:
			v.Add(f+".level", "级别须为 prewarning 或 alarm")
		}
		switch {
		case r.Action == "":
		case r.Event != compliance.EventWarningTransitioned:
			v.Add(f+".action", "只有 warning.transitioned 可以按处理动作筛选")
		case !slices.Contains(actions, r.Action):
			v.Add(f+".action", "未知的处理动作 %.32q", r.Action)
		}
		if r.Approver && r.Event != compliance.EventApprovalWaiting {
			v.Add(f+".approver", "只有 approval.waiting 有审核人")
		}
		if len(r.Roles) > len(compliance.Roles) {
			v.Add(f+".roles", "角色不超过 %d 个", len(compliance.Roles))
		}
		for j, role := range r.Roles {
			if !compliance.Role(role).Valid() {
				v.Add(fmt.Sprintf("%s.roles[%d]", f, j), "未知的角色 %.32q", role)
			} else if slices.Index(r.Roles, role) != j {
				v.Add(fmt.Sprintf("%s.roles[%d]", f, j), "角色 %s 重复", role)
			}
		}
		if len(r.Roles) == 0 && !r.Handler && !r.Approver {
			v.Add(f+".roles", "须至少指定一个角色，或经办人、审核人")
		}
	}
	return v.Err("invalid_routes", "通知规则不合法")
}

// facts are what routes are matched against, read from an event.
type facts struct {
	level, action string
	approverRole  compliance.Role
}

func factsOf(e compliance.Event) facts {
	var d struct {
		Level   string          `json:"level"`
		Action  string          `json:"action"`
		Role    compliance.Role `json:"role"`
		Warning struct {
			Level string `json:"level"`
		} `json:"warning"`
	}
	_ = json.Unmarshal(e.Data, &d) // a field that cannot be read matches no filter
	f := facts{level: d.Level, action: d.Action}
	switch e.Name {
	case compliance.EventWarningTransitioned, compliance.EventWarningLifted:
		f.level = d.Warning.Level
	case compliance.EventApprovalWaiting:
		f.approverRole, f.level, f.action = d.Role, "", ""
	}
	return f
}

// matches reports whether route r applies to event e with facts f.
func (r Route) matches(e compliance.Event, f facts) bool {
	return r.Event == e.Name && (r.Level == "" || r.Level == f.level) && (r.Action == "" || r.Action == f.action)
}
