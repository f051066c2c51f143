package httpapi_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"powercheck/internal/apitest"
	"powercheck/internal/sqlstore/sqlstoretest"
)

type signedApproval struct {
	ID       int64     `json:"id"`
	CaseNo   string    `json:"case_no"`
	StepCode string    `json:"step_code"`
	Decision string    `json:"decision"`
	Opinion  string    `json:"opinion"`
	Role     string    `json:"role"`
	Username string    `json:"username"`
	RealName string    `json:"real_name"`
	At       time.Time `json:"at"`
}

type pendingAnswer struct {
	Items []struct {
		CaseNo   string `json:"case_no"`
		ItemName string `json:"item_name"`
		StepCode string `json:"step_code"`
		StepName string `json:"step_name"`
		Role     string `json:"role"`
		Rejected bool   `json:"rejected"`
	} `json:"items"`
}

func (p pendingAnswer) cases() []string {
	var out []string
	for _, it := range p.Items {
		out = append(out, it.CaseNo)
	}
	slices.Sort(out)
	return out
}

// approvalsDistrict is SetupDistrict with an inspector of each department.
func approvalsDistrict(t *testing.T, s *apitest.Server) map[string]string {
	t.Helper()
	tok := s.SetupDistrict(t)
	tok["zjj-inspector"] = s.AddAccount(t, "zjj-inspector", "dept_inspector", "ZJJ")
	tok["scj-inspector"] = s.AddAccount(t, "scj-inspector", "dept_inspector", "SCJ")
	return tok
}

// accepted records the acceptance of a new ZJJ licensing case an hour ago,
// handled by the clerk (张三).
func accepted(t *testing.T, s *apitest.Server, tok map[string]string, caseNo string) {
	t.Helper()
	st := apitest.FirstStep(caseNo+"-accept", caseNo, "XK-001", "accept", apitest.StepTime(time.Now().Add(-time.Hour)))
	s.Must(201, "POST", "/api/v1/steps", tok[apitest.ZJJClerk], st)
}

// decided records the case's decision at, handled by handler.
func decided(t *testing.T, s *apitest.Server, tok map[string]string, caseNo, handler string, at time.Time) apitest.StepAnswer {
	t.Helper()
	st := apitest.Step(caseNo+"-decide", caseNo, "decide", apitest.StepTime(at))
	st["handler"] = handler
	a := s.Submit(t, tok[apitest.ZJJClerk], st)
	return a
}

func sign(t *testing.T, s *apitest.Server, token, caseNo, code, decision, opinion string) signedApproval {
	t.Helper()
	var a signedApproval
	s.Must(201, "POST", "/api/v1/cases/"+caseNo+"/approvals", token,
		map[string]string{"step_code": code, "decision": decision, "opinion": opinion}).Decode(

		t, &a)

	return a
}

// caseRules are the rules of the family among a case's stored warnings.
func caseRules(t *testing.T, s *apitest.Server, token, caseNo, family string) []string {
	t.Helper()
	var c struct {
		Warnings apitest.Warnings `json:"warnings"`
	}
	s.Must(200, "GET", "/api/v1/cases/"+caseNo, token, nil).Decode(t, &c)
	return c.Warnings.Rules(family)
}

// TestApprovalSignedOnAnotherNode: node a stored the case's first step and
// keeps what it read and stored of the case; the inspector signs the
// decision's approval on node b, which moves no version of the case. The
// decision, sent to a, is checked against the approval all the same.
func TestApprovalSignedOnAnotherNode(t *testing.T) {
	sqlstoretest.EachDSNParallel(t, func(t *testing.T, dsn string) {
		a := startServer(t, dsn)
		tok := approvalsDistrict(t, a)
		b := apitest.ServeStore(t, sqlstoretest.Open(t, dsn), apitest.Wiring{}).API
		const caseNo = "ZJJ-2026-N001"
		accepted(t, a, tok, caseNo)
		sign(t, b, tok["zjj-inspector"], caseNo, "decide", "approve", "同意")
		d := decided(t, a, tok, caseNo, "张三", time.Now())
		if got := d.Rules("checkpoint"); len(got) != 0 {
			t.Errorf("checkpoint warnings of the decision %v, want none: the approval was signed", got)
		}
		if got := caseRules(t, b, tok[apitest.ZJJClerk], caseNo, "checkpoint"); len(got) != 0 {
			t.Errorf("the case's checkpoint warnings %v, want none", got)
		}
	})
}

