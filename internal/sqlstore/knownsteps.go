package sqlstore

import (
	"encoding/json"
	"slices"
	"sync"

	"powercheck/internal/compliance"
)

// knownSteps remembers the steps of the cases this node read or stored
// lately, as CaseState reads them, each at the version of its case. A
// case's steps are only ever added, by a step that advances its version in
// the same transaction (the version counts the steps after the first), and
// what CaseState reads of a step never changes once stored (caseStepsRead
// leaves out its check outcome and answer, which a re-check rewrites). So
// the steps kept for a case at the version its row has now are its steps
// now, whichever node stored them: CaseState reads the row every time and
// the steps only when the version differs. The zero value is empty and
// ready.
type knownSteps struct {
	mu sync.Mutex
	// Two generations: when cur is full it becomes old and a case found
	// only in old moves back to cur, so what is used stays.
	cur, old map[string]stepsAt
}

// stepsAt is a case's steps at one version of the case.
type stepsAt struct {
	version int64
	steps   []compliance.Step
}

// maxKnownCases bounds each generation of knownSteps: its keys are case
// numbers clients send.
const maxKnownCases = 1024

// at returns caseNo's steps when they are kept at version. The slice is
// clipped: appending to it does not touch what is kept.
func (k *knownSteps) at(caseNo string, version int64) ([]compliance.Step, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	e, ok := k.find(caseNo)
	if !ok || e.version != version {
		return nil, false
	}
	return slices.Clip(e.steps), true
}

// has says whether any steps of caseNo are kept, at whatever version.
func (k *knownSteps) has(caseNo string) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	_, ok := k.find(caseNo)
	return ok
}

// find looks caseNo up in both generations; k.mu is held.
func (k *knownSteps) find(caseNo string) (stepsAt, bool) {
	if e, ok := k.cur[caseNo]; ok {
		return e, true
	}
	e, ok := k.old[caseNo]
	if ok {
		k.put(caseNo, e)
	}
	return e, ok
}

// put keeps e for caseNo in the current generation; k.mu is held.
func (k *knownSteps) put(caseNo string, e stepsAt) {
	if k.cur == nil || len(k.cur) >= maxKnownCases {
		k.old, k.cur = k.cur, make(map[string]stepsAt, 64)
	}
	delete(k.old, caseNo)
	k.cur[caseNo] = e
}

// keep remembers steps as read of caseNo at version. A read is made
// without a lock: its steps may include one stored after the version was
// read, but such a step advanced the version, so steps kept at the old one
// are not asked for again. A full list is not kept (the read stops at
// MaxCaseSteps).
func (k *knownSteps) keep(caseNo string, version int64, steps []compliance.Step) {
	if len(steps) >= compliance.MaxCaseSteps {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.put(caseNo, stepsAt{version: version, steps: slices.Clip(steps)})
}

// stored notes a committed step: a new case's steps are its first; an
// existing case's kept steps gain it when they were kept at the version
// the step was stored on.
func (k *knownSteps) stored(rec compliance.StepRecord) {
	step, err := stepAsRead(rec)
	k.mu.Lock()
	defer k.mu.Unlock()
	caseNo := rec.Case.CaseNo
	e, ok := k.find(caseNo)
	switch {
	case err != nil:
		// Not expected (the step's row was just written from the same
		// values): what is kept of the case is dropped, not guessed.
		delete(k.cur, caseNo)
		delete(k.old, caseNo)
	case rec.NewCase:
		k.put(caseNo, stepsAt{version: 0, steps: []compliance.Step{step}})
	case ok && e.version == rec.Case.Version && len(e.steps)+1 < compliance.MaxCaseSteps:
		// A new slice: one handed out by at may still be in use.
		k.put(caseNo, stepsAt{version: e.version + 1, steps: append(slices.Clip(e.steps), step)})
	case ok:
		delete(k.cur, caseNo)
		delete(k.old, caseNo)
	}
}

// stepAsRead is the step of rec as caseStepsRead reads it back: its row as
// written (times in UTC to the millisecond), its detail through JSON as
// the column's serializer takes it, without the columns the read leaves
// out.
func stepAsRead(rec compliance.StepRecord) (compliance.Step, error) {
	row := fromStep(rec.Step, rec.Case.DepartmentCode, rec.Digest)
	b, err := json.Marshal(row.Detail)
	if err != nil {
		return compliance.Step{}, err
	}
	var d stepDetail
	if err := json.Unmarshal(b, &d); err != nil {
		return compliance.Step{}, err
	}
	row.Detail = d
	row.CheckStatus, row.CheckError, row.PolicyRevision = "", "", 0
	return toStep(row), nil
}
