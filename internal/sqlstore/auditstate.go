package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"powercheck/internal/compliance"
)

var _ compliance.AuditStateStore = (*Audit)(nil)

// keyedStates are the subjects whose state is the one row of a table whose
// column key is the subject's key.
var keyedStates = map[string]struct {
	model func() any
	key   string
}{
	compliance.SubjectDepartment:  {func() any { return &departmentRow{} }, "code"},
	compliance.SubjectAccount:     {func() any { return &accountRow{} }, "username"},
	compliance.SubjectCase:        {func() any { return &caseRow{} }, "case_no"},
	compliance.SubjectCalendar:    {func() any { return &calendarRow{} }, "year"},
	compliance.SubjectTransition:  {func() any { return &transitionRow{} }, "id"},
	compliance.SubjectPolicyDraft: {func() any { return &draftRow{} }, "module"},
	compliance.SubjectPatrol:      {func() any { return &patrolRow{} }, "id"},
	compliance.SubjectApproval:    {func() any { return &approvalRow{} }, "id"},
	compliance.SubjectSettings:    {func() any { return &settingRow{} }, "name"},
	compliance.SubjectDocument:    {func() any { return &documentRow{} }, "id"},
}

// AuditState implements compliance.AuditStateStore: every column of the
// subject's stored rows, in a fixed order, each value written as its type
// and bytes as the driver returns them — so a column added to a table is
// covered without a change here, and nothing is decoded only to be encoded
// again.
func (s *Audit) AuditState(ctx context.Context, subj compliance.AuditSubject) ([]byte, error) {
	db := s.db.WithContext(ctx)
	var state []byte
	var err error
	switch subj.Kind {
	case compliance.SubjectItem:
		state, err = rawRows(db.Model(&itemRow{}).Where("code = ?", subj.Key).Order("version"))
	case compliance.SubjectStep:
		q := db.Model(&stepRow{}).Where("id = ?", subj.Key)
		if subj.Department != "" {
			q = q.Where("department_code = ?", subj.Department)
		}
		state, err = rawRows(q)
	case compliance.SubjectWarning:
		state, err = withChildren(db, subj.Key, &warningRow{}, &transitionRow{}, "warning_id", "id")
	case compliance.SubjectPolicies:
		state, err = policiesState(db)
	case compliance.SubjectSpotCheck:
		state, err = withChildren(db, subj.Key, &spotCheckRow{}, &spotCheckCaseRow{}, "spot_check_id", "ordinal")
	case compliance.SubjectExplanation:
		dept, month, _ := strings.Cut(subj.Key, "/")
		state, err = rawRows(db.Model(&explanationRow{}).Where("department_code = ? AND month = ?", dept, month))
	default:
		k, ok := keyedStates[subj.Kind]
		if !ok {
			return nil, fmt.Errorf("audit state: unknown subject kind %q", subj.Kind)
		}
		state, err = rawRows(db.Model(k.model()).Where(k.key+" = ?", subj.Key))
	}
	if err != nil {
		return nil, wrap(err, "audit state of "+subj.String())
	}
	return state, nil
}

// AuditStates implements compliance.AuditStateStore. A step of a
// department and its case, the subjects of a step's submission, are read
// in one statement (a step's id is unique in its department, a case's
// number is unique), or taken from the change ctx carries when its group
// read them as it committed them (see groupAfterStates); other subjects
// one by one.
func (s *Audit) AuditStates(ctx context.Context, subjects []compliance.AuditSubject) ([][]byte, error) {
	if len(subjects) == 2 && subjects[0].Kind == compliance.SubjectStep && subjects[0].Department != "" &&
		subjects[1].Kind == compliance.SubjectCase {
		if st, ok := keptAfter(tracked(ctx), subjects[0], subjects[1]); ok {
			return [][]byte{st.step, st.kase}, nil
		}
		step, c, err := stepAndCaseState(s.db.WithContext(ctx), subjects[0], subjects[1])
		if err != nil {
			return nil, wrap(err, "audit state of "+compliance.FormatSubjects(subjects))
		}
		return [][]byte{step, c}, nil
	}
	out := make([][]byte, len(subjects))
	for i, subj := range subjects {
		state, err := s.AuditState(ctx, subj)
		if err != nil {
			return nil, err
		}
		out[i] = state
	}
	return out, nil
}

