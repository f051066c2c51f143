package compliance

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// liftOvertaken moves to lifted the case's open pre-warnings that the
// policies say the facts have overtaken (the step done in time, the case
// suspended). Only the system lifts, only pre-warnings and only open ones:
// an alarm stays, and a warning the department has answered stays in its
// hands. Each lift is a transition like any other (actor and role system,
// the policies' reason as its note), written under ctx, so the audit entry
// of the step or sweep that ctx tracks accounts for it. A lift that fails
// is logged; the next evaluation of the case names it again.
func (s *Supervision) liftOvertaken(ctx context.Context, known []Warning, lifts []Lift, at time.Time) int {
	if len(lifts) == 0 {
		return 0
	}
	ls := s.store
	byID := make(map[int64]Warning, len(known))
	for _, w := range known {
		byID[w.ID] = w
	}
	n := 0
	done := map[int64]bool{}
	for _, l := range lifts {
		w, ok := byID[l.WarningID]
		if !ok || done[w.ID] || w.Level != LevelPrewarning || w.Status != WarningOpen {
			continue
		}
		done[w.ID] = true
		t := Transition{WarningID: w.ID, Action: ActionLift, From: WarningOpen, To: WarningLifted,
			Actor: SystemActor, Role: Role(SystemActor), Note: liftReason(l.Reason), At: at.UTC()}
		_, ok, err := ls.TransitionWarning(ctx, t)
		switch {
		case err != nil:
			s.log.ErrorContext(ctx, "pre-warning not lifted", "warning", w.ID, "case", w.CaseNo, "error", err)
		case ok:
			n++
		}
	}
	return n
}

// liftReason is the note of a lift: the policies' reason, cut to a
// transition note's 2,000 characters.
func liftReason(reason string) string {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return "所警示的情况已消除，系统自动解除"
	}
	if utf8.RuneCountInString(reason) > 2000 {
		r := []rune(reason)
		reason = string(r[:1999]) + "…"
	}
	return reason
}
