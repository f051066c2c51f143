package sqlstore

import (
	"maps"
	"slices"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"powercheck/internal/compliance"
)

// How each write of the base tables changes the rollup's counters.

// caseRows returns those of caseNos that exist, with the columns the case
// counters are keyed by.
func caseRows(tx *gorm.DB, caseNos []string) (map[string]caseRow, error) {
	out := make(map[string]caseRow, len(caseNos))
	for i := 0; i < len(caseNos); i += idBatch {
		var part []caseRow
		if err := tx.Select("case_no", "department_code", "accepted_at", "status").
			Where("case_no IN ?", caseNos[i:min(i+idBatch, len(caseNos))]).Find(&part).Error; err != nil {
			return nil, err
		}
		for _, c := range part {
			out[c.CaseNo] = c
		}
	}
	return out, nil
}

// warningFlags returns the cases of caseNos that have a warning, each with
// whether it has an overdue one; that is looked for only in the cases of
// overdueOf, the others are false. A case asked only whether it has a
// warning is answered from the (case_no, dedupe) index; the others by their
// rows, a case asked both ways in one query.
func warningFlags(tx *gorm.DB, caseNos, overdueOf []string) (map[string]bool, error) {
	out := make(map[string]bool, len(caseNos))
	askOverdue := make(map[string]bool, len(overdueOf))
	for _, no := range overdueOf {
		askOverdue[no] = true
	}
	var warnedOnly, both []string
	for _, no := range caseNos {
		if askOverdue[no] {
			both = append(both, no)
			delete(askOverdue, no)
		} else {
			warnedOnly = append(warnedOnly, no)
		}
	}
	overdueOnly := slices.Sorted(maps.Keys(askOverdue))
	for i := 0; i < len(warnedOnly); i += idBatch {
		var warned []string
		if err := tx.Model(&warningRow{}).Distinct("case_no").Where("case_no IN ?", warnedOnly[i:min(i+idBatch, len(warnedOnly))]).
			Pluck("case_no", &warned).Error; err != nil {
			return nil, err
		}
		for _, no := range warned {
			out[no] = false
		}
	}
	for i := 0; i < len(both); i += idBatch {
		var flags []struct {
			CaseNo  string
			Overdue bool
		}
		if err := tx.Model(&warningRow{}).Select("case_no, MAX(CASE WHEN rule IN ? THEN 1 ELSE 0 END) = 1 AS overdue", compliance.OverdueRules).
			Where("case_no IN ?", both[i:min(i+idBatch, len(both))]).Group("case_no").Scan(&flags).Error; err != nil {
			return nil, err
		}
		for _, f := range flags {
			out[f.CaseNo] = f.Overdue
		}
	}
	for i := 0; i < len(overdueOnly); i += idBatch {
		var overdue []string
		if err := tx.Model(&warningRow{}).Distinct("case_no").
			Where("case_no IN ? AND rule IN ?", overdueOnly[i:min(i+idBatch, len(overdueOnly))], compliance.OverdueRules).
			Pluck("case_no", &overdue).Error; err != nil {
			return nil, err
		}
		for _, no := range overdue {
			out[no] = true
		}
	}
	return out, nil
}

// flagsBefore is warningFlags of caseNos and overdueOf, without asking the
// database about the cases r knows to have no warning yet, nor about what
// it knows they have.
func (r *rollup) flagsBefore(tx *gorm.DB, caseNos, overdueOf []string) (map[string]bool, error) {
	ask, askOverdue := r.flagsToAsk(caseNos, overdueOf)
	out, err := warningFlags(tx, ask, askOverdue)
	if err != nil {
		return nil, err
	}
	return r.withKnownFlags(out, caseNos), nil
}

// flagsToAsk returns those of caseNos, and of overdueOf, whose warning, or
// overdue warning, r does not know of: neither created by the transaction
// (no warning yet) nor known to have one.
func (r *rollup) flagsToAsk(caseNos, overdueOf []string) (ask, askOverdue []string) {
	ask = slices.DeleteFunc(slices.Clone(caseNos), func(no string) bool {
		_, warned := r.warned[no]
		return r.created[no] || warned
	})
	askOverdue = slices.DeleteFunc(slices.Clone(overdueOf), func(no string) bool { return r.created[no] || r.warned[no] })
	return ask, askOverdue
}

// withKnownFlags adds to out, the warningFlags of the cases asked, what r
// knows of the others of caseNos.
func (r *rollup) withKnownFlags(out map[string]bool, caseNos []string) map[string]bool {
	for _, no := range caseNos {
		if overdue, warned := r.warned[no]; warned {
			out[no] = out[no] || overdue
		}
	}
	return out
}

// casesOf returns those of caseNos that exist, with the columns the case
// counters are keyed by: from r where it wrote them, else read.
func (r *rollup) casesOf(tx *gorm.DB, caseNos []string) (map[string]caseRow, error) {
	var ask []string
	for _, no := range caseNos {
		if _, ok := r.cases[no]; !ok {
			ask = append(ask, no)
		}
	}
	out, err := caseRows(tx, ask)
	if err != nil {
		return nil, err
	}
	for _, no := range caseNos {
		if c, ok := r.cases[no]; ok {
			out[no] = c
		}
	}
	return out, nil
}

