package sqlstore_test

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"

	"powercheck/internal/compliance"
	"powercheck/internal/sqlstore"
)

// rollupRules are the findings the workload raises: every family the
// dashboard tells apart, and both overdue rules.
var rollupRules = []string{"deadline.item_due_soon", "deadline.item_overdue", "deadline.step_overdue",
	"checkpoint.approval_missing", "legal_basis.missing", "sequence.out_of_order", "sync.late_entry"}

var rollupStatuses = []struct{ action, to string }{
	{compliance.ActionExplain, compliance.WarningExplained},
	{compliance.ActionBeginRectify, compliance.WarningRectifying},
	{compliance.ActionRectify, compliance.WarningRectified},
	{compliance.ActionRectify, compliance.WarningRectified},
	{compliance.ActionVerify, compliance.WarningVerified},
	{compliance.ActionRefer, compliance.WarningReferred},
	{compliance.ActionClose, compliance.WarningClosed},
	{"reopen", compliance.WarningOpen},
	{compliance.ActionLift, compliance.WarningLifted},
}

// rollupWorkload drives a random mix of what changes the dashboard's
// figures through the store: new cases, later steps that close and reopen
// cases, sweeper ticks, catalog checks (warnings without a case) and
// warning transitions, over about two months with many steps near
// midnight in Shanghai. The clock only moves forward, so that a warning
// never precedes its case nor a rectification its alarm.
type rollupWorkload struct {
	t     *testing.T
	s     *sqlstore.Store
	r     *rand.Rand
	items []compliance.PowerItem
	now   time.Time
	cases []string
	warns []int64
	seq   int
}

func (w *rollupWorkload) tick() time.Time {
	switch w.r.IntN(4) {
	case 0: // to a minute or so before or after midnight in Shanghai
		next := w.now.Add(8 * time.Hour).Truncate(24 * time.Hour).Add(24*time.Hour - 8*time.Hour)
		w.now = next.Add(time.Duration(w.r.IntN(240)-60) * time.Second)
		if w.now.Before(next.Add(-2 * time.Minute)) {
			w.now = next.Add(time.Duration(w.r.IntN(60)) * time.Second)
		}
	default:
		w.now = w.now.Add(time.Duration(1+w.r.IntN(600)) * time.Minute)
	}
	w.now = w.now.Add(time.Duration(w.r.IntN(1000)) * time.Millisecond)
	return w.now
}

func (w *rollupWorkload) findings() []compliance.Finding {
	var out []compliance.Finding
	for range w.r.IntN(4) {
		level := compliance.LevelPrewarning
		if w.r.IntN(2) == 0 {
			level = compliance.LevelAlarm
		}
		w.seq++
		f := compliance.Finding{Rule: rollupRules[w.r.IntN(len(rollupRules))], Level: level,
			Message: "发现问题", Basis: "依据", Key: strconv.Itoa(w.seq)}
		if w.r.IntN(4) == 0 {
			f.Key = "" // one of the step, not of a key across the case
		}
		out = append(out, f)
	}
	return out
}

func (w *rollupWorkload) step(caseNo, code string) compliance.Step {
	w.seq++
	return compliance.Step{ID: fmt.Sprintf("%s-%s-%d", caseNo, code, w.seq), CaseNo: caseNo, StepCode: code, Handler: "张三",
		OccurredAt: w.now, RecordedAt: w.now, LegalBasisIDs: []string{}, Approvals: []compliance.Approval{},
		Attributes: map[string]any{}, CheckStatus: compliance.CheckChecked, PolicyRevision: 1}
}

func (w *rollupWorkload) keep(res compliance.StepResult) {
	for _, x := range res.Warnings {
		w.warns = append(w.warns, x.ID)
	}
}

// run does n random operations.
func (w *rollupWorkload) run(n int) {
	ctx := context.Background()
	for range n {
		w.tick()
		switch op := w.r.IntN(10); {
		case op < 3 || len(w.cases) == 0:
			w.newCase(ctx)
		case op < 5:
			w.laterStep(ctx)
		case op < 6:
			w.ticks(ctx)
		case op < 7:
			w.catalogCheck(ctx)
		default:
			w.transition(ctx)
		}
	}
}

