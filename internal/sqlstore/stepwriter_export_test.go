package sqlstore

import (
	"context"
	"time"

	"powercheck/internal/compliance"
)

// LimitStepWriters sets how many groups of steps s writes at once, so that
// a test can hold one group open and see the next steps wait for it.
func (s *Store) LimitStepWriters(n int) {
	s.steps.queue.limit(n)
}

// WriteStepGroup stores recs in one transaction of the step writer, each
// under its own context and behind its own savepoint, as steps submitted
// together are; it returns each step's error, and the transaction's.
func (s *Store) WriteStepGroup(ctxs []context.Context, recs []compliance.StepRecord, respond []compliance.Responder) ([]error, error) {
	jobs := make([]*stepJob, len(recs))
	for i := range recs {
		jobs[i] = &stepJob{asked: ctxs[i], ctx: ctxs[i], rec: recs[i], respond: respond[i], done: make(chan struct{})}
	}
	err := s.steps.together(jobs)
	errs := make([]error, len(jobs))
	for i, j := range jobs {
		errs[i] = j.err
	}
	return errs, err
}

// LimitAuditWriters sets how many groups of audit entries s queues at
// once, and beforeGroup (nil: nothing) to run before each group: a test
// can hold one group and see the next entries wait for it.
func (s *Store) LimitAuditWriters(n int, beforeGroup func()) {
	s.audits.queue.limit(n)
	s.audits.beforeGroup = beforeGroup
}

// SetGroupTimeout sets the time the step and audit writers give a group,
// and its split, instead of groupTimeout.
func (s *Store) SetGroupTimeout(d time.Duration) {
	s.steps.timeout = d
	s.audits.timeout = d
}

// ForgetKnownCases drops what s keeps of every case, as a node that has
// read nothing yet.
func (s *Store) ForgetKnownCases() {
	s.known.mu.Lock()
	defer s.known.mu.Unlock()
	s.known.cur, s.known.old = nil, nil
}

// LimitPrefetch sets how many cases PrefetchCases reads a statement and
// after how many steps it stops, until the test ends.
func LimitPrefetch(tb interface{ Cleanup(func()) }, chunk, steps int) {
	oldChunk, oldSteps := prefetchChunk, prefetchSteps
	prefetchChunk, prefetchSteps = chunk, steps
	tb.Cleanup(func() { prefetchChunk, prefetchSteps = oldChunk, oldSteps })
}
