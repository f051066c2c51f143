package compliance

import (
	"context"
	"sort"
	"time"
)

// ImpactStore is what a dry run needs of the store.
type ImpactStore interface {
	// StepsRecorded lists up to limit steps recorded in [from, to) after
	// sequence number after, in recording order, with their stored answers.
	StepsRecorded(ctx context.Context, from, to time.Time, after int64, limit int) ([]RecordedStep, error)
	CasesByNo(ctx context.Context, nos []string) (map[string]Case, error)
	StepsOfCases(ctx context.Context, caseNos []string) (map[string][]Step, error)
}

// RecordedStep is a stored step with its recording sequence and answer.
type RecordedStep struct {
	Seq    int64
	Step   Step
	Result StepResult
}

// ImpactReport says which warnings a candidate policy set would raise that
// the stored answers do not have (appear), and the reverse (disappear).
type ImpactReport struct {
	From  time.Time `json:"from"`
	To    time.Time `json:"to"`
	Steps int       `json:"steps"`
	// PatrolDays counts the department working days whose patrol_day
	// evaluation was compared, the candidate's against the active one's.
	PatrolDays int `json:"patrol_days"`
	// Params lists the rule parameters the candidate changes.
	Params    []ParamChange `json:"params"`
	Appear    []ImpactCount `json:"appear"`
	Disappear []ImpactCount `json:"disappear"`
	Failed    int           `json:"failed"`    // steps the candidate could not evaluate
	Truncated bool          `json:"truncated"` // the time bound ended the run early
	Seconds   float64       `json:"seconds"`
}

// ImpactCount counts one rule's changes in one department.
type ImpactCount struct {
	Rule           string          `json:"rule"`
	Level          string          `json:"level"`
	DepartmentCode string          `json:"department_code"`
	Count          int             `json:"count"`
	Examples       []ImpactExample `json:"examples"`
}

// ImpactExample is one step where a change shows.
type ImpactExample struct {
	CaseNo  string `json:"case_no"`
	StepID  string `json:"step_id"`
	Date    string `json:"date,omitempty"` // a patrol day's
	Message string `json:"message"`
}

// ImpactExamples is how many examples each count keeps.
const ImpactExamples = 3

// impactPage is how many steps a dry run reads at a time.
const impactPage = 1000

// Impact evaluates cand against the steps recorded in [from, to), each as of
// the moment it was recorded, and compares with what was stored. It stores
// nothing. When ctx ends first, the report covers the steps done so far.
func (s *Policies) Impact(ctx context.Context, from, to time.Time, cand Evaluator) (ImpactReport, error) {
	is := s.store
	start := time.Now()
	rep := ImpactReport{From: from, To: to}
	appear, disappear := map[[3]string]*ImpactCount{}, map[[3]string]*ImpactCount{}
	var after int64
	for {
		page, err := is.StepsRecorded(ctx, from, to, after, impactPage)
		if ctx.Err() != nil {
			rep.Truncated = true
			break
		}
		if err != nil {
			return rep, err
		}
		if len(page) == 0 {
			break
		}
		after = page[len(page)-1].Seq
		if err := s.impactPage(ctx, is, cand, page, &rep, appear, disappear); err != nil {
			return rep, err
		}
		if ctx.Err() != nil {
			rep.Truncated = true
			break
		}
		if len(page) < impactPage {
			break
		}
	}
	if !rep.Truncated {
		if err := s.impactPatrolDays(ctx, from, to, cand, &rep, appear, disappear); err != nil {
			return rep, err
		}
	}
	rep.Appear, rep.Disappear = sortedCounts(appear), sortedCounts(disappear)
	rep.Seconds = time.Since(start).Seconds()
	return rep, nil
}

// impactPage evaluates a page of recorded steps with cand and counts the
// warnings that would appear and disappear.
func (s *Policies) impactPage(ctx context.Context, is ImpactStore, cand Evaluator, page []RecordedStep, rep *ImpactReport, appear, disappear map[[3]string]*ImpactCount) error {
	facts, err := s.readImpactCases(ctx, is, page)
	if err != nil {
		return err
	}
	outcomes := make([]impactOutcome, len(page))
	onEveryCore(len(page), func(i int) {
		outcomes[i] = s.reevaluate(ctx, cand, page[i], facts)
	})
	for i, p := range page {
		if ctx.Err() != nil {
			return nil
		}
		rep.Steps++
		if outcomes[i].failed {
			rep.Failed++
			continue
		}
		compareFindings(p, outcomes[i].findings, facts.cases[p.Step.CaseNo].DepartmentCode, appear, disappear)
	}
	return nil
}

