package policy_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"powercheck/internal/calendar"
	"powercheck/internal/compliance"
	"powercheck/internal/policy"
)

// The oracle: testdata/oracle keeps the default modules as they were while
// the deadline module counted periods itself, in Rego. The counting moved to
// Go (input.case.deadlines, input.case.facts); whatever the input, the new
// modules must say exactly what the old ones said.

func oracleEngines(t *testing.T) (old, cur *policy.Engine) {
	t.Helper()
	mods, err := policy.ReadModules(os.DirFS(filepath.Join("testdata", "oracle")))
	if err != nil {
		t.Fatalf("ReadModules(testdata/oracle): %v", err)
	}
	return mustActiveEngine(t, roomyTimeout, mods), mustActiveEngine(t, roomyTimeout, embeddedModules(t))
}

// sameEvaluation fails t when old and cur differ in what they found, when
// they want the case looked at again, or what they lift.
func sameEvaluation(t *testing.T, name string, old, cur compliance.Evaluation, errOld, errCur error) {
	t.Helper()
	if (errOld == nil) != (errCur == nil) {
		t.Fatalf("%s: errors differ: old %v, new %v", name, errOld, errCur)
	}
	sortFindings := func(fs []compliance.Finding) []compliance.Finding {
		fs = slices.Clone(fs)
		slices.SortFunc(fs, func(a, b compliance.Finding) int {
			return strings.Compare(a.Rule+a.Key+a.Message, b.Rule+b.Key+b.Message)
		})
		return fs
	}
	if got, want := sortFindings(cur.Findings), sortFindings(old.Findings); !reflect.DeepEqual(got, want) {
		t.Errorf("%s: findings differ\n got (new): %+v\nwant (old): %+v", name, got, want)
	}
	if !cur.NextCheck.Equal(old.NextCheck) {
		t.Errorf("%s: next check: got %v, want %v", name, cur.NextCheck, old.NextCheck)
	}
	if !reflect.DeepEqual(cur.Lifts, old.Lifts) {
		t.Errorf("%s: lifts: got %+v, want %+v", name, cur.Lifts, old.Lifts)
	}
}

// oracleEvents are the events every case file's input is also evaluated
// on, asking every family.
var oracleEvents = []string{"step", "tick", "view", "patrol", "patrol_day", "month_close", "catalog", "other"}