// countWarnings adds fresh, just stored, to r: the warning counters, and
// the counters of each case that now has its first warning or its first
// overdue one. before is warningFlags of their cases as they were.
func countWarnings(tx *gorm.DB, r *rollup, fresh []warningRow, before map[string]bool) error {
	overdue := map[string]bool{} // of the cases of fresh: whether one of them is overdue
	for _, w := range fresh {
		r.warning(w, "", w.Status)
		if slices.Contains(compliance.OverdueRules, w.Rule) {
			r.add(rollupKey{table: rollOverdue, dept: w.DepartmentCode, day: dayOf(w.CreatedAt), caseNo: w.CaseNo}, rollupDelta{1})
		}
		if w.CaseNo != "" {
			overdue[w.CaseNo] = overdue[w.CaseNo] || slices.Contains(compliance.OverdueRules, w.Rule)
		}
	}
	var changed []string
	for no, od := range overdue {
		was, warned := before[no]
		if !warned || (od && !was) {
			changed = append(changed, no)
		}
		r.knowWarned(no, od || was)
	}
	if len(changed) == 0 {
		return nil
	}
	for no := range overdue {
		delete(r.created, no) // it has a warning now
	}
	slices.Sort(changed)
	cases, err := r.casesOf(tx, changed)
	if err != nil {
		return err
	}
	for _, no := range changed {
		c, ok := cases[no]
		if !ok {
			continue // a warning of a case not stored counts no case
		}
		was, warned := before[no]
		from := caseState{exists: true, closed: c.Status == compliance.CaseClosed, warned: warned, overdue: was}
		to := from
		to.warned, to.overdue = true, was || overdue[no]
		r.caseChange(c.DepartmentCode, c.AcceptedAt, from, to)
	}
	return nil
}

// caseNosOf returns the distinct case numbers of rows, "" (no case) left
// out; of the overdue rows only, when overdue.
func caseNosOf(rows []warningRow, overdue bool) []string {
	var out []string
	for _, r := range rows {
		if r.CaseNo != "" && (!overdue || slices.Contains(compliance.OverdueRules, r.Rule)) {
			out = append(out, r.CaseNo)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// countNewCase adds case c, just stored, to the case counters of tx.
func countNewCase(tx *gorm.DB, c caseRow) {
	r, _ := rollupOf(tx)
	r.rememberCase(c, true)
	r.caseChange(c.DepartmentCode, utc(c.AcceptedAt), caseState{}, caseState{exists: true, closed: c.Status == compliance.CaseClosed})
}

// caseStatus reads the status of the stored case caseNo, with the lock its
// update takes anyway, so that the status read is the one the update
// replaces ("" when there is no such case).
func caseStatus(tx *gorm.DB, caseNo string) (string, error) {
	q := tx.Model(&caseRow{}).Select("status").Where("case_no = ?", caseNo)
	if tx.Dialector.Name() == "mysql" {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	var old []string
	if err := q.Pluck("status", &old).Error; err != nil {
		return "", err
	}
	if len(old) == 0 {
		return "", nil
	}
	return old[0], nil
}

// countCaseStatus adds to the case counters of tx the change of the stored
// case c from status before to c.Status, when it closes or reopens. Its
// department and acceptance never change.
func countCaseStatus(tx *gorm.DB, c caseRow, before string) error {
	if before == "" || (before == compliance.CaseClosed) == (c.Status == compliance.CaseClosed) {
		return nil
	}
	r, _ := rollupOf(tx)
	flags, err := r.flagsBefore(tx, []string{c.CaseNo}, []string{c.CaseNo})
	if err != nil {
		return err
	}
	overdue, warned := flags[c.CaseNo]
	from := caseState{exists: true, closed: before == compliance.CaseClosed, warned: warned, overdue: overdue}
	to := from
	to.closed = !from.closed
	r.caseChange(c.DepartmentCode, c.AcceptedAt, from, to)
	return nil
}

// countTransition adds transition t of warning w, both just stored, to the
// counters: the warning's status, and an alarm's rectify report by the
// time it took, computed by the database from the stored times as the
// dashboard's query of the base tables computes it.
func countTransition(tx *gorm.DB, w warningRow, t transitionRow) error {
	r, done := rollupOf(tx)
	r.warning(w, t.FromState, t.ToState)
	if t.Action == compliance.ActionRectify && w.Level == compliance.LevelAlarm {
		var tenths []int64
		if err := tx.Table("warning_transitions t").Joins("JOIN warnings w ON w.id = t.warning_id").
			Where("t.id = ?", t.ID).Pluck(tenthsSQL(tx.Dialector.Name()), &tenths).Error; err != nil {
			return err
		}
		if len(tenths) == 1 {
			day := dayOf(w.CreatedAt)
			r.add(rollupKey{table: rollRectify, dept: w.DepartmentCode, day: day, tenths: tenths[0]}, rollupDelta{1})
			r.add(rollupKey{table: rollRectifyMonths, dept: w.DepartmentCode, day: day[:7], tenths: tenths[0]}, rollupDelta{1})
		}
	}
	return done()
}
