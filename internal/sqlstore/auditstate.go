package sqlstore

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"powercheck/internal/compliance"
)

var _ compliance.AuditStateStore = (*Store)(nil)

// AuditState implements compliance.AuditStateStore: every column of the
// subject's stored rows, in a fixed order, each value written as its type
// and bytes as the driver returns them — so a column added to a table is
// covered without a change here, and nothing is decoded only to be encoded
// again.
func (s *Store) AuditState(ctx context.Context, subj compliance.AuditSubject) ([]byte, error) {
	db := s.db.WithContext(ctx)
	var state []byte
	var err error
	switch subj.Kind {
	case compliance.SubjectDepartment:
		state, err = rawRows(db.Model(&departmentRow{}).Where("code = ?", subj.Key))
	case compliance.SubjectAccount:
		state, err = rawRows(db.Model(&accountRow{}).Where("username = ?", subj.Key))
	case compliance.SubjectItem:
		state, err = rawRows(db.Model(&itemRow{}).Where("code = ?", subj.Key).Order("version"))
	case compliance.SubjectStep:
		state, err = rawRows(db.Model(&stepRow{}).Where("id = ?", subj.Key))
	case compliance.SubjectCase:
		state, err = rawRows(db.Model(&caseRow{}).Where("case_no = ?", subj.Key))
	case compliance.SubjectWarning:
		state, err = withChildren(db, subj.Key, &warningRow{}, &transitionRow{}, "warning_id", "id")
	case compliance.SubjectCalendar:
		state, err = rawRows(db.Model(&calendarRow{}).Where("year = ?", subj.Key))
	case compliance.SubjectPolicyDraft:
		state, err = rawRows(db.Model(&draftRow{}).Where("module = ?", subj.Key))
	case compliance.SubjectPolicies:
		state, err = policiesState(db)
	case compliance.SubjectSpotCheck:
		state, err = withChildren(db, subj.Key, &spotCheckRow{}, &spotCheckCaseRow{}, "spot_check_id", "ordinal")
	case compliance.SubjectPatrol:
		state, err = rawRows(db.Model(&patrolRow{}).Where("id = ?", subj.Key))
	case compliance.SubjectExplanation:
		dept, month, _ := strings.Cut(subj.Key, "/")
		state, err = rawRows(db.Model(&explanationRow{}).Where("department_code = ? AND month = ?", dept, month))
	default:
		return nil, fmt.Errorf("audit state: unknown subject kind %q", subj.Kind)
	}
	if err != nil {
		return nil, wrap(err, "audit state of "+subj.String())
	}
	return state, nil
}

// rawRows returns every column of the rows q selects, canonically encoded:
// per row a marker, then per column its name, the type of its value and the
// value's bytes; nil when there is no row.
func rawRows(q *gorm.DB) ([]byte, error) {
	rows, err := q.Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var out []byte
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		out = append(out, "row\n"...)
		for i, v := range vals {
			out = appendField(out, cols[i])
			out = appendValue(out, v)
		}
	}
	return out, rows.Err()
}

// appendValue writes v, as a driver returns a column, with its type.
func appendValue(out []byte, v any) []byte {
	switch v := v.(type) {
	case nil:
		return appendField(out, "null")
	case []byte:
		return appendField(appendField(out, "bytes"), string(v))
	case string:
		return appendField(appendField(out, "bytes"), v)
	case int64:
		return appendField(appendField(out, "int"), strconv.FormatInt(v, 10))
	case float64:
		return appendField(appendField(out, "float"), strconv.FormatFloat(v, 'g', -1, 64))
	case bool:
		return appendField(appendField(out, "bool"), strconv.FormatBool(v))
	case time.Time:
		return appendField(appendField(out, "time"), v.UTC().Format(time.RFC3339Nano))
	}
	return appendField(appendField(out, "other"), fmt.Sprint(v))
}

// appendField writes f as its length, a colon and its bytes, so that no two
// different sequences of fields encode alike.
func appendField(out []byte, f string) []byte {
	out = strconv.AppendInt(out, int64(len(f)), 10)
	out = append(out, ':')
	return append(out, f...)
}

// withChildren returns the row of model with id key and the rows of child
// whose fk is that id, in order; nil when there is no such row.
func withChildren(db *gorm.DB, key string, model, child any, fk, order string) ([]byte, error) {
	id, err := strconv.ParseInt(key, 10, 64)
	if err != nil {
		return nil, nil // no such row: ids are numbers
	}
	parent, err := rawRows(db.Model(model).Where("id = ?", id))
	if err != nil || parent == nil {
		return nil, err
	}
	children, err := rawRows(db.Model(child).Where(fk+" = ?", id).Order(order))
	if err != nil {
		return nil, err
	}
	return append(append(parent, "children\n"...), children...), nil
}

// policiesState is what publishing and rolling back change: the newest
// revision (its digest stands for its modules) and the drafts.
func policiesState(db *gorm.DB) ([]byte, error) {
	rev, err := rawRows(db.Model(&revisionRow{}).Select("id, digest").Order("id DESC").Limit(1))
	if err != nil {
		return nil, err
	}
	drafts, err := rawRows(db.Model(&draftRow{}).Order("module"))
	if err != nil {
		return nil, err
	}
	return append(append(append([]byte("revision\n"), rev...), "drafts\n"...), drafts...), nil
}
