package sqlstore

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"powercheck/internal/compliance"
)

// tellWarnings inserts the rows not stored yet (by case and dedupe key) and
// writes warning.raised, and warning.escalated where one escalates, for
// each of them in tx, told at at (zero: when each was created). account names the handler of each new warning's step
// ("" when not known). Warnings are looked for first: MySQL counts the rows
// an upsert skipped as affected, and only new warnings are told. It returns
// every one of rows as stored, by "case|dedupe".
func tellWarnings(tx *gorm.DB, rows []warningRow, account func(warningRow) (string, error), at time.Time) (map[string]warningRow, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	stored, err := storedWarnings(tx, rows)
	if err != nil {
		return nil, err
	}
	fresh := make([]warningRow, 0, len(rows))
	for _, r := range rows {
		if _, ok := stored[r.CaseNo+"|"+r.Dedupe]; !ok {
			fresh = append(fresh, r)
		}
	}
	if len(fresh) == 0 {
		return stored, nil
	}
	if err := tellFresh(tx, fresh, account, at, stored); err != nil {
		return nil, err
	}
	return stored, nil
}

// tellFresh stores fresh, the warnings not stored yet, counts them and
// writes their events; it adds them, as stored, to stored.
func tellFresh(tx *gorm.DB, fresh []warningRow, account func(warningRow) (string, error), at time.Time, stored map[string]warningRow) error {
	// The dashboard's counters of the cases change with a case's first
	// warning and its first overdue one: what the cases had is read first.
	counters, done := rollupOf(tx)
	before, err := counters.flagsBefore(tx, caseNosOf(fresh, false), caseNosOf(fresh, true))
	if err != nil {
		return err
	}
	if err := createWarnings(tx, fresh); err != nil {
		return err
	}
	if fresh, err = readBack(tx, fresh); err != nil {
		return err
	}
	for _, r := range fresh {
		stored[r.CaseNo+"|"+r.Dedupe] = r
	}
	return tellStored(tx, counters, done, fresh, before, account, at)
}

// tellStepWarnings is tellWarnings for the warnings of one step being
// stored, which no stored row names yet: known are the dedupe keys of the
// case's warnings already read, which are still stored (none is ever
// deleted). The others are inserted, skipping any stored meanwhile, and
// then all are read once: those that name the step are the new ones. No
// other transaction can have stored a warning of the step: its id is unique
// in its department and the step is not stored yet, and were it a replay,
// its own insert fails after these and takes them back with it.
//
// Where the dashboard's counters need to know whether a case had a warning
// (or an overdue one) and nothing says so yet, that read takes all the
// case's warnings, and those that do not name the step answer it: such a
// case was read with none (or, for an overdue one, with none overdue), so
// there are few, or it is one of the rarer steps that raise an overdue one.
func tellStepWarnings(tx *gorm.DB, stepID string, rows []warningRow, known map[string]bool,
	account func(warningRow) (string, error), at time.Time) (map[string]warningRow, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	insert := slices.DeleteFunc(slices.Clone(rows), func(r warningRow) bool { return known[r.Dedupe] })
	var counters *rollup
	var whole []string // the cases whose flags are told by all their warnings
	done := func() error { return nil }
	if len(insert) > 0 {
		counters, done = rollupOf(tx)
		ask, askOverdue := counters.flagsToAsk(caseNosOf(insert, false), caseNosOf(insert, true))
		whole = slices.Compact(slices.Sorted(slices.Values(append(ask, askOverdue...))))
		// Not noted as written by the insert: one stored meanwhile is
		// skipped by it. The new ones are noted below.
		if err := createWarnings(tx.WithContext(untracked(tx.Statement.Context)), insert); err != nil {
			return nil, err
		}
	}
	stored, before, err := storedStepWarnings(tx, stepID, rows, whole)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		if _, ok := stored[r.CaseNo+"|"+r.Dedupe]; !ok && known[r.Dedupe] {
			// A warning read before is never deleted: its key was not the
			// one it is stored under.
			return nil, fmt.Errorf("warning %s of case %s read before the step but not found by its key", r.Rule, r.CaseNo)
		}
	}
	if len(insert) == 0 {
		return stored, nil
	}
	fresh := make([]warningRow, 0, len(insert))
	for _, r := range insert {
		if s, ok := stored[r.CaseNo+"|"+r.Dedupe]; ok && s.StepID == stepID {
			fresh = append(fresh, s)
		}
	}
	if w := tracked(tx.Statement.Context); w != nil {
		w.note(reflect.ValueOf(fresh))
	}
	before = counters.withKnownFlags(before, caseNosOf(insert, false))
	return stored, tellStored(tx, counters, done, fresh, before, account, at)
}

// storedStepWarnings returns those of rows stored, as stored, by
// "case|dedupe", reading every warning of the cases of whole, and with
// warningFlags of those cases as they were before step stepID: from their
// warnings that do not name it.
func storedStepWarnings(tx *gorm.DB, stepID string, rows []warningRow, whole []string) (map[string]warningRow, map[string]bool, error) {
	keyed := slices.DeleteFunc(slices.Clone(rows), func(r warningRow) bool {
		_, found := slices.BinarySearch(whole, r.CaseNo)
		return found
	})
	stored, err := storedWarnings(tx, keyed)
	if err != nil {
		return nil, nil, err
	}
	before := map[string]bool{}
	if len(whole) == 0 {
		return stored, before, nil
	}
	wanted := make(map[string]bool, len(rows))
	for _, r := range rows {
		wanted[r.CaseNo+"|"+r.Dedupe] = true
	}
	for i := 0; i < len(whole); i += idBatch {
		var part []warningRow
		if err := tx.Where("case_no IN ?", whole[i:min(i+idBatch, len(whole))]).Find(&part).Error; err != nil {
			return nil, nil, err
		}
		for _, w := range part {
			if key := w.CaseNo + "|" + w.Dedupe; wanted[key] {
				stored[key] = w
			}
			if w.StepID != stepID {
				before[w.CaseNo] = before[w.CaseNo] || slices.Contains(compliance.OverdueRules, w.Rule)
			}
		}
	}
	return stored, before, nil
}

