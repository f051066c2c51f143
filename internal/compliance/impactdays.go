package compliance

import (
	"context"
	"time"

	"powercheck/internal/calendar"
)

// impactPatrolDays compares, for every department and every working day of
// [from, to) up to today (with its patrols so far), what the candidate's patrol_day evaluation
// finds with what the active revision's finds, so that a dry run shows what
// a change of the patrol rules or of their parameters would raise. A day
// on which the active evaluation fails is left out.
func (s *Policies) impactPatrolDays(ctx context.Context, from, to time.Time, cand Evaluator, rep *ImpactReport,
	appear, disappear map[[3]string]*ImpactCount) error {
	c, err := s.cal()
	if err != nil {
		return nil
	}
	first := calendar.DateOf(from)
	last := min(calendar.DateOf(to.Add(-time.Nanosecond)), calendar.DateOf(s.now()))
	if last < first || int(last-first)+1 > MaxLedgerDays {
		return nil
	}
	depts, err := s.store.ListDepartments(ctx)
	if err != nil {
		return err
	}
	now := s.now()
	for _, d := range depts {
		counts, err := s.patrols.patrolCounts(ctx, d.Code, first, last)
		if err != nil {
			return err
		}
		for day := first; day <= last; day++ {
			if ctx.Err() != nil {
				rep.Truncated = true
				return nil
			}
			k, err := c.DayKind(day)
			if err != nil || !k.IsWorking() {
				continue
			}
			in := &Input{Event: EventPatrolDay, Now: now, Department: d,
				Day: &DayFacts{Date: day.String(), Kind: string(k), Patrols: counts[day]}}
			was, err := s.eval.Evaluate(ctx, in)
			if err != nil {
				continue
			}
			rep.PatrolDays++
			will, err := cand.Evaluate(ctx, in)
			if err != nil {
				rep.Failed++
				continue
			}
			before, after := map[string]Finding{}, map[string]Finding{}
			for _, f := range was.Findings {
				before[f.Rule+"\x00"+f.Key] = f
			}
			for _, f := range will.Findings {
				after[f.Rule+"\x00"+f.Key] = f
			}
			for key, f := range after {
				if _, ok := before[key]; !ok {
					count(appear, d.Code, f, ImpactExample{Date: day.String()})
				}
			}
			for key, f := range before {
				if _, ok := after[key]; !ok {
					count(disappear, d.Code, f, ImpactExample{Date: day.String()})
				}
			}
		}
	}
	return nil
}