// approvalsRun is what TestApprovals' subtests share: the server, the
// district's tokens and the ZJJ inspector's token.
type approvalsRun struct {
	s         *apitest.Server
	tok       map[string]string
	inspector string
}

// TestApprovals runs its subtests in order on one district: each opens
// cases of its own, and the audit's subtest reads the signing before it.
func TestApprovals(t *testing.T) {
	sqlstoretest.EachDSNParallel(t, func(t *testing.T, dsn string) {
		s := startServer(t, dsn)
		tok := approvalsDistrict(t, s)
		inspector := tok["zjj-inspector"]
		ar := approvalsRun{s: s, tok: tok, inspector: inspector}
		t.Run("a checkpoint passes with the inspector's signed approval", func(t *testing.T) {
			accepted(t, s, tok, "ZJJ-2026-A001")
			before := time.Now()
			a := sign(t, s, inspector, "ZJJ-2026-A001", "decide", "approve", "同意")
			if a.ID == 0 || a.CaseNo != "ZJJ-2026-A001" || a.StepCode != "decide" || a.Decision != "approve" || a.Opinion != "同意" ||
				a.Role != "dept_inspector" || a.Username != "zjj-inspector" || a.RealName != "测试zjj-inspector" {
				t.Errorf("approval = %+v", a)
			}
			if a.At.Before(before.Add(-time.Second)) || a.At.After(time.Now().Add(time.Second)) {
				t.Errorf("approval at %v: want the server's time, about %v", a.At, before)
			}
			d := decided(t, s, tok, "ZJJ-2026-A001", "张三", time.Now())
			if got := d.Rules("checkpoint"); len(got) != 0 {
				t.Errorf("checkpoint warnings %v, want none", got)
			}
			var list struct{ Items []signedApproval }
			s.Must(200, "GET", "/api/v1/cases/ZJJ-2026-A001/approvals", tok[apitest.ZJJClerk], nil).Decode(t, &list)
			if len(list.Items) != 1 || list.Items[0].ID != a.ID {
				t.Errorf("approvals = %+v, want the one signed", list.Items)
			}
		})
		t.Run("a clerk's declared approval does not pass it", ar.declaredApprovalFails)
		t.Run("who may sign", ar.whoMaySign)
		t.Run("self-approval, late approval and a rejection each raise their rule", ar.approvalRules)
		t.Run("the inspector's pending list shows the case until it is signed", ar.pendingUntilSigned)
		t.Run("signing is audited, naming the case", func(t *testing.T) {
			var list struct {
				Items []struct {
					Actor    string `json:"actor"`
					Action   string `json:"action"`
					Target   string `json:"target"`
					Subjects string `json:"subjects"`
				} `json:"items"`
			}
			s.Must(200, "GET", "/api/v1/audit?action="+"POST%20/api/v1/cases/:case_no/approvals&limit=100", apitest.AdminToken, nil).Decode(t, &list)
			found := false
			for _, e := range list.Items {
				if e.Actor == "zjj-inspector" && strings.Contains(e.Target, "case_no=ZJJ-2026-A007") && strings.Contains(e.Target, "step_code=decide") {
					found = true
				}
			}
			if !found {
				t.Errorf("audit %+v: want the inspector's approval of ZJJ-2026-A007", list.Items)
			}
		})
	})
}