// stepAndCaseState reads the rows of a step (of its department) and of a
// case in one statement (see eachJoinedRow): a single row joined to both,
// each nullable.
func stepAndCaseState(db *gorm.DB, step, c compliance.AuditSubject) (stepState, caseState []byte, err error) {
	n := 0
	err = eachJoinedRow(db.Raw("SELECT s.*, 1 AS pc_state_split, c.* FROM (SELECT 1 AS pc_one) pc "+
		"LEFT JOIN steps s ON s.id = ? AND s.department_code = ? LEFT JOIN cases c ON c.case_no = ?",
		step.Key, step.Department, c.Key), func(s, c rowValues) error {
		if n++; n > 1 {
			return fmt.Errorf("%d rows for one step and one case", n)
		}
		// A key column is NULL only when the join found no row.
		if s.get("id") != nil {
			stepState = encodeRow(s.cols, s.vals)
		}
		if c.get("case_no") != nil {
			caseState = encodeRow(c.cols, c.vals)
		}
		return nil
	})
	return stepState, caseState, err
}

// eachJoinedRow runs f for every row q selects, split at its column
// pc_state_split into the columns before it and those after, each encoded
// as rawRows encodes a table's own rows: q joins two tables' SELECT *, and
// the columns and the values the driver returns are those of each table's
// own. The values are valid during the call only.
func eachJoinedRow(q *gorm.DB, f func(left, right rowValues) error) error {
	split := -1
	return eachRow(q, func(r rowValues) error {
		if split < 0 {
			if split = slices.Index(r.cols, "pc_state_split"); split < 0 {
				return fmt.Errorf("no split column in %q", r.cols)
			}
		}
		return f(rowValues{cols: r.cols[:split], vals: r.vals[:split]}, rowValues{cols: r.cols[split+1:], vals: r.vals[split+1:]})
	})
}

// rawRows returns every column of the rows q selects, canonically encoded:
// per row a marker, then per column its name, the type of its value and the
// value's bytes; nil when there is no row.
func rawRows(q *gorm.DB) ([]byte, error) {
	var out []byte
	err := eachRawRow(q, func(_ rowValues, enc []byte) error {
		out = append(out, enc...)
		return nil
	})
	return out, err
}

// rowValues is one row as the driver returns it, by column name.
type rowValues struct {
	cols []string
	vals []any
}

// get returns the value of column name; nil when there is none.
func (r rowValues) get(name string) any {
	for i, c := range r.cols {
		if c == name {
			return r.vals[i]
		}
	}
	return nil
}

// text returns the value of column name as text.
func (r rowValues) text(name string) string {
	switch v := r.get(name).(type) {
	case []byte:
		return string(v)
	case string:
		return v
	case nil:
		return ""
	case time.Time:
		return v.UTC().Format(time.RFC3339Nano)
	default:
		return fmt.Sprint(v)
	}
}

// int returns the value of column name as an integer.
func (r rowValues) int(name string) (int64, error) {
	switch v := r.get(name).(type) {
	case int64:
		return v, nil
	case []byte, string:
		return strconv.ParseInt(r.text(name), 10, 64)
	}
	return 0, fmt.Errorf("column %s: %v is not an integer", name, r.get(name))
}

// eachRawRow runs f for every row q selects, with its values (valid during
// the call only) and its encoding as rawRows writes it (f's to keep).
func eachRawRow(q *gorm.DB, f func(r rowValues, enc []byte) error) error {
	return eachRow(q, func(r rowValues) error { return f(r, encodeRow(r.cols, r.vals)) })
}

// eachRow runs f for every row q selects, with its values as the driver
// returns them, valid during the call only.
func eachRow(q *gorm.DB, f func(r rowValues) error) error {
	rows, err := q.Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	return eachResultRow(rows, f)
}

// eachResultRow runs f for every row of the result rows is at, with its
// values as the driver returns them, valid during the call only.
func eachResultRow(rows *sql.Rows, f func(r rowValues) error) error {
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		if err := f(rowValues{cols: cols, vals: vals}); err != nil {
			return err
		}
	}
	return rows.Err()
}

// encodeRow is one row as rawRows writes it: a marker, then per column its
// name, the type of its value and the value's bytes.
func encodeRow(cols []string, vals []any) []byte {
	enc := append([]byte(nil), "row\n"...)
	for i, v := range vals {
		enc = appendField(enc, cols[i])
		enc = appendValue(enc, v)
	}
	return enc
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
