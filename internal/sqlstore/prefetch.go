package sqlstore

import (
	"context"
	"slices"

	"powercheck/internal/compliance"
)

// prefetchChunk bounds the cases of one read ahead: their steps are at
// most prefetchChunk × MaxCaseSteps rows, their numbers one IN list.
// prefetchSteps bounds the steps a batch holds read ahead: no chunk is read
// once that many are (a batch of cases with long histories reads the rest
// case by case, as single steps do). Variables for the tests.
var (
	prefetchChunk = 100
	prefetchSteps = 10_000
)

// prefetchedKey is the context key of what PrefetchCases read.
type prefetchedKey struct{}

// prefetched is what a batch read ahead of its cases: what knownCases
// would keep of each, held for the batch's own requests only, so that the
// batches in flight at once do not push each other's cases out of what
// the node keeps. Read only once made.
type prefetched map[string]caseKept

// PrefetchCases implements compliance.StepStore. It reads the steps and
// approvals of the stored cases among caseNos that this node does not
// keep: three statements a chunk of cases, where CaseState would read them
// case by case. CaseState under the context returned finds them as it
// finds those kept, and rests on the same guarantees (see knownCases): it
// still reads each case's row and warnings, and uses what was read ahead
// only while the case is at the version read.
func (s *Cases) PrefetchCases(ctx context.Context, caseNos []string) (context.Context, error) {
	var ask []string
	for _, no := range caseNos {
		if !s.known.has(no) {
			ask = append(ask, no)
		}
	}
	out := prefetched{}
	held := 0
	for chunk := range slices.Chunk(ask, prefetchChunk) {
		if held >= prefetchSteps {
			break
		}
		n, err := readAhead(ctx, s.conn, chunk, out)
		if err != nil {
			return ctx, err
		}
		held += n
	}
	if len(out) == 0 {
		return ctx, nil
	}
	return context.WithValue(ctx, prefetchedKey{}, out), nil
}

// readAhead reads ahead the cases of one chunk into out and returns the
// number of steps it read. The versions are read first: a step stored
// meanwhile advances its case's version, so the steps read next may run
// ahead of the version read (then CaseState, which reads the case's row,
// never asks for that version) but never behind it.
func readAhead(ctx context.Context, c *conn, caseNos []string, out prefetched) (int, error) {
	db := c.db.WithContext(ctx)
	var versions []struct {
		CaseNo  string
		Version int64
	}
	if err := db.Model(&caseRow{}).Select("case_no, version").Where("case_no IN ?", caseNos).Scan(&versions).Error; err != nil {
		return 0, wrap(err, "read ahead cases")
	}
	if len(versions) == 0 {
		return 0, nil
	}
	stored := make([]string, len(versions))
	for i, v := range versions {
		stored[i] = v.CaseNo
	}
	steps, err := findByCase(caseStepsColumns(db), stored, "read ahead case steps",
		func(r stepRow) string { return r.CaseNo }, toStep)
	if err != nil {
		return 0, err
	}
	approvals, err := (&Approvals{c}).ApprovalsOfCases(ctx, stored)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, v := range versions {
		st := steps[v.CaseNo]
		n += len(st)
		if len(st) < compliance.MaxCaseSteps { // as knownCases.keep
			out[v.CaseNo] = caseKept{version: v.Version, steps: st, approvals: approvals[v.CaseNo]}
		}
	}
	return n, nil
}

// keptAt returns what this node keeps of caseNo at version, or else what
// the request's batch read ahead of it at that version, which the node then
// keeps: the batch's next step of the case finds it there.
func (s *conn) keptAt(ctx context.Context, caseNo string, version int64) (caseKept, bool) {
	if k, ok := s.known.at(caseNo, version); ok {
		return k, true
	}
	k, ok := prefetchedIn(ctx)[caseNo]
	if !ok || k.version != version {
		return caseKept{}, false
	}
	s.known.keep(caseNo, version, k.steps, k.approvals)
	k.steps, k.approvals = slices.Clip(k.steps), slices.Clip(k.approvals)
	return k, true
}

// keptAny says whether this node keeps anything of caseNo, or the
// request's batch read it ahead, at whatever version.
func (s *conn) keptAny(ctx context.Context, caseNo string) bool {
	if s.known.has(caseNo) {
		return true
	}
	_, ok := prefetchedIn(ctx)[caseNo]
	return ok
}

// prefetchedIn is what the request's batch read ahead; nil outside a batch.
func prefetchedIn(ctx context.Context) prefetched {
	p, _ := ctx.Value(prefetchedKey{}).(prefetched)
	return p
}
