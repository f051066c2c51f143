package policy

import (
	"context"
	"errors"
	"fmt"
	"time"

	"powercheck/internal/compliance"
)

// CandidateTestsTimeout bounds one run of the candidate set's tests; each
// test is also bounded by TestTimeout.
const CandidateTestsTimeout = 50 * time.Second

// CandidateTests runs every Rego test of what publishing now would
// activate — the newest revision's modules with the drafts laid over them —
// in the sandbox that evaluation uses, and reports each test's outcome.
// A set that does not compile is a 422 with its located problems.
func (a *Authoring) CandidateTests(ctx context.Context) (compliance.PolicyTestReport, error) {
	cand, err := a.candidate(ctx)
	if err != nil {
		return compliance.PolicyTestReport{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, CandidateTestsTimeout)
	defer cancel()
	start := time.Now()
	results, err := a.engine.RunTests(ctx, cand.modules)
	if err != nil {
		return compliance.PolicyTestReport{}, invalid(err)
	}
	rep := compliance.PolicyTestReport{Revision: cand.base.ID, Drafts: []string{},
		Results: make([]compliance.PolicyTestResult, 0, len(results))}
	for _, d := range cand.drafts {
		if d.Module != ParamsDraft {
			rep.Drafts = append(rep.Drafts, d.Module)
		}
	}
	for _, r := range results {
		tr := testResult(r)
		switch tr.Status {
		case compliance.TestPassed:
			rep.Passed++
		case compliance.TestSkipped:
			rep.Skipped++
		default:
			rep.Failed++
		}
		rep.Results = append(rep.Results, tr)
	}
	rep.Seconds = time.Since(start).Seconds()
	return rep, nil
}

func testResult(r TestResult) compliance.PolicyTestResult {
	out := compliance.PolicyTestResult{Package: r.Package, Module: r.Module, Name: r.Name, Line: r.Line,
		Message: r.Error, DurationMS: float64(r.Duration.Microseconds()) / 1000}
	if out.Package == "" {
		out.Package = "data.compliance." + r.Module
	}
	switch {
	case r.Skipped:
		out.Status = compliance.TestSkipped
	case r.Passed:
		out.Status = compliance.TestPassed
	case r.Errored:
		out.Status = compliance.TestErrored
	default:
		out.Status = compliance.TestFailed
	}
	return out
}

// Revision returns a stored revision with its modules and its parameters
// (the shipped ones for a revision stored before revisions carried them).
func (a *Authoring) Revision(ctx context.Context, id int64) (compliance.PolicyRevision, error) {
	rev, err := a.store.Revision(ctx, id)
	if errors.Is(err, compliance.ErrNotFound) {
		return rev, compliance.Errorf(compliance.ClassNotFound, "revision_not_found", "策略修订 %d 不存在", id)
	}
	if err != nil {
		return rev, fmt.Errorf("policy revision %d: %w", id, err)
	}
	rev.Params = effectiveParams(rev.Params)
	return rev, nil
}