// newCase records the first step of a new case, closed one time in ten.
func (w *rollupWorkload) newCase(ctx context.Context) {
	it := w.items[w.r.IntN(len(w.items))]
	no := fmt.Sprintf("%s-%04d", it.DepartmentCode, len(w.cases))
	st := w.step(no, "accept")
	c := compliance.Case{CaseNo: no, ItemCode: it.Code, ItemVersion: it.Version, DepartmentCode: it.DepartmentCode,
		Applicant: "某公司", AcceptedAt: w.now, Status: compliance.CaseOpen, CreatedAt: w.now, UpdatedAt: w.now}
	if w.r.IntN(10) == 0 {
		c.Status = compliance.CaseClosed
	}
	rec := compliance.StepRecord{Case: c, NewCase: true, Step: st, Digest: "d-" + st.ID, Findings: w.findings()}
	res, err := w.s.Cases().RecordStep(ctx, rec, respond(rec))
	if err != nil {
		w.t.Fatalf("new case %s: %v", no, err)
	}
	w.cases = append(w.cases, no)
	w.keep(res)
}

// laterStep records a later step, which may close or reopen its case.
func (w *rollupWorkload) laterStep(ctx context.Context) {
	c, err := w.s.Cases().Case(ctx, w.cases[w.r.IntN(len(w.cases))])
	if err != nil {
		w.t.Fatal(err)
	}
	// Half the steps give the status they were checked against, as
	// the service does; the others leave the store to read it.
	before := ""
	if w.r.IntN(2) == 0 {
		before = c.Status
	}
	switch w.r.IntN(4) {
	case 0:
		c.Status = compliance.CaseClosed
	case 1:
		c.Status = compliance.CaseOpen
	}
	c.UpdatedAt = w.now
	st := w.step(c.CaseNo, "review")
	rec := compliance.StepRecord{Case: c, StatusBefore: before, Step: st, Digest: "d-" + st.ID, Findings: w.findings()}
	had, err := w.s.Warnings().CaseWarnings(ctx, []string{c.CaseNo})
	if err != nil {
		w.t.Fatal(err)
	}
	// Half the steps give the case's warnings as read, as the service
	// does. A third raise again a warning the case has.
	if w.r.IntN(2) == 0 {
		rec.Warnings = had[c.CaseNo]
	}
	var again *compliance.Warning
	if ws := had[c.CaseNo]; len(ws) > 0 && w.r.IntN(3) == 0 {
		if x := ws[w.r.IntN(len(ws))]; x.Key != "" {
			again = &x
			rec.Findings = append(rec.Findings, compliance.Finding{Rule: x.Rule, Level: x.Level, Message: "再次发现", Basis: "依据", Key: x.Key})
		}
	}
	res, err := w.s.Cases().RecordStep(ctx, rec, respond(rec))
	if err != nil {
		w.t.Fatalf("step on %s: %v", c.CaseNo, err)
	}
	w.checkAnswer(rec, res, again)
	w.keep(res)
}

// checkAnswer holds the warnings a step was answered with to its findings:
// one each, the new ones of the step, again as the case already had it.
func (w *rollupWorkload) checkAnswer(rec compliance.StepRecord, res compliance.StepResult, again *compliance.Warning) {
	w.t.Helper()
	var distinct []compliance.Finding // a step's findings alike are one warning
	seen := map[string]bool{}
	for _, f := range rec.Findings {
		if k := compliance.DedupeKey(rec.Step.ID, f); !seen[k] {
			seen[k] = true
			distinct = append(distinct, f)
		}
	}
	if len(res.Warnings) != len(distinct) {
		w.t.Fatalf("step %s: %d findings answered with %d warnings", rec.Step.ID, len(distinct), len(res.Warnings))
	}
	for i, x := range res.Warnings {
		f := distinct[i]
		if x.Rule != f.Rule || x.Level != f.Level || x.Key != f.Key || x.ID == 0 {
			w.t.Fatalf("step %s: finding %d %+v answered with warning %+v", rec.Step.ID, i, f, x)
		}
		switch {
		case again != nil && i == len(distinct)-1:
			// The case's warnings are read without their messages.
			if x.ID != again.ID || x.StepID != again.StepID || x.Message == f.Message {
				w.t.Fatalf("step %s: warning raised again answered as %+v, stored as %+v", rec.Step.ID, x, *again)
			}
		case x.StepID != rec.Step.ID || x.Message != f.Message:
			w.t.Fatalf("step %s: new warning answered as %+v", rec.Step.ID, x)
		}
	}
}

