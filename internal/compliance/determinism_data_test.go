package compliance_test

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"powercheck/internal/compliance"
)

// The determinism data set: a fixed, generated district whose steps are
// stored through the real service, store and policies. It is generated
// from a fixed seed, so the same n always gives the same steps; what the
// policies make of them is pinned by a golden file (determinism_test.go).

// detDepartments are the data set's departments, with their clerk,
// inspector and leader (real names: steps name them as handlers).
var detDepartments = []struct {
	code, name                 string
	clerk, inspector, leader   string
	licence, penalty, checking string // item codes; "" none
}{
	{"ZJJ", "区住房和城乡建设局", "张三", "李四", "孙局长", "XK-ZJJ-001", "CF-ZJJ-001", ""},
	{"SCJ", "区市场监督管理局", "吴六", "郑七", "周局长", "XK-SCJ-001", "CF-SCJ-001", ""},
	{"HBJ", "区生态环境局", "冯八", "陈九", "褚局长", "", "CF-HBJ-001", "JC-HBJ-001"},
}

// detItems is the data set's catalog: licences counted in working days,
// penalties in calendar days with fixed, multiple and rate tiers, and an
// inspection.
func detItems() []compliance.PowerItem {
	bases := func(n int) []compliance.LegalBasis {
		out := make([]compliance.LegalBasis, n)
		for i := range out {
			out[i] = compliance.LegalBasis{ID: fmt.Sprintf("LB%d", i+1), Title: "《某法》", Article: fmt.Sprintf("第%d条", i+8)}
		}
		return out
	}
	licence := func(code, dept string, days, review int) compliance.PowerItem {
		return compliance.PowerItem{Code: code, Name: "许可" + code, Category: "行政许可", DepartmentCode: dept,
			LegalBases: bases(2), TimeLimit: compliance.TimeLimit{Days: days, Unit: compliance.UnitWorkday},
			Steps: []compliance.FlowStep{{Code: "accept", Name: "受理"}, {Code: "review", Name: "审查", TimeLimitDays: review},
				{Code: "decide", Name: "决定", RiskCheckpoint: true, RequiresApproval: "dept_inspector", EndsClock: true},
				{Code: "deliver", Name: "送达", TimeLimitDays: 10}}}
	}
	penalty := func(code, dept string, tiers map[string]compliance.Tier, hearing bool) compliance.PowerItem {
		return compliance.PowerItem{Code: code, Name: "处罚" + code, Category: "行政处罚", DepartmentCode: dept,
			LegalBases: bases(3), TimeLimit: compliance.TimeLimit{Days: 90, Unit: compliance.UnitCalendar},
			Steps: []compliance.FlowStep{{Code: "file", Name: "立案"}, {Code: "investigate", Name: "调查取证"},
				{Code: "notify", Name: "告知", RiskCheckpoint: true},
				{Code: "decide", Name: "处罚决定", RiskCheckpoint: true, RequiresApproval: "dept_admin", EndsClock: true,
					RequiresLegalReview: hearing, RequiresHearingNotice: hearing},
				{Code: "deliver", Name: "送达", TimeLimitDays: 7, TimeLimitUnit: compliance.UnitWorkday}},
			Discretion: tiers}
	}
	return []compliance.PowerItem{
		licence("XK-ZJJ-001", "ZJJ", 7, 5),
		licence("XK-SCJ-001", "SCJ", 20, 10),
		penalty("CF-ZJJ-001", "ZJJ", map[string]compliance.Tier{
			"一般": {Base: "project_price", MinRate: 0.01, MaxRate: 0.015},
			"严重": {Base: "project_price", MinRate: 0.015, MaxRate: 0.02}}, false),
		penalty("CF-SCJ-001", "SCJ", map[string]compliance.Tier{
			"货值金额不足一万元": {Min: 50000, Max: 100000},
			"货值金额一万元以上": {Base: "goods_value", MinMultiple: 10, MaxMultiple: 20}}, false),
		penalty("CF-HBJ-001", "HBJ", map[string]compliance.Tier{
			"轻微": {Min: 0, Max: 10000}, "一般": {Min: 10000, Max: 100000}, "严重": {Min: 100000, Max: 1000000}}, true),
		{Code: "JC-HBJ-001", Name: "排污单位现场检查", Category: "行政检查", DepartmentCode: "HBJ", LegalBases: bases(1),
			TimeLimit: compliance.TimeLimit{Days: 10, Unit: compliance.UnitWorkday},
			Steps: []compliance.FlowStep{{Code: "plan", Name: "检查计划"}, {Code: "inspect", Name: "现场检查"},
				{Code: "conclude", Name: "检查结论", EndsClock: true}}},
	}
}

