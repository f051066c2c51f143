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

// CaseState implements compliance.StepStore. On MySQL the reads go to the
// server as one multi-statement query, one round trip instead of four or
// five; on SQLite, where a read is a call into the same process, they are
// made one by one. Either way each read sees what was committed when it
// ran, as separate reads would. The case's steps and approvals are not
// read when this node keeps them at the case's version (knownCases), or
// the request's batch read them ahead (PrefetchCases): its approvals may
// then lack one signed on another node, which the step's store refuses
// (StepRecord.ApprovalsAsRead).
func (s *Cases) CaseState(ctx context.Context, caseNo, handler string) (compliance.CaseState, error) {
	if s.dialect == "mysql" {
		return s.caseStateAtOnce(ctx, caseNo, handler, s.keptAny(ctx, caseNo))
	}
	var st compliance.CaseState
	var err error
	if st.Case, err = s.Case(ctx, caseNo); err != nil {
		return st, err
	}
	if kept, ok := s.keptAt(ctx, caseNo, st.Case.Version); ok {
		st.Steps, st.Approvals = kept.steps, kept.approvals
	} else {
		if st.Steps, err = findAll(caseStepsRead(s.db.WithContext(ctx)).Where("case_no = ?", caseNo), "list case steps", toStep); err != nil {
			return st, err
		}
		if st.Approvals, err = (&Approvals{s.conn}).CaseApprovals(ctx, caseNo); err != nil {
			return st, err
		}
		s.known.keep(caseNo, st.Case.Version, st.Steps, st.Approvals)
	}
	known, err := (&Warnings{s.conn}).CaseWarnings(ctx, []string{caseNo})
	if err != nil {
		return st, err
	}
	st.Warnings = known[caseNo]
	if handler != "" {
		st.Handlers, err = handlerAccounts(s.db.WithContext(ctx), st.Case.DepartmentCode, handler)
		st.HandlersRead = err == nil
	}
	return st, wrap(err, "look up handler")
}

// caseStepsRead reads the steps of a case as a step is checked against
// them, at most MaxCaseSteps: what was recorded, without what a re-check
// rewrites (the check's outcome, its revision, the back-off) and without
// the stored answer. What it reads of a step never changes (knownCases).
func caseStepsRead(db *gorm.DB) *gorm.DB {
	return caseStepsColumns(db).Limit(compliance.MaxCaseSteps)
}

// caseStepsColumns reads steps as caseStepsRead does, of any number of
// cases: in the order recorded, without a bound.
func caseStepsColumns(db *gorm.DB) *gorm.DB {
	return db.Model(&stepRow{}).Omit("response", "check_status", "check_error", "policy_revision", "recheck_attempts", "next_recheck_at").
		Order("seq")
}

// caseStateQuery is a multi-statement query of a case's state, built once
// per store: its SQL and its values, caseNoVar and handlerVar where the
// case number and the handler's name go.
type caseStateQuery struct {
	once sync.Once
	sql  string
	vars []any
	err  error
}

// caseStateQueries are the queries of a case's state, indexed by
// caseStateShape.
type caseStateQueries [4]caseStateQuery

// caseStateShape says which reads a query of a case's state makes besides
// the case and its warnings: the case's steps and approvals (unless they
// are kept, see knownCases) and the handler's accounts.
type caseStateShape struct{ steps, handler bool }

func (sh caseStateShape) index() int {
	i := 0
	if sh.steps {
		i |= 1
	}
	if sh.handler {
		i |= 2
	}
	return i
}

// The values that stand for the case number and the handler's name in
// caseStateQuery.vars.
const (
	caseNoVar  = "\x00case_no\x00"
	handlerVar = "\x00handler\x00"
)

