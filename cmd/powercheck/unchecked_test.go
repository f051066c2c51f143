package main

import (
	"context"
	"testing"
	"time"

	"powercheck/internal/apitest"
	"powercheck/internal/compliance"
	"powercheck/internal/policy"
	"powercheck/internal/sqlstore/sqlstoretest"
	"powercheck/policies"
)

// broken compiles but fails at evaluation: its warning has no valid level.
const broken = `package compliance.broken

# METADATA
# title: 故障规则
# custom:
#   level: alarm
warnings contains {"rule": "broken.bad_level", "level": "red", "message": "级别无效"} if {
	input.event == "step"
}
`

// uncheckedAnswer is GET /api/v1/checks/unchecked: the steps stored without
// a check, and how many there are.
type uncheckedAnswer struct {
	Count int64 `json:"count"`
	Steps []struct {
		StepID          string     `json:"step_id"`
		CaseNo          string     `json:"case_no"`
		CheckError      string     `json:"check_error"`
		RecheckAttempts int        `json:"recheck_attempts"`
		NextRecheckAt   *time.Time `json:"next_recheck_at"`
	} `json:"steps"`
}

// listUnchecked reads the unchecked steps as token sees them.
func listUnchecked(t *testing.T, s *server, token string) uncheckedAnswer {
	t.Helper()
	return apitest.Get[uncheckedAnswer](t, s.Server, token, "/api/v1/checks/unchecked")
}

// A policy that fails at run time never loses the step: it is stored
// unchecked, counted, and checked again once a working revision is active.
func TestFailingPolicyKeepsTheStep(t *testing.T) {
	sqlstoretest.EachDSNParallel(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		store := sqlstoretest.MustOpen(t, dsn)
		defaults, err := policy.ReadModules(policies.FS)
		if err != nil {
			t.Fatal(err)
		}
		bad := append(append([]compliance.PolicyModule{}, defaults...), compliance.PolicyModule{Name: "broken", Source: broken})
		if _, err := store.Revisions().CreateRevision(ctx, compliance.PolicyRevision{Digest: policy.Digest(bad), Modules: bad, CreatedBy: "test", CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
		s, tok := startDistrict(t, dsn, "--policy-poll", "100ms", "--recheck-interval", "100ms")

		ans := s.Submit(t, tok[apitest.ZJJClerk], apitest.FirstStep("U1-accept", "ZJJ-U-1", "XK-001", "accept", "2026-03-02T09:30:00+08:00"))
		if ans.CheckStatus != "unchecked" || ans.PolicyRevision != 1 || len(ans.Warnings) != 0 {
			t.Fatalf("answer = %+v, want an unchecked step under revision 1", ans)
		}
		count := listUnchecked(t, s, tok[apitest.SupervisionToken])
		if count.Count != 1 {
			t.Fatalf("unchecked count = %d, want 1", count.Count)
		}
		if len(count.Steps) != 1 || count.Steps[0].StepID != "U1-accept" || count.Steps[0].CaseNo != "ZJJ-U-1" || count.Steps[0].CheckError == "" {
			t.Errorf("unchecked steps = %+v, want U1-accept with its error", count.Steps)
		}

		good, err := store.Revisions().CreateRevision(ctx, compliance.PolicyRevision{Digest: policy.Digest(defaults), Modules: defaults, CreatedBy: "test", CreatedAt: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			if listUnchecked(t, s, tok[apitest.SupervisionToken]).Count == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the step was not re-checked within 10 s of a working revision")
			}
			time.Sleep(50 * time.Millisecond)
		}
		c := s.Case(t, tok[apitest.ZJJClerk], "ZJJ-U-1")
		if len(c.Steps) != 1 || c.Steps[0].CheckStatus != "checked" || c.Steps[0].PolicyRevision != good.ID {
			t.Errorf("steps = %+v, want one step checked under revision %d", c.Steps, good.ID)
		}
		// The replay now answers what the re-check found.
		s.Must(200, "POST", "/api/v1/steps", tok[apitest.ZJJClerk], apitest.FirstStep("U1-accept", "ZJJ-U-1", "XK-001", "accept", "2026-03-02T09:30:00+08:00")).Decode(t, &ans)
		if ans.CheckStatus != "checked" {
			t.Errorf("replay check_status = %s, want checked", ans.CheckStatus)
		}
	})
}