// ticks records the sweeper's ticks on a few cases.
func (w *rollupWorkload) ticks(ctx context.Context) {
	var ts []compliance.TickRecord
	for range 1 + w.r.IntN(3) {
		c, err := w.s.Cases().Case(ctx, w.cases[w.r.IntN(len(w.cases))])
		if err != nil {
			w.t.Fatal(err)
		}
		if slices.ContainsFunc(ts, func(t compliance.TickRecord) bool { return t.Case.CaseNo == c.CaseNo }) {
			continue
		}
		next := w.now.Add(time.Hour)
		ts = append(ts, compliance.TickRecord{Case: c, NextCheck: &next, Findings: w.findings(), Revision: 1, At: w.now})
	}
	if _, _, err := w.s.Cases().RecordTicks(ctx, ts); err != nil {
		w.t.Fatalf("ticks: %v", err)
	}
}

// catalogCheck records a catalog check: warnings of no case.
func (w *rollupWorkload) catalogCheck(ctx context.Context) {
	it := w.items[w.r.IntN(len(w.items))]
	if _, err := w.s.Catalog().RecordCatalogCheck(ctx, compliance.CatalogRecord{ItemCode: it.Code, DepartmentCode: it.DepartmentCode,
		Findings: w.findings(), Revision: 1, At: w.now}); err != nil {
		w.t.Fatalf("catalog check: %v", err)
	}
}

// transition moves a warning, if there is one, to a random status.
func (w *rollupWorkload) transition(ctx context.Context) {
	if len(w.warns) == 0 {
		return
	}
	x, err := w.s.Warnings().Warning(ctx, w.warns[w.r.IntN(len(w.warns))])
	if err != nil {
		w.t.Fatal(err)
	}
	to := rollupStatuses[w.r.IntN(len(rollupStatuses))]
	if _, _, err := w.s.Warnings().TransitionWarning(ctx, compliance.Transition{WarningID: x.ID, Action: to.action,
		From: x.Status, To: to.to, Actor: "tester", Role: compliance.RoleAdmin, At: w.now}); err != nil {
		w.t.Fatalf("transition %d: %v", x.ID, err)
	}
}

// sortedFigures are the six aggregates of one filter, in one order.
type sortedFigures struct {
	Warnings []compliance.WarningFigures
	Cases    []compliance.CaseFigures
	Rectify  []compliance.RectifyBucket
	Months   []compliance.MonthFigures
	Counts   []compliance.WarningCount
	Depts    []compliance.DepartmentCounts
}

type figureSource interface {
	WarningFigures(ctx context.Context, f compliance.StatsFilter) ([]compliance.WarningFigures, error)
	CaseFigures(ctx context.Context, f compliance.StatsFilter) ([]compliance.CaseFigures, error)
	RectifyDays(ctx context.Context, f compliance.StatsFilter) ([]compliance.RectifyBucket, error)
	MonthFigures(ctx context.Context, f compliance.StatsFilter) ([]compliance.MonthFigures, error)
	WarningCounts(ctx context.Context, f compliance.StatsFilter) ([]compliance.WarningCount, error)
	DepartmentCounts(ctx context.Context, f compliance.StatsFilter) ([]compliance.DepartmentCounts, error)
}

func figuresOf(t testing.TB, src figureSource, f compliance.StatsFilter) sortedFigures {
	t.Helper()
	ctx := context.Background()
	var out sortedFigures
	var errs [6]error
	out.Warnings, errs[0] = src.WarningFigures(ctx, f)
	out.Cases, errs[1] = src.CaseFigures(ctx, f)
	out.Rectify, errs[2] = src.RectifyDays(ctx, f)
	out.Months, errs[3] = src.MonthFigures(ctx, f)
	out.Counts, errs[4] = src.WarningCounts(ctx, f)
	out.Depts, errs[5] = src.DepartmentCounts(ctx, f)
	if err := errors.Join(errs[:]...); err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(out.Warnings, func(a, b compliance.WarningFigures) int { return cmp.Compare(a.DepartmentCode, b.DepartmentCode) })
	slices.SortFunc(out.Cases, func(a, b compliance.CaseFigures) int { return cmp.Compare(a.DepartmentCode, b.DepartmentCode) })
	slices.SortFunc(out.Rectify, func(a, b compliance.RectifyBucket) int {
		return cmp.Or(cmp.Compare(a.DepartmentCode, b.DepartmentCode), cmp.Compare(a.Tenths, b.Tenths))
	})
	slices.SortFunc(out.Months, func(a, b compliance.MonthFigures) int {
		return cmp.Or(cmp.Compare(a.DepartmentCode, b.DepartmentCode), cmp.Compare(a.Month, b.Month))
	})
	slices.SortFunc(out.Counts, func(a, b compliance.WarningCount) int {
		return cmp.Or(cmp.Compare(a.DepartmentCode, b.DepartmentCode), cmp.Compare(a.Month, b.Month),
			cmp.Compare(a.Level, b.Level), cmp.Compare(a.Family, b.Family))
	})
	slices.SortFunc(out.Depts, func(a, b compliance.DepartmentCounts) int { return cmp.Compare(a.DepartmentCode, b.DepartmentCode) })
	return out
}