// caseStateSQL returns the query of a case's state and its values for
// caseNo and handler: the reads as gorm writes them (the case, its steps
// when sh.steps, its warnings without their wording, its signed approvals
// when sh.steps, and when sh.handler the handler's accounts in the case's
// department), one after another.
func (s *conn) caseStateSQL(caseNo, handler string, sh caseStateShape) (string, []any, error) {
	q := &s.stateQueries[sh.index()]
	q.once.Do(func() {
		dry := s.db.Session(&gorm.Session{DryRun: true, NewDB: true})
		var names []string
		reads := []*gorm.DB{dry.Model(&caseRow{}).Where("case_no = ?", caseNoVar).Limit(1).Find(&caseRow{})}
		if sh.steps {
			reads = append(reads, caseStepsRead(dry).Where("case_no = ?", caseNoVar).Find(&[]stepRow{}))
		}
		reads = append(reads, policyWarningsRead(dry).Where("case_no = ?", caseNoVar).Find(&[]warningRow{}))
		if sh.steps {
			reads = append(reads, approvalsRead(dry).Where("case_no = ?", caseNoVar).Find(&[]approvalRow{}))
		}
		if sh.handler {
			dept := dry.Model(&caseRow{}).Select("department_code").Where("case_no = ?", caseNoVar)
			reads = append(reads, handlerAccountsQuery(dry, dept, handlerVar).Pluck("username", &names))
		}
		parts := make([]string, 0, len(reads))
		for _, r := range reads {
			if r.Error != nil {
				q.err = r.Error
				return
			}
			parts = append(parts, r.Statement.SQL.String())
			q.vars = append(q.vars, r.Statement.Vars...)
		}
		q.sql = strings.Join(parts, ";\n")
	})
	if q.err != nil {
		return "", nil, q.err
	}
	vars := slices.Clone(q.vars)
	for i, v := range vars {
		switch v {
		case caseNoVar:
			vars[i] = caseNo
		case handlerVar:
			vars[i] = handler
		}
	}
	return q.sql, vars, nil
}

// caseStateAtOnce reads a case's state in one round trip; without its
// steps and approvals when kept, then in a second round trip with them
// when the case has left the version they were kept at.
func (s *conn) caseStateAtOnce(ctx context.Context, caseNo, handler string, kept bool) (compliance.CaseState, error) {
	var st compliance.CaseState
	sh := caseStateShape{steps: !kept, handler: handler != ""}
	query, vars, err := s.caseStateSQL(caseNo, handler, sh)
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
		handlers []accountName
	)
	dests := []any{&c}
	if sh.steps {
		dests = append(dests, &steps, &warnings, &signed)
	} else {
		dests = append(dests, &warnings)
	}
	if handler != "" {
		dests = append(dests, &handlers)
	}
	before := caseBefore(ctx, caseNo)
	for i, dest := range dests {
		if i > 0 && !rows.NextResultSet() {
			return st, wrap(fmt.Errorf("result %d of %d missing: %w", i+1, len(dests), rowsErr(rows)), "read case state")
		}
		if i == 0 && before != nil {
			// The case's row as the audit encodes it (beforestates.go).
			if err := scanCaseAsRead(db, rows, &c, before); err != nil {
				return st, wrap(err, "read case state")
			}
			continue
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
	if !sh.steps {
		k, ok := s.keptAt(ctx, caseNo, st.Case.Version)
		if !ok {
			return s.caseStateAtOnce(ctx, caseNo, handler, false)
		}
		st.Steps, st.Approvals = k.steps, k.approvals
	} else {
		st.Steps, st.Approvals = convertAll(steps, toStep), convertAll(signed, toApproval)
		if len(st.Approvals) == 0 {
			st.Approvals = nil // as CaseApprovals gives a case without any
		}
		s.known.keep(caseNo, st.Case.Version, st.Steps, st.Approvals)
	}
	if st.Warnings = convertAll(warnings, toWarning); len(st.Warnings) == 0 {
		st.Warnings = nil // as CaseWarnings gives a case without any
	}
	if handler != "" {
		st.HandlersRead = true
		st.Handlers = make([]string, len(handlers))
		for i, h := range handlers {
			st.Handlers[i] = h.Username
		}
	}
	return st, nil
}

// accountName is a row of the handler's accounts.
type accountName struct{ Username string }

// rowsErr is the error that ended rows, or one that says the server sent
// fewer results than asked.
func rowsErr(rows *sql.Rows) error {
	if err := rows.Err(); err != nil {
		return err
	}
	return fmt.Errorf("no more results")
}
