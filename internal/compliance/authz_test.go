package compliance_test

import (
	"errors"
	"slices"
	"testing"

	"powercheck/internal/compliance"
)

func TestAuthorize(t *testing.T) {
	t.Parallel()
	acct := func(role compliance.Role, dept string) *compliance.Account {
		return &compliance.Account{Username: string(role), Role: role, DepartmentCode: dept}
	}
	zjjAdmin := acct(compliance.RoleDeptAdmin, "ZJJ")
	zjjClerk := acct(compliance.RoleClerk, "ZJJ")
	zjjInspector := acct(compliance.RoleDeptInspector, "ZJJ")
	admin := acct(compliance.RoleAdmin, "")
	legal := acct(compliance.RoleLegal, "")
	oversight := acct(compliance.RoleOversight, "")
	supervision := acct(compliance.RoleSupervision, "")
	for _, tt := range []struct {
		name     string
		who      *compliance.Account
		act      compliance.Action
		dept     string
		wantCode string // "" admitted
	}{
		{"everyone reads cases", zjjClerk, compliance.ActReadCases, "", ""},
		{"everyone manages its own session", oversight, compliance.ActOwnAccount, "", ""},
		{"a clerk submits steps", zjjClerk, compliance.ActSubmitStep, "", ""},
		{"a department admin submits steps", zjjAdmin, compliance.ActSubmitStep, "", ""},
		{"an inspector submits no steps", zjjInspector, compliance.ActSubmitStep, "", "forbidden"},
		{"the legal office submits no steps", legal, compliance.ActSubmitStep, "", "forbidden"},
		{"the legal office publishes policies", legal, compliance.ActPublishPolicy, "", ""},
		{"the admin publishes no policies", admin, compliance.ActPublishPolicy, "", "forbidden"},
		{"the admin runs the jobs", admin, compliance.ActRunJobs, "", ""},
		{"supervision runs no jobs", supervision, compliance.ActRunJobs, "", "forbidden"},
		{"supervision reads the audit log", supervision, compliance.ActReadAudit, "", ""},
		{"oversight reads no audit log", oversight, compliance.ActReadAudit, "", "forbidden"},
		{"oversight reads spot checks", oversight, compliance.ActReadSpotChecks, "", ""},
		{"oversight draws no spot checks", oversight, compliance.ActWriteSpotChecks, "", "forbidden"},
		{"an inspector records patrols", zjjInspector, compliance.ActRecordPatrol, "", ""},
		{"a department admin records no patrols", zjjAdmin, compliance.ActRecordPatrol, "", "forbidden"},
		{"every role rotates a token", zjjClerk, compliance.ActRotateToken, "", ""},
		{"the legal office reads no scans", legal, compliance.ActReadScan, "", "forbidden"},
		{"a clerk reads its department's scans", zjjClerk, compliance.ActReadScan, "ZJJ", ""},
		{"own department", zjjAdmin, compliance.ActReadCleanup, "ZJJ", ""},
		{"another department", zjjAdmin, compliance.ActReadCleanup, "SCJ", "other_department"},
		{"the role is checked before the department", zjjClerk, compliance.ActReadCleanup, "SCJ", "forbidden"},
		{"district roles reach every department", oversight, compliance.ActReadCleanup, "SCJ", ""},
		{"a department-wide action ignores the department", zjjAdmin, compliance.ActExplainMonth, "", ""},
		{"any-department actions ignore the department", supervision, compliance.ActWriteSpotChecks, "SCJ", ""},
		{"no account", nil, compliance.ActReadCases, "", "forbidden"},
		{"an unknown action", admin, compliance.Action("no_such_action"), "", "forbidden"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := compliance.Authorize(tt.who, tt.act, tt.dept)
			if tt.wantCode == "" {
				if err != nil {
					t.Fatalf("Authorize(%v, %s, %q) = %v, want nil", tt.who, tt.act, tt.dept, err)
				}
				return
			}
			var e *compliance.Error
			if !errors.As(err, &e) || e.Class != compliance.ClassForbidden || e.PublicCode() != tt.wantCode {
				t.Fatalf("Authorize(%v, %s, %q) = %v, want forbidden %s", tt.who, tt.act, tt.dept, err, tt.wantCode)
			}
		})
	}
}

// The denial is the service's one forbidden answer, whatever the action.
func TestAuthorizeDenialMessage(t *testing.T) {
	t.Parallel()
	err := compliance.Authorize(&compliance.Account{Role: compliance.RoleClerk}, compliance.ActConfigure, "")
	var e *compliance.Error
	if !errors.As(err, &e) {
		t.Fatalf("got %v, want a *compliance.Error", err)
	}
	if got, want := e.Message, "当前账号无权执行此操作"; got != want {
		t.Errorf("message %q, want %q", got, want)
	}
}

// Every action of the table grants known roles, each once; nil (every
// signed-in account) is a grant too, on purpose.
func TestActionsGrantKnownRoles(t *testing.T) {
	t.Parallel()
	acts := compliance.Actions()
	if len(acts) == 0 {
		t.Fatal("no actions")
	}
	for _, a := range acts {
		roles, ok := a.Roles()
		if !ok {
			t.Errorf("%s is listed but has no grant", a)
		}
		for i, r := range roles {
			if !r.Valid() {
				t.Errorf("%s grants unknown role %q", a, r)
			}
			if slices.Contains(roles[:i], r) {
				t.Errorf("%s grants %s twice", a, r)
			}
		}
		// Authorize agrees with Roles for every role.
		for _, r := range compliance.Roles {
			admitted := roles == nil || slices.Contains(roles, r)
			err := compliance.Authorize(&compliance.Account{Role: r, DepartmentCode: "ZJJ"}, a, "")
			if admitted != (err == nil) {
				t.Errorf("%s as %s: Authorize = %v, but Roles = %v", a, r, err, roles)
			}
		}
	}
	if _, ok := compliance.Action("no_such_action").Roles(); ok {
		t.Error("an unknown action has a grant")
	}
}
