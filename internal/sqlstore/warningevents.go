package sqlstore

import (
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
