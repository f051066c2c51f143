package compliance

import (
	"context"

	"powercheck/internal/calendar"
)

// CloseDaysResult counts what closing patrol days did.
type CloseDaysResult struct {
	From        string `json:"from"`
	To          string `json:"to"`
	Evaluated   int    `json:"evaluated"`    // department-days evaluated and closed by this run
	Skipped     int    `json:"skipped"`      // already closed (by an earlier run or another node)
	Failed      int    `json:"failed"`       // evaluation failed; left open for the next run
	NewWarnings int    `json:"new_warnings"` // warnings stored
}

// closeLookback is how far back a run without a start date looks for
// working days still open.
const closeLookback = 31

// ClosePatrolDays evaluates a patrol_day input for every department and
// every working day of from–to not yet closed, stores the warnings found and
// marks each day closed, so that no day is evaluated twice, whatever the
// number of nodes. to is at most yesterday (zero: yesterday); from zero
// means closeLookback days back, but never before the department existed.
// An explicit from backfills, up to MaxLedgerDays days. who nil is the system.
//
// The warnings have no case: their case_no is "" and they are told apart by
// department and date (the store folds both into the dedupe key).
func (s *Patrols) ClosePatrolDays(ctx context.Context, who *Account, from, to calendar.Date) (CloseDaysResult, error) {
	if err := authorizeJob(who, ActRunJobs); err != nil {
		return CloseDaysResult{}, err
	}
	ps := s.store
	c, err := s.cal()
	if err != nil {
		return CloseDaysResult{}, err
	}
	now := s.now()
	yesterday := calendar.DateOf(now) - 1
	if to == 0 || to > yesterday {
		to = yesterday
	}
	explicit := from != 0
	if !explicit {
		from = to - closeLookback + 1
	}
	if int(to-from)+1 > MaxLedgerDays {
		return CloseDaysResult{}, Errorf(ClassInvalid, "invalid_period", "一次最多处理 %d 天", MaxLedgerDays)
	}
	res := CloseDaysResult{From: from.String(), To: to.String()}
	if to < from {
		return res, nil
	}
	depts, err := s.store.ListDepartments(ctx)
	if err != nil {
		return res, err
	}
	for _, d := range depts {
		start := from
		if created := calendar.DateOf(d.CreatedAt); !explicit && created > start {
			start = created
		}
		if to < start {
			continue
		}
		closed, err := ps.ClosedPatrolDays(ctx, d.Code, start.String(), to.String())
		if err != nil {
			return res, err
		}
		counts, err := s.patrolCounts(ctx, d.Code, start, to)
		if err != nil {
			return res, err
		}
		for day := start; day <= to; day++ {
			k, err := dayKind(c, day)
			if err != nil {
				return res, err
			}
			if !k.IsWorking() {
				continue
			}
			if closed[day.String()] {
				res.Skipped++
				continue
			}
			facts := &DayFacts{Date: day.String(), Kind: string(k), Patrols: counts[day]}
			ev, err := s.eval.Evaluate(ctx, &Input{Event: EventPatrolDay, Now: now, Department: d, Day: facts})
			if err != nil {
				s.log.ErrorContext(ctx, "patrol_day evaluation failed", "department", d.Code, "date", facts.Date,
					"revision", ev.Revision, "error", err)
				res.Failed++
				continue
			}
			claimed, inserted, err := ps.ClosePatrolDay(ctx, PatrolDayRecord{DepartmentCode: d.Code, Date: facts.Date,
				Patrols: facts.Patrols, Findings: ev.Findings, Revision: ev.Revision, At: now})
			if err != nil {
				return res, err
			}
			if !claimed {
				res.Skipped++
				continue
			}
			res.Evaluated++
			res.NewWarnings += inserted
		}
	}
	return res, nil
}
