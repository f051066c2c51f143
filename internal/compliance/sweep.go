package compliance

import (
	"context"
	"runtime"
	"sync"
	"time"
)

// SweepStore is what the deadline sweeper needs of the store.
type SweepStore interface {
	// DueCases lists up to limit open cases whose next check is at or before
	// now, earliest first.
	DueCases(ctx context.Context, now time.Time, limit int) ([]Case, error)
	// StepsOfCases returns the steps of several cases, each in recording order.
	StepsOfCases(ctx context.Context, caseNos []string) (map[string][]Step, error)
	// RecordTicks stores the outcomes of ticks in one transaction. Each is
	// stored only if its case's next check and version are still the ones
	// the sweeper saw (claimed is false otherwise: another sweeper got there
	// first, or a step was stored since, and nothing of that tick is stored).
	// It returns which ticks were claimed and how many warnings were new.
	RecordTicks(ctx context.Context, ts []TickRecord) (claimed []bool, inserted int, err error)
}

// TickRecord is the outcome of one tick.
type TickRecord struct {
	Case      Case       // as the sweeper read it, with the next check it saw
	Failed    bool       // the evaluation failed; the case is looked at again later
	NextCheck *time.Time // the new next check
	Findings  []Finding
	Revision  int64
	At        time.Time
	Lifts     []Lift // pre-warnings to lift once the tick is stored
}

// SweepResult counts what a sweep did.
type SweepResult struct {
	Due         int     `json:"due"`          // cases whose time had come
	Checked     int     `json:"checked"`      // evaluated and stored by this sweep
	Skipped     int     `json:"skipped"`      // taken by another sweeper meanwhile
	Failed      int     `json:"failed"`       // evaluation failed; looked at again later
	NewWarnings int     `json:"new_warnings"` // warnings stored for the first time
	Lifted      int     `json:"lifted"`       // pre-warnings lifted, their facts overtaken
	Seconds     float64 `json:"seconds"`
}

// SweepBatch is how many due cases a sweep reads at a time.
const SweepBatch = 500

// Sweep evaluates a tick for every open case whose next check has come. Its
// cost is proportional to those cases: the rest are never read. Any number
// of sweepers may run at once on one database; each case's tick is stored
// by exactly one of them.
func (s *Deadlines) Sweep(ctx context.Context, who *Account) (SweepResult, error) {
	if err := authorizeJob(who, ActRunJobs); err != nil {
		return SweepResult{}, err
	}
	ss := s.store
	start := time.Now()
	res, err := s.sweep(ctx, ss)
	if s.observer != nil {
		s.observer.Swept(res, time.Since(start), err)
	}
	return res, err
}

func (s *Deadlines) sweep(ctx context.Context, ss SweepStore) (SweepResult, error) {
	start := time.Now()
	now := s.now()
	var res SweepResult
	seen := map[string]bool{}
	for {
		cases, err := ss.DueCases(ctx, now, SweepBatch)
		if err != nil {
			return res, err
		}
		var batch []Case
		for _, c := range cases {
			if !seen[c.CaseNo] { // a case another sweeper moved back is not redone
				seen[c.CaseNo] = true
				batch = append(batch, c)
			}
		}
		if len(batch) == 0 {
			break
		}
		res.Due += len(batch)
		if err := s.sweepBatch(ctx, ss, batch, now, &res); err != nil {
			return res, err
		}
		if len(cases) < SweepBatch {
			break
		}
	}
	res.Seconds = time.Since(start).Seconds()
	return res, nil
}

// tickChunk is how many ticks are stored per transaction.
const tickChunk = 100