// detEvent is one thing the data set does at its recording time: submit a
// step (as the department's clerk) or sign an approval (as its approver).
type detEvent struct {
	at       time.Time // recording time (the clock then)
	seq      int       // generation order: ties keep it
	dept     int       // index in detDepartments
	step     *compliance.StepSubmission
	approval *compliance.ApprovalRequest
	caseNo   string
	role     compliance.Role
}

var shanghai = time.FixedZone("CST", 8*3600)

// detGenerate returns the first n steps of the data set (and the approvals
// signed among them), in recording order.
func detGenerate(n int) []detEvent {
	rng := rand.New(rand.NewPCG(20261206, 16))
	items := map[string]compliance.PowerItem{}
	for _, it := range detItems() {
		items[it.Code] = it
	}
	var evs []detEvent
	steps := 0
	for c := 0; steps < n+n/4+16; c++ {
		d := rng.IntN(len(detDepartments))
		dep := detDepartments[d]
		codes := []string{dep.licence, dep.penalty, dep.checking}
		codes = slices.DeleteFunc(codes, func(s string) bool { return s == "" })
		it := items[codes[rng.IntN(len(codes))]]
		g := detCase{rng: rng, item: it, dept: d, caseNo: fmt.Sprintf("%s-2026-%06d", dep.code, c+1)}
		for _, e := range g.events() {
			e.seq = len(evs)
			evs = append(evs, e)
			if e.step != nil {
				steps++
			}
		}
	}
	slices.SortStableFunc(evs, func(a, b detEvent) int {
		return cmp.Or(a.at.Compare(b.at), cmp.Compare(a.seq, b.seq))
	})
	out := evs[:0]
	steps = 0
	for _, e := range evs {
		if e.step != nil {
			if steps == n {
				break
			}
			steps++
		}
		out = append(out, e)
	}
	return out
}

// detCase generates the events of one case.
type detCase struct {
	rng    *rand.Rand
	item   compliance.PowerItem
	dept   int
	caseNo string
	t      time.Time // when the last step occurred
	n      int       // steps so far
	out    []detEvent
}

// events walks the item's flow from an acceptance day in 2026, with the
// slips a real department makes: steps skipped, repeated, done out of
// order or entered late, suspensions, extensions, missing approvals and
// legal bases, amounts outside their tier.
func (g *detCase) events() []detEvent {
	r := g.rng
	start := time.Date(2026, 1, 5, 9, 0, 0, 0, shanghai).AddDate(0, 0, r.IntN(355))
	g.t = start.Add(time.Duration(r.IntN(480)) * time.Minute)
	flow := g.item.Steps
	stop := len(flow)
	if r.IntN(5) == 0 { // a fifth of the cases are still under way
		stop = 1 + r.IntN(len(flow))
	}
	for i := 0; i < stop; i++ {
		code := flow[i].Code
		switch x := r.IntN(100); {
		case i > 0 && x < 4: // skipped
			continue
		case i > 0 && x < 7: // repeated
			g.step(flow[i-1])
		case i > 1 && x < 9: // the next one first
			g.step(flow[i])
			g.t = g.t.Add(-time.Duration(1+r.IntN(30)) * time.Hour)
			g.step(flow[i-1])
			continue
		case i > 0 && x < 15:
			g.step(compliance.FlowStep{Code: compliance.StepSuspend})
			if r.IntN(8) > 0 {
				g.step(compliance.FlowStep{Code: compliance.StepResume})
			}
		case i > 0 && x < 20:
			g.extend()
		case i > 0 && x < 21:
			g.step(compliance.FlowStep{Code: compliance.StepResume}) // without a suspension
		}
		if flow[i].RiskCheckpoint || flow[i].RequiresApproval != "" {
			g.approve(code, flow[i].RequiresApproval)
		}
		g.step(flow[i])
	}
	return g.out
}

// advance moves the case's clock on by a few days, mostly working hours.
func (g *detCase) advance() {
	r := g.rng
	days := []int{0, 1, 1, 2, 3, 5, 8, 12, 20, 40}[r.IntN(10)]
	t := g.t.AddDate(0, 0, days)
	g.t = time.Date(t.Year(), t.Month(), t.Day(), 8+r.IntN(10), r.IntN(60), 0, 0, shanghai)
}

// recorded is when a step that occurred at t is entered: within the hour
// mostly, days or weeks later sometimes.
func (g *detCase) recorded(t time.Time) time.Time {
	at := t.Truncate(time.Hour).Add(time.Hour)
	switch x := g.rng.IntN(100); {
	case x < 6:
		at = at.AddDate(0, 0, 2+g.rng.IntN(3))
	case x < 8:
		at = at.AddDate(0, 0, 10+g.rng.IntN(20))
	}
	return at
}

