package policy_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"powercheck/internal/calendar"
	"powercheck/internal/compliance"
)

// The approvals and the order of a case's steps moved to Go as well
// (input.case.facts.approvals and .order). The generated cases of
// oracle_test.go sign only extensions; these sign the flow's checkpoints:
// every role, agreeing or not, before, between and after the steps they
// are for, by the handler or by another, with ids that tie.

// checkpointItem has a flow whose steps take approvals in each way a flow
// can ask for them, and an extension rule with its own approver.
func checkpointItem() compliance.PowerItem {
	return compliance.PowerItem{Code: "XK-009", Version: 1, Name: "建筑工程施工许可", Category: "行政许可",
		DepartmentCode: "ZJJ", TimeLimit: compliance.TimeLimit{Days: 20, Unit: "workday"}, Status: "active",
		Steps: flow(
			compliance.FlowStep{Code: "accept", Name: "受理"},
			compliance.FlowStep{Code: "review", Name: "审查", RiskCheckpoint: true},
			compliance.FlowStep{Code: "decide", Name: "决定", RiskCheckpoint: true, RequiresApproval: "dept_inspector", EndsClock: true},
			compliance.FlowStep{Code: "deliver", Name: "送达", RequiresApproval: "dept_admin"},
		)}
}

// signer is who signs an approval: another person, the step's handler by
// name, or the account that recorded the step.
var signers = []struct{ username, realName string }{
	{"wang", "王局长"}, {"li", "张三"}, {"zjj-clerk", "李四"},
}

var (
	approvalRoles = []compliance.Role{compliance.RoleDeptInspector, compliance.RoleDeptAdmin, compliance.RoleClerk}
	approvalCodes = []string{"review", "decide", "deliver", "extend", "accept"}
)

// approvalCase builds a case whose flow ran to step code twice at most
// (the second time on day 6), with approvals drawn by r; on a step event
// the last step is submitted.
func approvalCase(r *rand.Rand, event string) *compliance.Input {
	it := checkpointItem()
	day0, _ := time.ParseInLocation(time.DateOnly, "2026-03-02", calendar.Shanghai)
	at := func(d int, h int) time.Time { return day0.AddDate(0, 0, d).Add(time.Duration(h) * time.Hour) }
	code := approvalCodes[r.IntN(len(approvalCodes))]
	c := &compliance.Case{CaseNo: "C1", ItemCode: it.Code, ItemVersion: 1, DepartmentCode: "ZJJ", Applicant: "某公司",
		AcceptedAt: at(0, 9), Status: "open"}
	in := &compliance.Input{Event: event, Now: at(9, 10), Department: compliance.Department{Code: "ZJJ", Name: "住建局"},
		Item: &it, Case: c}
	step := func(i int, code string, day int) compliance.Step {
		return compliance.Step{ID: fmt.Sprintf("C1-%d", i), CaseNo: "C1", StepCode: code, Handler: "张三",
			OccurredAt: at(day, 10), RecordedAt: at(day, 11), RecordedBy: "zjj-clerk", Attributes: map[string]any{"extension_days": 5}}
	}
	steps := []compliance.Step{step(0, "accept", 0)}
	if r.IntN(2) == 0 {
		steps = append(steps, step(1, code, 3))
	}
	steps = append(steps, step(2, code, 6))
	for i := range r.IntN(5) {
		who := signers[r.IntN(len(signers))]
		sc := code
		if r.IntN(6) == 0 {
			sc = approvalCodes[r.IntN(len(approvalCodes))]
		}
		decision := "approve"
		if r.IntN(3) == 0 {
			decision = "reject"
		}
		// days 2..8 and hours 9..11: before, at and after each step.
		in.Approvals = append(in.Approvals, compliance.SignedApproval{ID: int64(1 + r.IntN(i+1)), CaseNo: "C1", StepCode: sc,
			Decision: decision, Opinion: "意见", Role: approvalRoles[r.IntN(len(approvalRoles))],
			Username: who.username, RealName: who.realName, At: at(2+r.IntN(7), 9+r.IntN(3))})
	}
	if event == compliance.EventStep {
		in.Step = &steps[len(steps)-1]
		steps = steps[:len(steps)-1]
		if r.IntN(4) == 0 { // a re-check lists the step among the case's
			steps = append(steps, *in.Step)
		}
	}
	in.Steps = steps
	return in
}

// TestOracleApprovals evaluates generated cases with signed approvals, on
// the step and on ticks, with the old and the new modules.
func TestOracleApprovals(t *testing.T) {
	t.Parallel()
	old, cur := oracleEngines(t)
	ctx := context.Background()
	r := rand.New(rand.NewPCG(2026, 12))
	fired := map[string]int{}
	for i := range 1500 {
		event := compliance.EventStep
		if i%3 == 2 {
			event = "tick"
		}
		in := approvalCase(r, event)
		evOld, errOld := old.Evaluate(ctx, in)
		evCur, errCur := cur.Evaluate(ctx, in)
		sameEvaluation(t, fmt.Sprintf("case %d (%s)", i, event), evOld, evCur, errOld, errCur)
		for _, f := range evOld.Findings {
			fired[f.Rule]++
		}
	}
	// The cases must reach every rule the approvals decide, or the
	// comparison says little.
	for _, rule := range []string{"checkpoint.approval_missing", "checkpoint.approval_rejected", "checkpoint.self_approval",
		"checkpoint.approval_after_step", "checkpoint.extension_unapproved", "checkpoint.extension_wrong_approver",
		"sequence.repeated", "sequence.out_of_order"} {
		if fired[rule] == 0 {
			t.Errorf("no generated case raised %s", rule)
		}
	}
	t.Logf("rules raised: %v", fired)
}
