package notify

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"powercheck/internal/compliance"
)

func TestDefaultRoutesAreValid(t *testing.T) {
	t.Parallel()
	rs := DefaultRoutes()
	if err := rs.validate(); err != nil {
		t.Fatalf("default routes: %v", err)
	}
	for _, e := range compliance.EventNames {
		if !slices.ContainsFunc(rs.Routes, func(r Route) bool { return r.Event == e }) {
			t.Errorf("nobody hears %s by default", e)
		}
	}
}

func TestValidateNamesEachBadField(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		routes []Route
		fields []string
	}{
		{"valid", []Route{{Event: compliance.EventWarningRaised, Level: compliance.LevelAlarm, Roles: []string{"oversight"}}}, nil},
		{"unknown event", []Route{{Event: "warning.nope", Roles: []string{"oversight"}}}, []string{"routes[0].event"}},
		{"unknown role", []Route{{Event: compliance.EventPatrolShort, Roles: []string{"dept_admin", "boss"}}}, []string{"routes[0].roles[1]"}},
		{"repeated role", []Route{{Event: compliance.EventPatrolShort, Roles: []string{"dept_admin", "dept_admin"}}}, []string{"routes[0].roles[1]"}},
		{"bad level", []Route{{Event: compliance.EventWarningRaised, Level: "red", Roles: []string{"oversight"}}}, []string{"routes[0].level"}},
		{"level off a warning event", []Route{{Event: compliance.EventPatrolShort, Level: "alarm", Roles: []string{"dept_admin"}}}, []string{"routes[0].level"}},
		{"action off transitions", []Route{{Event: compliance.EventWarningRaised, Action: "refer", Roles: []string{"oversight"}}}, []string{"routes[0].action"}},
		{"unknown action", []Route{{Event: compliance.EventWarningTransitioned, Action: "lift", Roles: []string{"oversight"}}}, []string{"routes[0].action"}},
		{"approver off approvals", []Route{{Event: compliance.EventPatrolShort, Approver: true, Roles: []string{"dept_admin"}}}, []string{"routes[0].approver"}},
		{"nobody", []Route{{Event: compliance.EventPatrolShort}}, []string{"routes[0].roles"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs := Routes{Routes: tt.routes}
			err := rs.validate()
			var e *compliance.Error
			if tt.fields == nil {
				if err != nil {
					t.Fatalf("err = %v, want none", err)
				}
				return
			}
			if !errors.As(err, &e) || e.Code != "invalid_routes" {
				t.Fatalf("err = %v, want invalid_routes", err)
			}
			var got []string
			for _, f := range e.Details.([]compliance.FieldError) {
				got = append(got, f.Field)
			}
			if !slices.Equal(got, tt.fields) {
				t.Errorf("fields = %v, want %v", got, tt.fields)
			}
		})
	}
}

func TestRoutesMatchTheirFilters(t *testing.T) {
	t.Parallel()
	alarm := compliance.WarningRaisedEvent(compliance.Warning{ID: 7, Level: compliance.LevelAlarm, DepartmentCode: "ZJJ", CaseNo: "C1"}, "", time.Now())
	pre := compliance.WarningRaisedEvent(compliance.Warning{ID: 8, Level: compliance.LevelPrewarning, DepartmentCode: "ZJJ", CaseNo: "C1"}, "", time.Now())
	refer := compliance.WarningTransitionEvent(compliance.Transition{WarningID: 7, Action: compliance.ActionRefer, At: time.Now()},
		compliance.Warning{ID: 7, Level: compliance.LevelAlarm})
	onlyAlarms := Route{Event: compliance.EventWarningRaised, Level: compliance.LevelAlarm}
	onlyRefer := Route{Event: compliance.EventWarningTransitioned, Action: compliance.ActionRefer}
	tests := []struct {
		name string
		r    Route
		e    compliance.Event
		want bool
	}{
		{"an alarm, for alarms", onlyAlarms, alarm, true},
		{"a pre-warning, for alarms", onlyAlarms, pre, false},
		{"a referral, for referrals", onlyRefer, refer, true},
		{"a raised warning, for referrals", onlyRefer, alarm, false},
		{"any level", Route{Event: compliance.EventWarningRaised}, pre, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.r.matches(tt.e, factsOf(tt.e)); got != tt.want {
				t.Errorf("matches = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestDescribeLinksToTheObject(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		e            compliance.Event
		title, link  string
		summaryNotes bool
	}{
		{"an alarm", compliance.WarningRaisedEvent(compliance.Warning{ID: 12, Level: compliance.LevelAlarm, Message: "超期",
			DepartmentCode: "ZJJ", CaseNo: "ZJJ-1"}, "", time.Now()), "新报警 · 办件 ZJJ-1", "/warnings/12", true},
		{"patrols short", compliance.PatrolShortEvent(compliance.PatrolShort{Department: "ZJJ", Date: "2026-03-04", Done: 1, Required: 2}, time.Now()),
			"巡查次数不足 · ZJJ", "/patrols", true},
		{"an approval", compliance.ApprovalWaitingEvent(compliance.PendingApproval{CaseNo: "ZJJ-2", DepartmentCode: "ZJJ",
			ItemName: "施工许可", StepName: "决定"}, time.Now()), "待审核 · 办件 ZJJ-2", "/cases/ZJJ-2", true},
		{"a policy", compliance.PolicyPublishedEvent(compliance.PolicyRevision{ID: 3, CreatedBy: "legal"}), "策略已发布 · 修订 3", "/policies", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			title, summary, link := describe(tt.e)
			if title != tt.title || link != tt.link || (tt.summaryNotes && summary == "") {
				t.Errorf("describe = %q, %q, %q; want %q, …, %q", title, summary, link, tt.title, tt.link)
			}
			if !json.Valid(tt.e.Data) {
				t.Errorf("data %s is not JSON", tt.e.Data)
			}
		})
	}
}