func (ar approvalsRun) declaredApprovalFails(t *testing.T) {
	s, tok := ar.s, ar.tok
	accepted(t, s, tok, "ZJJ-2026-A002")
	st := apitest.Step("ZJJ-2026-A002-decide", "ZJJ-2026-A002", "decide", apitest.StepTime(time.Now()))
	st["handler"] = "张三"
	st["approvals"] = []any{map[string]any{"role": "dept_inspector", "by": "测试zjj-inspector", "at": apitest.StepTime(time.Now().Add(-time.Minute))}}
	d := s.Submit(t, tok[apitest.ZJJClerk], st)
	if got := d.Rules("checkpoint"); !slices.Equal(got, []string{"checkpoint.approval_missing/alarm"}) {
		t.Errorf("checkpoint warnings %v, want approval_missing", got)
	}
	var c struct {
		Approvals []signedApproval `json:"approvals"`
		Steps     []struct {
			StepCode          string           `json:"step_code"`
			DeclaredApprovals []map[string]any `json:"declared_approvals"`
			RecordedBy        string           `json:"recorded_by"`
		} `json:"steps"`
	}
	s.Must(200, "GET", "/api/v1/cases/ZJJ-2026-A002", tok[apitest.ZJJClerk], nil).Decode(t, &c)
	if len(c.Approvals) != 0 || len(c.Steps) != 2 || len(c.Steps[1].DeclaredApprovals) != 1 || c.Steps[1].RecordedBy != "zjj-clerk" {
		t.Errorf("case = %+v: want the approval declared on the step only", c)
	}
}

func (ar approvalsRun) whoMaySign(t *testing.T) {
	s, tok, inspector := ar.s, ar.tok, ar.inspector
	accepted(t, s, tok, "ZJJ-2026-A003")
	path := "/api/v1/cases/ZJJ-2026-A003/approvals"
	ok := map[string]string{"step_code": "decide", "decision": "approve", "opinion": ""}
	apitest.WantCode(t, s.Do("POST", path, tok[apitest.ZJJClerk], ok), 403, "forbidden")       // clerks sign nothing
	apitest.WantCode(t, s.Do("POST", path, tok[apitest.LegalToken], ok), 403, "approver_role") // the step is the inspector's
	apitest.WantCode(t, s.Do("POST", path, tok[apitest.ZJJAdmin], ok), 403, "approver_role")   // so is it not the leader's
	apitest.WantCode(t, s.Do("POST", path, tok["scj-inspector"], ok), 404, "case_not_found")   // another department's case
	apitest.WantCode(t, s.Do("POST", "/api/v1/cases/ZJJ-2026-NONE/approvals", inspector, ok), 404, "case_not_found")
	apitest.WantCode(t, s.Do("POST", path, inspector, map[string]string{"step_code": "review", "decision": "approve"}), 422, "approval_not_required")
	apitest.WantCode(t, s.Do("POST", path, inspector, map[string]string{"step_code": "nope", "decision": "approve"}), 422, "unknown_step_code")
	apitest.WantCode(t, s.Do("POST", path, inspector, map[string]string{"step_code": "decide", "decision": "maybe"}), 422, "invalid_approval")
	apitest.WantCode(t, s.Do("POST", path, inspector, map[string]string{"step_code": "decide", "decision": "reject"}), 422, "invalid_approval")
	apitest.WantCode(t, s.Do("GET", path, tok[apitest.SCJClerk], nil), 404, "case_not_found")
	// The leader signs extensions of a licence.
	sign(t, s, tok[apitest.ZJJAdmin], "ZJJ-2026-A003", "extend", "approve", "同意延长")
	apitest.WantCode(t, s.Do("POST", path, inspector, map[string]string{"step_code": "extend", "decision": "approve"}), 403, "approver_role")
	ext := apitest.Step("ZJJ-2026-A003-extend", "ZJJ-2026-A003", "extend", apitest.StepTime(time.Now()))
	ext["handler"] = "张三"
	ext["attributes"] = map[string]any{"extension_days": 5}
	e := s.Submit(t, tok[apitest.ZJJClerk], ext)
	if got := e.Rules("checkpoint"); len(got) != 0 {
		t.Errorf("a signed extension: checkpoint warnings %v, want none", got)
	}
}

