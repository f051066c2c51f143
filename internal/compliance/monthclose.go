package compliance

import (
	"context"
	"errors"

	"powercheck/internal/calendar"
)

// CloseMonthResult counts what closing a month did.
type CloseMonthResult struct {
	Month       string `json:"month"`
	Departments int    `json:"departments"`  // evaluated
	Failed      int    `json:"failed"`       // evaluation failed; run again
	NewWarnings int    `json:"new_warnings"` // warnings stored for the first time
}

// CloseMonth evaluates a month_close input for every department (or the one
// named) and stores the warnings found. It may be run again at any time,
// after the due date say: warnings already stored for the same department
// and month are never duplicated, and new facts (an explanation that came
// late, or never) raise their own. Like patrol warnings, they have no case:
// case_no is "" and the store folds department and month into the dedupe key.
func (s *Reports) CloseMonth(ctx context.Context, who *Account, month, dept string) (CloseMonthResult, error) {
	if err := authorizeJob(who, ActRunJobs); err != nil {
		return CloseMonthResult{}, err
	}
	first, err := parseMonth(month)
	if err != nil {
		return CloseMonthResult{}, err
	}
	now := s.now()
	if nextMonth(first) > calendar.DateOf(now) {
		return CloseMonthResult{}, Errorf(ClassInvalid, "month_not_over", "%s 尚未结束，不能结账", month)
	}
	rs := s.store
	var depts []Department
	if dept != "" {
		// Checked before the lookup: MySQL would find ZJJ for "ZJJ ".
		unknown := Errorf(ClassInvalid, "unknown_department", "部门 %.32q 不存在", dept)
		if !codePattern.MatchString(dept) {
			return CloseMonthResult{}, unknown
		}
		d, err := s.department(ctx, dept)
		if errors.Is(err, ErrNotFound) {
			return CloseMonthResult{}, unknown
		}
		if err != nil {
			return CloseMonthResult{}, err
		}
		depts = []Department{d}
	} else if depts, err = s.store.ListDepartments(ctx); err != nil {
		return CloseMonthResult{}, err
	}
	res := CloseMonthResult{Month: month}
	for _, d := range depts {
		r, err := s.monthlyReport(ctx, d, month, first)
		if err != nil {
			return res, err
		}
		streak, err := s.zeroCaseStreak(ctx, rs, d, first, r.CasesAccepted)
		if err != nil {
			return res, err
		}
		facts := &MonthFacts{Month: month, CasesAccepted: r.CasesAccepted, Warnings: r.Warnings.Prewarning + r.Warnings.Alarm,
			ExplanationRequired: r.ExplanationRequired, ExplanationDue: r.ExplanationDue, ZeroCaseMonthsInARow: streak,
			DepartmentCreatedOn: createdOn(d)}
		if r.Explanation != nil {
			facts.ExplanationSubmittedAt = &r.Explanation.SubmittedAt
		}
		ev, err := s.eval.Evaluate(ctx, &Input{Event: EventMonthClose, Now: now, Department: d, Month: facts})
		if err != nil {
			s.log.ErrorContext(ctx, "month_close evaluation failed", "department", d.Code, "month", month,
				"revision", ev.Revision, "error", err)
			res.Failed++
			continue
		}
		n, err := rs.RecordMonthClose(ctx, MonthCloseRecord{DepartmentCode: d.Code, Month: month,
			Findings: ev.Findings, Revision: ev.Revision, At: now})
		if err != nil {
			return res, err
		}
		res.Departments++
		res.NewWarnings += n
	}
	return res, nil
}

// zeroCaseStreak counts the months in a row, ending with the one starting at
// first, in which department d accepted no case (at most zeroCaseLookback).
// Only months d existed for in whole count: none on the day it is set up.
func (s *Reports) zeroCaseStreak(ctx context.Context, rs ReportStore, d Department, first calendar.Date, accepted int64) (int, error) {
	if accepted > 0 || !wholeMonth(d, first) {
		return 0, nil
	}
	streak := 1
	for streak < zeroCaseLookback {
		t := first.Start()
		prev := calendar.MakeDate(t.Year(), t.Month()-1, 1)
		if !wholeMonth(d, prev) {
			break
		}
		n, err := rs.CountCasesAccepted(ctx, d.Code, prev.Start(), first.Start())
		if err != nil {
			return 0, err
		}
		if n > 0 {
			break
		}
		streak++
		first = prev
	}
	return streak, nil
}