func (s *Deadlines) sweepBatch(ctx context.Context, ss SweepStore, batch []Case, now time.Time, res *SweepResult) error {
	nos := caseNos(batch)
	steps, err := ss.StepsOfCases(ctx, nos)
	if err != nil {
		return err
	}
	warnings, err := s.store.CaseWarnings(ctx, nos)
	if err != nil {
		return err
	}
	signed, err := s.store.ApprovalsOfCases(ctx, nos)
	if err != nil {
		return err
	}
	// Evaluate on every core, then store in chunks, several at once: the
	// database commits them together.
	ticks, err := s.tickAll(ctx, batch, steps, warnings, signed, now)
	if err != nil {
		return err
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	sem := make(chan struct{}, 4)
	for start := 0; start < len(ticks); start += tickChunk {
		chunk := ticks[start:min(start+tickChunk, len(ticks))]
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			claimed, inserted, err := ss.RecordTicks(ctx, chunk)
			lifted := 0
			for i, ok := range claimed {
				if ok && err == nil {
					lifted += s.supervision.liftOvertaken(ctx, warnings[chunk[i].Case.CaseNo], chunk[i].Lifts, now)
				}
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if firstErr == nil {
					firstErr = err
				}
				return
			}
			res.NewWarnings += inserted
			res.Lifted += lifted
			for i, ok := range claimed {
				switch {
				case !ok:
					res.Skipped++
				case chunk[i].Failed:
					res.Failed++
				default:
					res.Checked++
					s.observeFindings(chunk[i].Findings)
				}
			}
		}()
	}
	wg.Wait()
	return firstErr
}

// tickAll evaluates the cases of batch on every core; the ticks are in the
// order of batch.
func (s *Deadlines) tickAll(ctx context.Context, batch []Case, steps map[string][]Step, warnings map[string][]Warning, signed map[string][]SignedApproval, now time.Time) ([]TickRecord, error) {
	ticks := make([]TickRecord, len(batch))
	errs := make([]error, len(batch))
	onEveryCore(len(batch), func(i int) {
		no := batch[i].CaseNo
		ticks[i], errs[i] = s.tick(ctx, batch[i], steps[no], warnings[no], approvalsAsOf(signed[no], now), now)
	})
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return ticks, nil
}

// tick evaluates one case at now.
func (s *Deadlines) tick(ctx context.Context, c Case, steps []Step, warnings []Warning, signed []SignedApproval, now time.Time) (TickRecord, error) {
	item, dept, err := s.heldTo(ctx, c)
	if err != nil {
		return TickRecord{}, err
	}
	in := &Input{Event: EventTick, Now: now, Department: dept, Item: item, Case: &c, Steps: steps, Warnings: warnings, Approvals: signed}
	ev, evalErr := s.eval.Evaluate(ctx, in)
	status := CheckChecked
	if evalErr != nil {
		s.log.ErrorContext(ctx, "tick evaluation failed", "case", c.CaseNo, "revision", ev.Revision, "error", evalErr)
		status, ev.Findings, ev.Lifts = CheckUnchecked, nil, nil
	}
	return TickRecord{Case: c, Failed: evalErr != nil, NextCheck: nextCheckAfter(ev, status, now, warnings, ""),
		Findings: unknown(ev.Findings, warnings, ""), Revision: ev.Revision, At: now, Lifts: ev.Lifts}, nil
}

// unknown returns the findings that are not stored yet among known.
func unknown(findings []Finding, known []Warning, stepID string) []Finding {
	stored := make(map[string]bool, len(known))
	for _, w := range known {
		stored[DedupeKey(w.StepID, Finding{Rule: w.Rule, Level: w.Level, Key: w.Key})] = true
	}
	var out []Finding
	for _, f := range findings {
		if !stored[DedupeKey(stepID, f)] {
			out = append(out, f)
		}
	}
	return out
}

// onEveryCore calls f(i) for every i in [0, n), on as many goroutines as
// there are cores, and returns once every call has. Evaluations are
// CPU-bound: more goroutines would only queue.
func onEveryCore(n int, f func(i int)) {
	var wg sync.WaitGroup
	next := make(chan int)
	for range min(runtime.GOMAXPROCS(0), max(n, 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				f(i)
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}