// impactCases are the cases of a page of recorded steps, with all their
// steps and signed approvals.
type impactCases struct {
	cases  map[string]Case
	steps  map[string][]Step
	signed map[string][]SignedApproval
}

func (s *Policies) readImpactCases(ctx context.Context, is ImpactStore, page []RecordedStep) (impactCases, error) {
	var nos []string
	seen := map[string]bool{}
	for _, p := range page {
		if !seen[p.Step.CaseNo] {
			seen[p.Step.CaseNo] = true
			nos = append(nos, p.Step.CaseNo)
		}
	}
	var f impactCases
	var err error
	if f.cases, err = is.CasesByNo(ctx, nos); err != nil {
		return f, err
	}
	if f.steps, err = is.StepsOfCases(ctx, nos); err != nil {
		return f, err
	}
	f.signed, err = s.store.ApprovalsOfCases(ctx, nos)
	return f, err
}

// impactOutcome is what the candidate found on one recorded step.
type impactOutcome struct {
	findings []Finding
	failed   bool
}

// reevaluate evaluates the recorded step p with cand as of the moment it
// was recorded: its case's earlier steps and the approvals signed by then.
func (s *Policies) reevaluate(ctx context.Context, cand Evaluator, p RecordedStep, f impactCases) impactOutcome {
	c, ok := f.cases[p.Step.CaseNo]
	if !ok {
		return impactOutcome{failed: true}
	}
	item, err := s.item(ctx, c.ItemCode, c.ItemVersion)
	if err != nil {
		return impactOutcome{failed: true}
	}
	dept, _ := s.department(ctx, c.DepartmentCode)
	var earlier []Step
	for _, e := range f.steps[c.CaseNo] {
		if e.ID == p.Step.ID {
			break
		}
		earlier = append(earlier, e)
	}
	st := p.Step
	ev, err := cand.Evaluate(ctx, &Input{Event: EventStep, Now: st.RecordedAt, Department: dept,
		Item: item, Case: &c, Steps: earlier, Approvals: approvalsAsOf(f.signed[c.CaseNo], st.RecordedAt), Step: &st})
	return impactOutcome{findings: ev.Findings, failed: err != nil}
}

// compareFindings counts what the candidate found on p that its stored
// answer lacks (appear) and, when the step was checked, the reverse
// (disappear).
func compareFindings(p RecordedStep, found []Finding, dept string, appear, disappear map[[3]string]*ImpactCount) {
	before := map[string]Finding{}
	for _, w := range p.Result.Warnings {
		f := Finding{Rule: w.Rule, Level: w.Level, Message: w.Message, Key: w.Key}
		before[DedupeKey(p.Step.ID, f)] = f
	}
	after := map[string]Finding{}
	for _, f := range found {
		after[DedupeKey(p.Step.ID, f)] = f
	}
	for k, f := range after {
		if _, ok := before[k]; !ok {
			count(appear, dept, f, stepExample(p))
		}
	}
	if p.Step.CheckStatus != CheckChecked {
		return // nothing was found before: nothing can disappear
	}
	for k, f := range before {
		if _, ok := after[k]; !ok {
			count(disappear, dept, f, stepExample(p))
		}
	}
}

// stepExample is the example of a change on the recorded step p.
func stepExample(p RecordedStep) ImpactExample {
	return ImpactExample{CaseNo: p.Step.CaseNo, StepID: p.Step.ID}
}

// count counts a change of f's rule in dept; ex (a step or a patrol day,
// with f's message) is kept as one of its first ImpactExamples examples.
func count(m map[[3]string]*ImpactCount, dept string, f Finding, ex ImpactExample) {
	k := [3]string{f.Rule, f.Level, dept}
	c, ok := m[k]
	if !ok {
		c = &ImpactCount{Rule: f.Rule, Level: f.Level, DepartmentCode: dept, Examples: []ImpactExample{}}
		m[k] = c
	}
	c.Count++
	if len(c.Examples) < ImpactExamples {
		ex.Message = f.Message
		c.Examples = append(c.Examples, ex)
	}
}

func sortedCounts(m map[[3]string]*ImpactCount) []ImpactCount {
	out := make([]ImpactCount, 0, len(m))
	for _, c := range m {
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		if out[i].Rule != out[j].Rule {
			return out[i].Rule < out[j].Rule
		}
		return out[i].DepartmentCode < out[j].DepartmentCode
	})
	return out
}
