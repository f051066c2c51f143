package sqlstore

import (
	"encoding/json"
	"slices"
	"sync"

	"powercheck/internal/compliance"
)

// knownCases remembers what this node read or stored lately of the state
// of cases: their steps and their signed approvals, each at the version of
// its case.
//
// A case's steps are only ever added, by a step that advances its version
// in the same transaction (the version counts the steps after the first),
// and what CaseState reads of a step never changes once stored
// (caseStepsRead leaves out its check outcome and answer, which a re-check
// rewrites). So the steps kept for a case at the version its row has now
// are its steps now, whichever node stored them: CaseState reads the row
// every time and the rest only when the version differs.
//
// Approvals are signed without moving the version, so those kept may lack
// one signed on another node. A step is stored only while its case has as
// many approvals as it was checked against (StepRecord.ApprovalsAsRead):
// one checked against too few fails with ErrCaseChanged, which drops what
// is kept of its case, and is checked again against a fresh read. One
// signed on this node drops what is kept at once.
//
// The zero value is empty and ready.
type knownCases struct {
	mu sync.Mutex
	// Two generations: when cur is full it becomes old and a case found
	// only in old moves back to cur, so what is used stays.
	cur, old map[string]caseKept
}

// caseKept is what is kept of a case at one version of it.
type caseKept struct {
	version   int64
	steps     []compliance.Step
	approvals []compliance.SignedApproval
}

// maxKnownCases bounds each generation of knownCases: its keys are case
// numbers clients send.
const maxKnownCases = 1024

// at returns what is kept of caseNo when it is kept at version. Its slices
// are clipped: appending to them does not touch what is kept.
func (k *knownCases) at(caseNo string, version int64) (caseKept, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	e, ok := k.find(caseNo)
	if !ok || e.version != version {
		return caseKept{}, false
	}
	e.steps, e.approvals = slices.Clip(e.steps), slices.Clip(e.approvals)
	return e, true
}

// has says whether anything of caseNo is kept, at whatever version.
func (k *knownCases) has(caseNo string) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	_, ok := k.find(caseNo)
	return ok
}

// find looks caseNo up in both generations; k.mu is held.
func (k *knownCases) find(caseNo string) (caseKept, bool) {
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
func (k *knownCases) put(caseNo string, e caseKept) {
	if k.cur == nil || len(k.cur) >= maxKnownCases {
		k.old, k.cur = k.cur, make(map[string]caseKept, 64)
	}
	delete(k.old, caseNo)
	k.cur[caseNo] = e
}

// keep remembers the steps and approvals of caseNo as read, the case at
// version. A read is made without a lock: its steps may include one
// stored after the version was read, but such a step advanced the
// version, so what is kept at the old one is not asked for again. A full
// list of steps is not kept (the read stops at MaxCaseSteps).
func (k *knownCases) keep(caseNo string, version int64, steps []compliance.Step, approvals []compliance.SignedApproval) {
	if len(steps) >= compliance.MaxCaseSteps {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.put(caseNo, caseKept{version: version, steps: slices.Clip(steps), approvals: slices.Clip(approvals)})
}

// forget drops what is kept of caseNo.
func (k *knownCases) forget(caseNo string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.cur, caseNo)
	delete(k.old, caseNo)
}

// stored notes a committed step: a new case's steps are its first, and it
// has no approvals yet; an existing case's kept steps gain it when they
// were kept at the version the step was stored on. Its approvals as kept
// stay, unless the step was checked against another count of them (then
// they are not the case's: what is kept is dropped).
func (k *knownCases) stored(rec compliance.StepRecord) {
	caseNo := rec.Case.CaseNo
	step, err := stepAsRead(rec)
	if err != nil {
		// Not expected (the step's row was just written from the same
		// values): what is kept of the case is dropped, not guessed.
		k.forget(caseNo)
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	e, ok := k.find(caseNo)
	switch {
	case rec.NewCase:
		k.put(caseNo, caseKept{steps: []compliance.Step{step}})
	case ok && e.version == rec.Case.Version && len(e.steps)+1 < compliance.MaxCaseSteps &&
		(rec.ApprovalsAsRead == nil || *rec.ApprovalsAsRead == len(e.approvals)):
		// New slices: those handed out by at may still be in use.
		k.put(caseNo, caseKept{version: e.version + 1, steps: append(slices.Clip(e.steps), step), approvals: e.approvals})
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
