package compliance

import (
	"context"

	"powercheck/internal/calendar"
)

// PatrolLedger is a department's patrols, day by day.
type PatrolLedger struct {
	DepartmentCode string      `json:"department_code"`
	From           string      `json:"from"`
	To             string      `json:"to"`
	Days           []PatrolDay `json:"days"`
}

// patrolDays returns the ledger days of a department in [f, t].
func (s *Patrols) patrolDays(ctx context.Context, dept string, f, t calendar.Date) ([]PatrolDay, error) {
	days := []PatrolDay{}
	if t < f {
		return days, nil
	}
	c, err := s.cal()
	if err != nil {
		return nil, err
	}
	kinds := make([]calendar.DayKind, 0, int(t-f)+1)
	for d := f; d <= t; d++ {
		k, err := dayKind(c, d)
		if err != nil {
			return nil, err
		}
		kinds = append(kinds, k)
	}
	entries, err := s.patrolEntries(ctx, dept, f, t)
	if err != nil {
		return nil, err
	}
	required := s.RuleParams().PatrolsPerWorkday
	for i, k := range kinds {
		d := f + calendar.Date(i)
		day := PatrolDay{Date: d.String(), Kind: string(k), Entries: entries[d]}
		if day.Entries == nil {
			day.Entries = []PatrolEntry{}
		}
		for _, e := range day.Entries {
			if e.Counts {
				day.Patrols++
			} else {
				day.NotCounted++
			}
		}
		day.Status = patrolStatus(k, day.Patrols, required)
		days = append(days, day)
	}
	return days, nil
}

// patrolEntries lists a department's patrols per claimed day of [f, t]
// (Asia/Shanghai), each marked whether it counts for that day.
func (s *Patrols) patrolEntries(ctx context.Context, dept string, f, t calendar.Date) (map[calendar.Date][]PatrolEntry, error) {
	ps := s.store
	patrols, err := ps.Patrols(ctx, dept, f.Start(), t.End())
	if err != nil {
		return nil, err
	}
	out := map[calendar.Date][]PatrolEntry{}
	window := s.RuleParams().PatrolEntryWindow()
	for _, p := range patrols {
		why := PatrolNotCounted(p.At, p.CreatedAt, window)
		d := calendar.DateOf(p.At)
		out[d] = append(out[d], PatrolEntry{ID: p.ID, Inspector: p.Inspector, At: p.At, RecordedAt: p.CreatedAt,
			Counts: why == "", NotCounted: why})
	}
	return out, nil
}

// patrolCounts counts the patrols that count for each day of [f, t]
// (Asia/Shanghai): those recorded in time (PatrolNotCounted).
func (s *Patrols) patrolCounts(ctx context.Context, dept string, f, t calendar.Date) (map[calendar.Date]int, error) {
	entries, err := s.patrolEntries(ctx, dept, f, t)
	if err != nil {
		return nil, err
	}
	counts := map[calendar.Date]int{}
	for d, es := range entries {
		for _, e := range es {
			if e.Counts {
				counts[d]++
			}
		}
	}
	return counts, nil
}