// approve signs, most of the time, the approval that step code needs
// before it occurs: mostly by the right role, sometimes a rejection.
func (g *detCase) approve(code, role string) {
	r := g.rng
	if g.n == 0 || r.IntN(10) < 3 {
		return
	}
	req := compliance.ApprovalRequest{StepCode: code, Decision: compliance.DecisionApprove}
	if r.IntN(12) == 0 {
		req.Decision, req.Opinion = compliance.DecisionReject, "材料不全，不同意"
	}
	if role == "" {
		role = string(compliance.RoleDeptInspector)
	}
	at := g.t.Add(time.Duration(1+r.IntN(20)) * time.Hour)
	g.out = append(g.out, detEvent{at: at.Truncate(time.Hour).Add(time.Hour), dept: g.dept, approval: &req,
		caseNo: g.caseNo, role: compliance.Role(role)})
}

// extend records an extension, approved by the leader most of the time.
func (g *detCase) extend() {
	g.approve(compliance.StepExtend, string(compliance.RoleDeptAdmin))
	g.step(compliance.FlowStep{Code: compliance.StepExtend})
}

// step records one step of code f.Code after advancing the clock.
func (g *detCase) step(f compliance.FlowStep) {
	r := g.rng
	dep := detDepartments[g.dept]
	if g.n > 0 {
		g.advance()
	}
	sub := compliance.StepSubmission{ID: fmt.Sprintf("%s-%02d-%s", g.caseNo, g.n, f.Code), CaseNo: g.caseNo,
		StepCode: f.Code, Handler: dep.clerk, OccurredAt: g.t, Attributes: map[string]any{}}
	if g.n == 0 {
		sub.PowerItemCode, sub.Applicant = g.item.Code, fmt.Sprintf("某公司%d", r.IntN(1000))
	}
	switch x := r.IntN(40); {
	case x == 0:
		sub.Handler = "临时工"
	case x < 4:
		sub.Handler = dep.inspector
	}
	if f.EndsClock || f.Code == "file" || r.IntN(6) == 0 {
		sub.LegalBasisIDs = [][]string{nil, {"LB1"}, {"LB1", "LB2"}, {"LB9"}, {"LB2"}, {"LB1"}}[r.IntN(6)]
	}
	if f.Code == compliance.StepExtend {
		sub.Attributes["extension_days"] = []any{5.0, 10.0, 15.0, 30.0, 45.0, 2.5, "十"}[r.IntN(7)]
	}
	if g.item.Category == "行政处罚" && f.EndsClock {
		sub.Discretion = g.discretion()
		g.penaltyFacts(sub.Attributes)
	}
	g.n++
	g.out = append(g.out, detEvent{at: g.recorded(g.t), dept: g.dept, step: &sub, caseNo: g.caseNo})
}

// discretion is the penalty's tier and amount: mostly inside the tier.
func (g *detCase) discretion() *compliance.Discretion {
	r := g.rng
	if r.IntN(15) == 0 {
		return nil
	}
	names := make([]string, 0, len(g.item.Discretion))
	for name := range g.item.Discretion {
		names = append(names, name)
	}
	slices.Sort(names)
	name := names[r.IntN(len(names))]
	if r.IntN(20) == 0 {
		name = "情节特别严重"
	}
	tier := g.item.Discretion[name]
	d := &compliance.Discretion{Tier: name}
	lo, hi := tier.Min, tier.Max
	if tier.Base != "" {
		base := float64(10000 * (1 + r.IntN(500)))
		if r.IntN(10) > 0 {
			d.BaseAmount = &base
		}
		lo, hi = base*max(tier.MinRate, tier.MinMultiple), base*max(tier.MaxRate, tier.MaxMultiple)
	}
	d.Amount = float64(int(lo + (hi-lo)*r.Float64()))
	switch r.IntN(10) {
	case 0:
		d.Amount = float64(int(hi*1.2) + 1)
	case 1:
		d.Amount = float64(int(lo * 0.5))
	}
	return d
}

// penaltyFacts sets the facts of 《行政处罚法》's procedure on a decision.
func (g *detCase) penaltyFacts(a map[string]any) {
	r := g.rng
	at := func(daysBefore int) string { return g.t.AddDate(0, 0, -daysBefore).Format(time.RFC3339) }
	if r.IntN(4) == 0 {
		a["complex"] = true
		if r.IntN(2) == 0 {
			a["collective_discussion_at"] = at(1 + r.IntN(5))
		}
	}
	if r.IntN(4) == 0 {
		a["legal_review_required"] = true
	}
	if r.IntN(2) == 0 {
		a["legal_reviewed_at"] = at(1 + r.IntN(5))
	}
	if r.IntN(3) == 0 {
		a["hearing_eligible"] = true
		if r.IntN(3) > 0 {
			a["hearing_notified_at"] = at(20 + r.IntN(5))
			if r.IntN(2) == 0 {
				a["hearing_requested_at"] = at(20 - r.IntN(10))
				a["hearing_at"] = at(1 + r.IntN(12))
			}
		}
	}
}