func (ar approvalsRun) approvalRules(t *testing.T) {
	s, tok, inspector := ar.s, ar.tok, ar.inspector
	accepted(t, s, tok, "ZJJ-2026-A004")
	sign(t, s, inspector, "ZJJ-2026-A004", "decide", "approve", "")
	d := decided(t, s, tok, "ZJJ-2026-A004", "测试zjj-inspector", time.Now())
	if got := d.Rules("checkpoint"); !slices.Equal(got, []string{"checkpoint.self_approval/alarm"}) {
		t.Errorf("handled by the approver: %v, want self_approval", got)
	}

	accepted(t, s, tok, "ZJJ-2026-A005")
	sign(t, s, inspector, "ZJJ-2026-A005", "decide", "reject", "申请材料不齐全")
	d = decided(t, s, tok, "ZJJ-2026-A005", "张三", time.Now())
	if got := d.Rules("checkpoint"); !slices.Equal(got, []string{"checkpoint.approval_rejected/alarm"}) {
		t.Errorf("decided against a rejection: %v, want approval_rejected", got)
	}

	accepted(t, s, tok, "ZJJ-2026-A006")
	d = decided(t, s, tok, "ZJJ-2026-A006", "张三", time.Now().Add(-30*time.Minute))
	if got := d.Rules("checkpoint"); !slices.Equal(got, []string{"checkpoint.approval_missing/alarm"}) {
		t.Errorf("decided unapproved: %v, want approval_missing", got)
	}
	sign(t, s, inspector, "ZJJ-2026-A006", "decide", "approve", "补签")
	// The late approval is seen at the case's next evaluation: the sweep.
	s.Must(200, "POST", "/api/v1/sweeps", apitest.AdminToken, nil)
	want := []string{"checkpoint.approval_after_step/prewarning", "checkpoint.approval_missing/alarm"}
	if got := caseRules(t, s, inspector, "ZJJ-2026-A006", "checkpoint"); !slices.Equal(got, want) {
		t.Errorf("after the sweep: %v, want %v", got, want)
	}
	s.Must(200, "POST", "/api/v1/sweeps", apitest.AdminToken, nil)
	if got := caseRules(t, s, inspector, "ZJJ-2026-A006", "checkpoint"); !slices.Equal(got, want) {
		t.Errorf("after a second sweep: %v, want %v (nothing twice)", got, want)
	}
}

func (ar approvalsRun) pendingUntilSigned(t *testing.T) {
	s, tok, inspector := ar.s, ar.tok, ar.inspector
	accepted(t, s, tok, "ZJJ-2026-A007")
	var p pendingAnswer
	s.Must(200, "GET", "/api/v1/approvals/pending", inspector, nil).Decode(t, &p)
	if !slices.Contains(p.cases(), "ZJJ-2026-A007") {
		t.Fatalf("pending %v: want ZJJ-2026-A007", p.cases())
	}
	for _, it := range p.Items {
		if it.CaseNo == "ZJJ-2026-A007" && (it.StepCode != "decide" || it.StepName != "决定" || it.ItemName != "建筑工程施工许可" || it.Role != "dept_inspector") {
			t.Errorf("pending item %+v", it)
		}
	}
	var wb struct {
		ApprovalsPending int `json:"approvals_pending"`
	}
	s.Must(200, "GET", "/api/v1/workbench", inspector, nil).Decode(t, &wb)
	if wb.ApprovalsPending != len(p.Items) {
		t.Errorf("workbench approvals_pending = %d, want %d", wb.ApprovalsPending, len(p.Items))
	}
	// Others' lists: not the leader's, not another department's inspector's.
	for _, who := range []string{tok[apitest.ZJJAdmin], tok["scj-inspector"], tok[apitest.LegalToken]} {
		var o pendingAnswer
		s.Must(200, "GET", "/api/v1/approvals/pending", who, nil).Decode(t, &o)
		if slices.Contains(o.cases(), "ZJJ-2026-A007") {
			t.Errorf("pending %v of another approver: want no ZJJ-2026-A007", o.cases())
		}
	}
	apitest.WantCode(t, s.Do("GET", "/api/v1/approvals/pending", tok[apitest.ZJJClerk], nil), 403, "forbidden")

	sign(t, s, inspector, "ZJJ-2026-A007", "decide", "approve", "")
	s.Must(200, "GET", "/api/v1/approvals/pending", inspector, nil).Decode(t, &p)
	if slices.Contains(p.cases(), "ZJJ-2026-A007") {
		t.Errorf("pending %v: want ZJJ-2026-A007 gone once signed", p.cases())
	}
	s.Must(200, "GET", "/api/v1/workbench", inspector, nil).Decode(t, &wb)
	if wb.ApprovalsPending != len(p.Items) {
		t.Errorf("workbench approvals_pending = %d, want %d", wb.ApprovalsPending, len(p.Items))
	}
}