// tellStored counts fresh, the warnings just stored, in counters (done
// applies them), with before the cases' warningFlags as they were, and
// writes their events.
func tellStored(tx *gorm.DB, counters *rollup, done func() error, fresh []warningRow, before map[string]bool,
	account func(warningRow) (string, error), at time.Time) error {
	if len(fresh) == 0 {
		return done()
	}
	if err := countWarnings(tx, counters, fresh, before); err != nil {
		return err
	}
	if err := done(); err != nil {
		return err
	}
	events := make([]compliance.Event, 0, len(fresh))
	for _, r := range fresh {
		// An error stops here: a statement that failed (a deadlock, a lost
		// certification) has rolled the transaction back, and what ran after
		// it would commit on its own.
		who, err := account(r)
		if err != nil {
			return err
		}
		w, when := toWarning(r), at
		if when.IsZero() {
			when = r.CreatedAt
		}
		events = append(events, compliance.WarningRaisedEvent(w, who, when))
		from, err := escalates(tx, r)
		if err != nil {
			return err
		}
		if from != 0 {
			events = append(events, compliance.WarningEscalatedEvent(w, from, who, when))
		}
	}
	return appendEvents(tx, events)
}

// storedWarnings returns those of rows already stored, as stored, by
// "case|dedupe".
func storedWarnings(tx *gorm.DB, rows []warningRow) (map[string]warningRow, error) {
	out := map[string]warningRow{}
	err := eachDedupeBatch(rows, func(caseNo string, keys []string) error {
		var part []warningRow
		if err := tx.Where("case_no = ? AND dedupe IN ?", caseNo, keys).Find(&part).Error; err != nil {
			return err
		}
		for _, r := range part {
			out[caseNo+"|"+r.Dedupe] = r
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// eachDedupeBatch calls f with the dedupe keys of rows, a case at a time
// and at most warningBatch at once, to keep each IN list short.
func eachDedupeBatch(rows []warningRow, f func(caseNo string, keys []string) error) error {
	byCase := map[string][]string{}
	for _, r := range rows {
		byCase[r.CaseNo] = append(byCase[r.CaseNo], r.Dedupe)
	}
	for caseNo, keys := range byCase {
		for i := 0; i < len(keys); i += warningBatch {
			if err := f(caseNo, keys[i:min(i+warningBatch, len(keys))]); err != nil {
				return err
			}
		}
	}
	return nil
}

// readBack returns rows as stored, with their ids, in the same order.
func readBack(tx *gorm.DB, rows []warningRow) ([]warningRow, error) {
	got, err := storedWarnings(tx, rows)
	if err != nil {
		return nil, err
	}
	out := make([]warningRow, 0, len(rows))
	for _, r := range rows {
		if s, ok := got[r.CaseNo+"|"+r.Dedupe]; ok {
			out = append(out, s)
		}
	}
	return out, nil
}

// escalates returns the id of the warning that alarm r escalates, 0 when
// none: an alarm of the followup family escalates the unanswered alarm its
// key names ("alarm:<id>"); another alarm with a key escalates the
// pre-warning of its case with the same family and key (the deadline
// watched, say, that has now passed).
func escalates(tx *gorm.DB, r warningRow) (int64, error) {
	if r.Level != compliance.LevelAlarm || r.Key == "" {
		return 0, nil
	}
	if r.Family == "followup" {
		if s, ok := strings.CutPrefix(r.Key, "alarm:"); ok {
			if id, err := strconv.ParseInt(s, 10, 64); err == nil {
				return id, nil
			}
		}
		return 0, nil
	}
	if r.CaseNo == "" {
		return 0, nil
	}
	var ids []int64
	err := tx.Model(&warningRow{}).Where("case_no = ? AND family = ? AND warning_key = ? AND level = ?",
		r.CaseNo, r.Family, r.Key, compliance.LevelPrewarning).Order("id").Limit(1).Pluck("id", &ids).Error
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	return ids[0], nil
}

// handlerAccount returns the account of a step's handler: the one active
// account of the department whose real name the handler is, else the
// account that recorded the step.
func handlerAccount(tx *gorm.DB, dept, handler, recordedBy string) (string, error) {
	names, err := handlerAccounts(tx, dept, handler)
	if err != nil {
		return "", err
	}
	if len(names) == 1 {
		return names[0], nil
	}
	return recordedBy, nil
}

// handlerAccounts returns the usernames of up to two active accounts of
// department dept whose real name is realName.
func handlerAccounts(db *gorm.DB, dept, realName string) ([]string, error) {
	var names []string
	err := handlerAccountsQuery(db, dept, realName).Pluck("username", &names).Error
	return names, err
}

// handlerAccountsQuery selects what handlerAccounts reads; dept is a code
// or a query that selects one.
func handlerAccountsQuery(db *gorm.DB, dept any, realName string) *gorm.DB {
	return db.Model(&accountRow{}).Where("department_code = (?) AND real_name = ? AND disabled = ?", dept, realName, false).Limit(2)
}