// TestOracleCaseFiles evaluates every YAML case's input with the old and the
// new modules, as written and under every other event.
func TestOracleCaseFiles(t *testing.T) {
	t.Parallel()
	old, cur := oracleEngines(t)
	files, err := filepath.Glob(filepath.Join(casesDir, "*", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no case files under %s: %v", casesDir, err)
	}
	n := 0
	for _, path := range files {
		for _, c := range readCases(t, path) {
			name := filepath.Base(path) + ": " + c.Name
			doc := func(event string) map[string]any {
				d := normalize(c.Input).(map[string]any)
				if event != "" {
					d["event"] = event
				}
				return d
			}
			evOld, errOld := old.EvaluateDocument(context.Background(), doc(""))
			evCur, errCur := cur.EvaluateDocument(context.Background(), doc(""))
			sameEvaluation(t, name, evOld, evCur, errOld, errCur)
			// Under events the input was not written for, every family is
			// asked: the modules must agree even where the new ones would
			// not be asked.
			for _, ev := range oracleEvents {
				evOld, errOld := old.EvaluateDocument(context.Background(), doc(ev))
				evCur, errCur := cur.EvaluateDocumentAllFamilies(context.Background(), doc(ev))
				sameEvaluation(t, name+" on "+ev, evOld, evCur, errOld, errCur)
			}
			n++
		}
	}
	t.Logf("%d case inputs from %d files", n, len(files))
}

// oracleItem is an item of the generated cases and the role that approves
// its extensions.
type oracleItem struct {
	item     compliance.PowerItem
	approver compliance.Role
}

func flow(steps ...compliance.FlowStep) []compliance.FlowStep { return steps }

func oracleItems() []oracleItem {
	fs := func(code, name string, days int, unit string, ends bool) compliance.FlowStep {
		return compliance.FlowStep{Code: code, Name: name, TimeLimitDays: days, TimeLimitUnit: unit, EndsClock: ends}
	}
	item := func(code, name, category string, days int, unit string, steps []compliance.FlowStep) compliance.PowerItem {
		return compliance.PowerItem{Code: code, Version: 1, Name: name, Category: category, DepartmentCode: "ZJJ",
			TimeLimit: compliance.TimeLimit{Days: days, Unit: unit}, Steps: steps, Status: "active"}
	}
	licence := item("XK-001", "建筑工程施工许可", "行政许可", 15, "workday", flow(fs("accept", "受理", 0, "", false),
		fs("review", "审查", 10, "", false), fs("decide", "决定", 0, "", true), fs("deliver", "送达", 10, "", false)))
	promised := item("XK-002", "燃气经营许可", "行政许可", 10, "workday", flow(fs("accept", "受理", 0, "", false),
		fs("review", "审查", 3, "", false), fs("decide", "决定", 0, "", true)))
	promised.StatutoryLimit = &compliance.TimeLimit{Days: 20, Unit: "workday"}
	penalty := item("CF-001", "违法建设处罚", "行政处罚", 90, "calendar", flow(fs("accept", "立案", 0, "", false),
		fs("investigate", "调查取证", 30, "calendar", false), fs("decide", "处罚决定", 0, "", false), fs("deliver", "送达", 7, "workday", false)))
	seizure := item("QZ-001", "查封扣押违法建设施工设备", "行政强制", 30, "calendar", flow(fs("accept", "受理", 0, "", false),
		fs("decide", "决定", 0, "", true)))
	confirm := item("QR-001", "某确认", "行政确认", 20, "workday", flow(fs("accept", "受理", 0, "", false),
		fs("check", "核查", 5, "calendar", false), fs("decide", "决定", 0, "", true)))
	confirm.Extension = &compliance.ExtensionRule{MaxDays: 5, Times: 2, ApproverRole: "dept_inspector"}
	confirm.StatutoryLimit = &compliance.TimeLimit{Days: 30, Unit: "calendar"}
	short := item("XK-003", "临时占道许可", "行政许可", 3, "workday", flow(fs("accept", "受理", 0, "", false),
		fs("decide", "决定", 2, "", false)))
	return []oracleItem{{licence, compliance.RoleDeptAdmin}, {promised, compliance.RoleDeptAdmin},
		{penalty, compliance.RoleDeptAdmin}, {seizure, compliance.RoleDeptAdmin},
		{confirm, compliance.RoleDeptInspector}, {short, compliance.RoleDeptAdmin}}
}

// move is one step of a generated case: its code ("0".."3": the flow's
// steps by position; others as they are), its day after acceptance, and
// for an extend step the days asked and who approved it ("" none, "ok" the
// item's approver, else that role).
type move struct {
	code     string
	day      int
	ext      int
	approver string
}

var oracleScenarios = map[string][]move{
	"accepted":           {{code: "0"}},
	"reviewed":           {{code: "0"}, {code: "1", day: 3}},
	"decided":            {{code: "0"}, {code: "1", day: 5}, {code: "2", day: 12}},
	"whole flow late":    {{code: "0"}, {code: "1", day: 16}, {code: "2", day: 30}, {code: "3", day: 50}},
	"suspended and back": {{code: "0"}, {code: "suspend", day: 2}, {code: "resume", day: 9}, {code: "1", day: 12}},
	"suspended now":      {{code: "0"}, {code: "suspend", day: 4}},
	"suspended twice":    {{code: "0"}, {code: "suspend", day: 2}, {code: "suspend", day: 4}, {code: "resume", day: 6}, {code: "resume", day: 8}, {code: "1", day: 10}},
	"resume alone":       {{code: "0"}, {code: "resume", day: 3}, {code: "1", day: 5}},
	"extended":           {{code: "0"}, {code: "extend", day: 5, ext: 10, approver: "ok"}, {code: "1", day: 8}},
	"extended late":      {{code: "0"}, {code: "extend", day: 25, ext: 40, approver: "ok"}, {code: "2", day: 45}},
	"extended twice":     {{code: "0"}, {code: "extend", day: 3, ext: 5, approver: "ok"}, {code: "extend", day: 6, ext: 5, approver: "ok"}, {code: "1", day: 10}},
	"extended thrice":    {{code: "0"}, {code: "extend", day: 3, ext: 3, approver: "ok"}, {code: "extend", day: 6, ext: 9, approver: "ok"}, {code: "extend", day: 9, ext: 2, approver: "ok"}},
	"extension unsigned": {{code: "0"}, {code: "extend", day: 4, ext: 5}, {code: "1", day: 9}},
	"extension by clerk": {{code: "0"}, {code: "extend", day: 4, ext: 5, approver: "clerk"}, {code: "1", day: 9}},
	"step repeated":      {{code: "0"}, {code: "1", day: 5}, {code: "1", day: 7}, {code: "2", day: 15}},
	"backdated suspend":  {{code: "0"}, {code: "resume", day: 9}, {code: "suspend", day: 3}},
	"suspend and extend": {{code: "0"}, {code: "suspend", day: 1}, {code: "resume", day: 8}, {code: "extend", day: 12, ext: 7, approver: "ok"}, {code: "1", day: 14}},
	"skipped a step":     {{code: "0"}, {code: "2", day: 9}},
}

// oracleStarts are acceptance dates around holidays and make-up working
// days (国庆 2025, 春节 2026 with make-up Saturdays 02-14 and 02-28, 劳动节
// 2026), month and year ends, and dates whose periods reach 2027, a year
// the calendar does not know.
var oracleStarts = []string{"2025-09-26", "2025-12-29", "2026-01-30", "2026-02-12", "2026-02-27", "2026-04-30", "2026-09-30", "2026-12-24"}

// caseInput builds the input of a generated case whose moves are ms, at
// now; a step event submits the last move.
func caseInput(it oracleItem, start string, ms []move, event string, now time.Time, status string) *compliance.Input {
	day0, _ := time.ParseInLocation(time.DateOnly, start, calendar.Shanghai)
	at := func(d int) time.Time { return day0.AddDate(0, 0, d).Add(10 * time.Hour) }
	c := &compliance.Case{CaseNo: "C1", ItemCode: it.item.Code, ItemVersion: 1, DepartmentCode: "ZJJ", Applicant: "某公司",
		AcceptedAt: at(0), Status: status}
	in := &compliance.Input{Event: event, Now: now, Department: compliance.Department{Code: "ZJJ", Name: "住建局"},
		Item: &it.item, Case: c}
	for i, m := range ms {
		code := m.code
		if len(code) == 1 && code[0] >= '0' && code[0] <= '9' {
			k := int(code[0] - '0')
			if k >= len(it.item.Steps) {
				continue
			}
			code = it.item.Steps[k].Code
		}
		s := compliance.Step{ID: fmt.Sprintf("C1-%d-%s", i, code), CaseNo: "C1", StepCode: code, Handler: "张三",
			OccurredAt: at(m.day), RecordedAt: at(m.day), Attributes: map[string]any{}}
		if m.ext > 0 {
			s.Attributes["extension_days"] = m.ext
		}
		if m.approver != "" {
			role := it.approver
			if m.approver != "ok" {
				role = compliance.Role(m.approver)
			}
			in.Approvals = append(in.Approvals, compliance.SignedApproval{ID: int64(i + 1), CaseNo: "C1", StepCode: "extend",
				Decision: "approve", Role: role, Username: "wang", RealName: "王局长", At: at(m.day).Add(-time.Hour)})
		}
		if event == compliance.EventStep && i == len(ms)-1 {
			in.Step = &s
			continue
		}
		in.Steps = append(in.Steps, s)
	}
	return in
}

// TestOracleGeneratedCases evaluates generated cases — every item, start
// date and scenario, on the step that completes it and on ticks, a closed
// case and the time view later — with the old and the new modules.
func TestOracleGeneratedCases(t *testing.T) {
	t.Parallel()
	old, cur := oracleEngines(t)
	ctx := context.Background()
	n := 0
	for _, it := range oracleItems() {
		for _, start := range oracleStarts {
			for name, ms := range oracleScenarios {
				day0, _ := time.ParseInLocation(time.DateOnly, start, calendar.Shanghai)
				last := day0.AddDate(0, 0, ms[len(ms)-1].day).Add(10*time.Hour + 10*time.Minute)
				runs := []struct {
					event, status string
					now           time.Time
				}{
					{compliance.EventStep, "open", last},
					{"tick", "open", last.AddDate(0, 0, 2)},
					{"tick", "open", last.AddDate(0, 0, 9)},
					{"tick", "open", last.AddDate(0, 0, 40)},
					{"tick", "closed", last.AddDate(0, 0, 9)},
				}
				for _, r := range runs {
					label := fmt.Sprintf("%s from %s, %s, %s %s at %s", it.item.Code, start, name, r.status, r.event, r.now.Format(time.DateOnly))
					in := caseInput(it, start, ms, r.event, r.now, r.status)
					evOld, errOld := old.Evaluate(ctx, in)
					evCur, errCur := cur.Evaluate(ctx, in)
					sameEvaluation(t, label, evOld, evCur, errOld, errCur)
					n++
				}
				in := caseInput(it, start, ms, compliance.EventView, last.AddDate(0, 0, 5), "open")
				vOld, errOld := old.View(ctx, in)
				vCur, errCur := cur.View(ctx, in)
				if (errOld == nil) != (errCur == nil) || !reflect.DeepEqual(vOld, vCur) {
					t.Errorf("%s from %s, %s: view differs\n got (new): %+v %v\nwant (old): %+v %v", it.item.Code, start, name, vCur, errCur, vOld, errOld)
				}
			}
		}
	}
	t.Logf("%d generated evaluations", n)
}