func TestApprovalsHandlers(t *testing.T) {
	sqlstoretest.EachDSNParallel(t, func(t *testing.T, dsn string) {
		s := startServer(t, dsn)
		tok := approvalsDistrict(t, s)

		t.Run("a program naming an unknown handler gets a pre-warning", func(t *testing.T) {
			st := apitest.FirstStep("ZJJ-2026-H001-accept", "ZJJ-2026-H001", "XK-001", "accept", apitest.StepTime(time.Now()))
			st["handler"] = "王小二" // nobody's name
			a := s.Submit(t, tok[apitest.ZJJClerk], st)
			if got := a.Rules("sync"); !slices.Contains(got, "sync.unknown_handler/prewarning") {
				t.Errorf("sync warnings %v, want sync.unknown_handler", got)
			}
			st = apitest.FirstStep("ZJJ-2026-H002-accept", "ZJJ-2026-H002", "XK-001", "accept", apitest.StepTime(time.Now()))
			st["handler"] = "测试zjj-inspector" // an active account of the department
			s.Must(201, "POST", "/api/v1/steps", tok[apitest.ZJJClerk], st).Decode(t, &a)
			if got := a.Rules("sync"); slices.Contains(got, "sync.unknown_handler/prewarning") {
				t.Errorf("sync warnings %v, want no sync.unknown_handler", got)
			}
			st = apitest.FirstStep("ZJJ-2026-H003-accept", "ZJJ-2026-H003", "XK-001", "accept", apitest.StepTime(time.Now()))
			st["handler"] = "测试scj-inspector" // a person, but of another department
			s.Must(201, "POST", "/api/v1/steps", tok[apitest.ZJJClerk], st).Decode(t, &a)
			if got := a.Rules("sync"); !slices.Contains(got, "sync.unknown_handler/prewarning") {
				t.Errorf("sync warnings %v, want sync.unknown_handler", got)
			}
		})

		t.Run("a step entered at the console is handled by the signed-in person", func(t *testing.T) {
			b := s.FirstSignIn(t, "zjj-clerk", "Initial-Pass-2026", "Changed-Pass-2026")
			st := apitest.FirstStep("ZJJ-2026-H004-accept", "ZJJ-2026-H004", "XK-001", "accept", apitest.StepTime(time.Now()))
			st["handler"] = "王小二"
			r, _ := b.Do("POST", "/api/v1/steps", st, true)
			if r.Status != 201 {
				t.Fatalf("step at the console: %d %s", r.Status, r.Body)
			}
			var a apitest.StepAnswer
			r.Decode(t, &a)
			if got := a.Rules("sync"); slices.Contains(got, "sync.unknown_handler/prewarning") {
				t.Errorf("sync warnings %v, want none about the handler", got)
			}
			c := s.Case(t, tok[apitest.ZJJClerk], "ZJJ-2026-H004")
			if len(c.Steps) != 1 || c.Steps[0].Handler != "张三" || c.Steps[0].RecordedBy != "zjj-clerk" {
				t.Errorf("steps %+v: want the clerk's real name as handler", c.Steps)
			}
		})
	})
}