var shanghai = time.FixedZone("Asia/Shanghai", 8*3600)

// rollupStart is the workload's first day, a midnight in Shanghai.
var rollupStart = time.Date(2026, 3, 1, 0, 0, 0, 0, shanghai)

// compareFigures holds the rollup's answers to the base tables' over random
// whole-day periods and department sets, and over the whole workload; it
// returns the whole workload's figures. Some periods are whole months,
// some hold whole months between partial ones or most of a month, and some
// end or begin on a month's first day, so that the warnings' months are
// read with days added and days taken off.
func compareFigures(t *testing.T, s *sqlstore.Store, r *rand.Rand, depts []string) sortedFigures {
	t.Helper()
	ready, err := s.RollupReady(context.Background())
	if err != nil || !ready {
		t.Fatalf("RollupReady = %v, %v: the dashboard would read the base tables", ready, err)
	}
	if ready, err := s.RollupMonthsReady(context.Background()); err != nil || !ready {
		t.Fatalf("RollupMonthsReady = %v, %v: the dashboard would read days only", ready, err)
	}
	all := compliance.StatsFilter{Departments: depts, From: rollupStart.AddDate(0, -1, 0), To: rollupStart.AddDate(0, 6, 0)}
	filters := []compliance.StatsFilter{all, {From: all.From, To: all.To}}
	for _, p := range [][2]time.Time{
		{rollupStart, rollupStart.AddDate(0, 1, 0)},                                    // March
		{rollupStart, rollupStart.AddDate(0, 2, 17)},                                   // March, April and days of May
		{rollupStart.AddDate(0, 0, 16), rollupStart.AddDate(0, 3, 0)},                  // days of March, April, May
		{rollupStart.AddDate(0, 0, 30), rollupStart.AddDate(0, 3, 1)},                  // 31 March, April, May, 1 June
		{rollupStart.AddDate(0, 0, 1), rollupStart.AddDate(0, 1, 0)},                   // March but its first day
		{rollupStart.AddDate(0, 1, 0).AddDate(0, 0, -1), rollupStart.AddDate(0, 1, 1)}, // 31 March, 1 April
		{rollupStart.AddDate(0, 0, 2), rollupStart.AddDate(0, 0, 28)},                  // most of March
		{rollupStart.AddDate(0, 0, 10), rollupStart.AddDate(0, 2, 20)},                 // most of March, April, most of May
	} {
		filters = append(filters, compliance.StatsFilter{Departments: depts, From: p[0], To: p[1]})
	}
	for i := range 60 {
		from := rollupStart.AddDate(0, 0, r.IntN(70)-5)
		f := compliance.StatsFilter{From: from, To: from.AddDate(0, 0, 1+r.IntN(40))}
		if i >= 40 {
			f.From = rollupStart.AddDate(0, 0, r.IntN(110)-10)
			f.To = f.From.AddDate(0, 0, 25+r.IntN(90))
		}
		for _, d := range depts {
			if r.IntN(2) == 0 {
				f.Departments = append(f.Departments, d)
			}
		}
		filters = append(filters, f)
	}
	var whole sortedFigures
	for i, f := range filters {
		got, want := figuresOf(t, s.Dashboard(), f), figuresOf(t, s.Base(), f)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s..%s %v:\nrollup %+v\nbase   %+v", f.From.Format(time.DateOnly), f.To.Format(time.DateOnly), f.Departments, got, want)
		}
		if i == 0 {
			whole = got
		}
	}
	return whole
}
