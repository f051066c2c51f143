package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"sync"

	"gorm.io/gorm"

	"powercheck/internal/compliance"
)

// CaseState implements compliance.StepStore. On MySQL the four reads go to
// the server as one multi-statement query, one round trip instead of four;
// on SQLite, where a read is a call into the same process, they are made
// one by one. Either way each read sees what was committed when it ran, as
// four separate reads would.
func (s *Cases) CaseState(ctx context.Context, caseNo string) (compliance.CaseState, error) {
	if s.dialect == "mysql" {
		return s.caseStateAtOnce(ctx, caseNo)
	}
	var st compliance.CaseState
	var err error
	if st.Case, err = s.Case(ctx, caseNo); err != nil {
		return st, err
	}
	if st.Steps, err = findAll(caseStepsRead(s.db.WithContext(ctx)).Where("case_no = ?", caseNo), "list case steps", toStep); err != nil {
		return st, err
	}
	known, err := (&Warnings{s.conn}).CaseWarnings(ctx, []string{caseNo})
	if err != nil {
		return st, err
	}
	st.Warnings = known[caseNo]
	st.Approvals, err = (&Approvals{s.conn}).CaseApprovals(ctx, caseNo)
	return st, err
}

// caseStepsRead reads the steps of a case as a step is checked against
// them: without their stored answers, at most MaxCaseSteps.
func caseStepsRead(db *gorm.DB) *gorm.DB {
	return db.Model(&stepRow{}).Omit("response").Order("seq").Limit(compliance.MaxCaseSteps)
}

// caseStateQuery is the multi-statement query of a case's state, built once
// per store: its SQL and its values, caseNoVar where the case number goes.
type caseStateQuery struct {
	once sync.Once
	sql  string
	vars []any
	err  error
}

// caseNoVar stands for the case number in caseStateQuery.vars.
const caseNoVar = "\x00case_no\x00"

// caseStateSQL returns the query of a case's state and its values for
// caseNo: the four reads as gorm writes them (the case, its steps, its
// warnings without their wording, its signed approvals), one after another.
func (s *Cases) caseStateSQL(caseNo string) (string, []any, error) {
	q := &s.stateQuery
	q.once.Do(func() {
		dry := s.db.Session(&gorm.Session{DryRun: true, NewDB: true})
		reads := []struct {
			q    *gorm.DB
			dest any
		}{
			{dry.Model(&caseRow{}).Limit(1), &caseRow{}},
			{caseStepsRead(dry), &[]stepRow{}},
			{dry.Model(&warningRow{}).Omit("message", "basis").Order("id"), &[]warningRow{}},
			{dry.Model(&approvalRow{}).Order("id"), &[]approvalRow{}},
		}
		parts := make([]string, 0, len(reads))
		for _, r := range reads {
			st := r.q.Where("case_no = ?", caseNoVar).Find(r.dest).Statement
			if st.Error != nil {
				q.err = st.Error
				return
			}
			parts = append(parts, st.SQL.String())
			q.vars = append(q.vars, st.Vars...)
		}
		q.sql = strings.Join(parts, ";\n")
	})
	if q.err != nil {
		return "", nil, q.err
	}
	vars := slices.Clone(q.vars)
	for i, v := range vars {
		if v == caseNoVar {
			vars[i] = caseNo
		}
	}
	return q.sql, vars, nil
}

// caseStateAtOnce reads a case's state in one round trip.
func (s *Cases) caseStateAtOnce(ctx context.Context, caseNo string) (compliance.CaseState, error) {
	var st compliance.CaseState
	query, vars, err := s.caseStateSQL(caseNo)
	if err != nil {
		return st, fmt.Errorf("case state of %s: %w", caseNo, err)
	}
	db := s.db.WithContext(ctx)
	rows, err := db.Raw(query, vars...).Rows()
	if err != nil {
		return st, wrap(err, "read case state")
	}
	defer func() { _ = rows.Close() }()
	var (
		c        []caseRow
		steps    []stepRow
		warnings []warningRow
		signed   []approvalRow
	)
	for i, dest := range []any{&c, &steps, &warnings, &signed} {
		if i > 0 && !rows.NextResultSet() {
			return st, wrap(fmt.Errorf("result %d of 4 missing: %w", i+1, rowsErr(rows)), "read case state")
		}
		if rows.Next() {
			if err := db.ScanRows(rows, dest); err != nil {
				return st, wrap(err, "read case state")
			}
		}
		if err := rows.Err(); err != nil {
			return st, wrap(err, "read case state")
		}
	}
	if len(c) == 0 {
		return st, compliance.ErrNotFound
	}
	st.Case = toCase(c[0])
	st.Steps = convertAll(steps, toStep)
	st.Warnings = convertAll(warnings, toWarning)
	st.Approvals = convertAll(signed, toApproval)
	if len(st.Warnings) == 0 {
		st.Warnings = nil // as CaseWarnings gives a case without any
	}
	if len(st.Approvals) == 0 {
		st.Approvals = nil
	}
	return st, nil
}

// rowsErr is the error that ended rows, or one that says the server sent
// fewer results than asked.
func rowsErr(rows *sql.Rows) error {
	if err := rows.Err(); err != nil {
		return err
	}
	return fmt.Errorf("no more results")
}
