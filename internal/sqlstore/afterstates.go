package sqlstore

import (
	"strings"

	"gorm.io/gorm"

	"powercheck/internal/compliance"
)

// The audit records the state of a step's subjects, the step and its case,
// after the change, and of the warnings the step raised. For the steps of a
// group the step writer reads them all in the group's transaction, just
// before it commits (a statement for the steps and their cases, one for
// the warnings): the state the change committed, and two statements a
// group instead of up to two a step after the commit. They are handed to
// the change once the transaction has committed (keepAfter); AuditStates
// and the list of what the change wrote answer from them. A step stored on
// its own, a replay and a step that failed are read after the commit, as
// other subjects are.

// stepSubjects names a step (of its department) and its case.
type stepSubjects struct{ dept, id, caseNo string }

// subjectStates is the state of a step and of its case, as AuditState
// encodes them.
type subjectStates struct{ step, kase []byte }

// afterState is the state of one stored job's subjects and warnings.
type afterState struct {
	job      *stepJob
	states   subjectStates
	warnings []joinedWarning
}

// groupAfterStates reads, in tx, the state of the step and the case of each
// of jobs that was stored, in one statement (see eachJoinedRow). Only a row
// that matches a job's keys exactly is kept for it: what the audit does not
// keep it reads after the commit, as for a step stored alone, and this
// read refuses no step for a row it cannot match.
func groupAfterStates(tx *gorm.DB, jobs []*stepJob) ([]afterState, error) {
	byStep := map[stepSubjects]*stepJob{}
	var conds []string
	var args []any
	for _, j := range jobs {
		if j.err != nil || tracked(j.ctx) == nil {
			continue
		}
		k := subjectsOf(j.rec)
		byStep[k] = j
		conds = append(conds, "(s.id = ? AND s.department_code = ?)")
		args = append(args, k.id, k.dept)
	}
	if len(conds) == 0 {
		return nil, nil
	}
	var out []afterState
	err := eachJoinedRow(tx.Raw("SELECT s.*, 1 AS pc_state_split, c.* FROM steps s JOIN cases c ON c.case_no = s.case_no WHERE "+
		strings.Join(conds, " OR "), args...), func(s, c rowValues) error {
		k := stepSubjects{dept: s.text("department_code"), id: s.text("id"), caseNo: c.text("case_no")}
		j := byStep[k]
		if j == nil {
			// Not one of the keys asked for as written (none is expected):
			// its job keeps nothing and is read after the commit.
			return nil
		}
		delete(byStep, k)
		out = append(out, afterState{job: j, states: subjectStates{step: encodeRow(s.cols, s.vals), kase: encodeRow(c.cols, c.vals)}})
		return nil
	})
	if err != nil {
		return nil, wrap(err, "read the state of the group's steps and cases")
	}
	// A stored step not found (none is expected) keeps nothing either.
	return out, groupWarningStates(tx, out)
}

// groupWarningStates adds to each of states the warnings its step raised:
// those that name it (see tellStepWarnings), in one statement.
func groupWarningStates(tx *gorm.DB, states []afterState) error {
	type raised struct{ caseNo, stepID string }
	index := map[raised]int{}
	var conds []string
	var args []any
	for i, a := range states {
		if len(a.job.rec.Findings) == 0 {
			continue
		}
		index[raised{a.job.rec.Case.CaseNo, a.job.rec.Step.ID}] = i
		conds = append(conds, "(w.case_no = ? AND w.step_id = ?)")
		args = append(args, a.job.rec.Case.CaseNo, a.job.rec.Step.ID)
	}
	if len(conds) == 0 {
		return nil
	}
	ws, err := joinedWarnings(tx, strings.Join(conds, " OR "), args...)
	if err != nil {
		return wrap(err, "read the warnings of the group's steps")
	}
	for _, w := range ws {
		i, ok := index[raised{w.key.caseNo, w.stepID}]
		if !ok {
			continue // not asked for (none is expected): the list reads it
		}
		states[i].warnings = append(states[i].warnings, w)
	}
	return nil
}

// subjectsOf names the step and the case of rec.
func subjectsOf(rec compliance.StepRecord) stepSubjects {
	return stepSubjects{dept: rec.Case.DepartmentCode, id: rec.Step.ID, caseNo: rec.Case.CaseNo}
}

// keepAfter hands each job's states to its change: call it once the
// transaction that read them has committed.
func keepAfter(states []afterState) {
	for _, a := range states {
		w := tracked(a.job.ctx)
		w.mu.Lock()
		if w.after == nil {
			w.after = map[stepSubjects]subjectStates{}
		}
		w.after[subjectsOf(a.job.rec)] = a.states
		for _, r := range a.warnings {
			if w.afterWarnings == nil {
				w.afterWarnings = map[warningKey]compliance.AuditObject{}
			}
			w.afterWarnings[r.key] = r.object
		}
		w.mu.Unlock()
	}
}

// keptAfter returns the states kept for a step and its case, the subjects
// of a step's submission, by the change ctx carries.
func keptAfter(w *writeSet, step, c compliance.AuditSubject) (subjectStates, bool) {
	if w == nil {
		return subjectStates{}, false
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	st, ok := w.after[stepSubjects{dept: step.Department, id: step.Key, caseNo: c.Key}]
	return st, ok
}
