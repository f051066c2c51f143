package sqlstore

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"

	"gorm.io/gorm"

	"powercheck/internal/compliance"
)

var _ compliance.AuditObjectStore = (*Audit)(nil)

// AuditObjects implements compliance.AuditObjectStore. Each object's state
// is encoded exactly as AuditState encodes it, from the same columns, so
// that the digests compare; the rows are read a page at a time, in key order.
func (s *Audit) AuditObjects(ctx context.Context, kind string, after *compliance.AuditSubject, limit int) ([]compliance.AuditObject, error) {
	db := s.db.WithContext(ctx)
	var objs []compliance.AuditObject
	var err error
	switch kind {
	case compliance.SubjectDepartment:
		objs, err = keyedRows(db.Model(&departmentRow{}), kind, "code", after, limit)
	case compliance.SubjectAccount:
		objs, err = keyedRows(db.Model(&accountRow{}), kind, "username", after, limit)
	case compliance.SubjectCalendar:
		q := db.Model(&calendarRow{})
		if after != nil {
			q = q.Where("year > ?", compliance.SubjectRef(*after))
		}
		objs, err = objectRows(q.Order("year").Limit(limit), kind, "year")
	case compliance.SubjectItem:
		objs, err = itemObjects(db, after, limit)
	case compliance.SubjectWarning:
		q := db.Model(&warningRow{})
		if after != nil {
			q = q.Where("id > ?", compliance.SubjectRef(*after))
		}
		objs, err = warningStates(db, q.Order("id").Limit(limit))
	case compliance.SubjectTransition:
		// Only the transitions whose warning is gone: the others are part
		// of their warning's state.
		q := db.Model(&transitionRow{}).
			Where("NOT EXISTS (SELECT 1 FROM warnings w WHERE w.id = warning_transitions.warning_id)")
		if after != nil {
			q = q.Where("id > ?", compliance.SubjectRef(*after))
		}
		objs, err = objectRows(q.Order("id").Limit(limit), kind, "id")
	default:
		return nil, fmt.Errorf("audit objects: unknown kind %q", kind)
	}
	if err != nil {
		return nil, wrap(err, "list audit objects of kind "+kind)
	}
	return objs, nil
}

// keyedRows lists the rows of a table with one row an object, keyed by the
// text column key.
func keyedRows(q *gorm.DB, kind, key string, after *compliance.AuditSubject, limit int) ([]compliance.AuditObject, error) {
	if after != nil {
		q = q.Where(key+" > ?", after.Key)
	}
	return objectRows(q.Order(key).Limit(limit), kind, key)
}

// objectRows makes each row q selects an object, named by column key.
func objectRows(q *gorm.DB, kind, key string) ([]compliance.AuditObject, error) {
	var out []compliance.AuditObject
	err := eachRawRow(q, func(r rowValues, enc []byte) error {
		out = append(out, compliance.AuditObject{Subject: compliance.AuditSubject{Kind: kind, Key: r.text(key)}, State: enc})
		return nil
	})
	return out, err
}

// itemObjects lists power items: every version of limit codes.
func itemObjects(db *gorm.DB, after *compliance.AuditSubject, limit int) ([]compliance.AuditObject, error) {
	q := db.Model(&itemRow{}).Distinct("code")
	if after != nil {
		q = q.Where("code > ?", after.Key)
	}
	var codes []string
	if err := q.Order("code").Limit(limit).Pluck("code", &codes).Error; err != nil {
		return nil, err
	}
	if len(codes) == 0 {
		return nil, nil
	}
	var out []compliance.AuditObject
	err := eachRawRow(db.Model(&itemRow{}).Where("code IN ?", codes).Order("code, version"), func(r rowValues, enc []byte) error {
		code := r.text("code")
		if n := len(out); n > 0 && out[n-1].Subject.Key == code {
			out[n-1].State = append(out[n-1].State, enc...)
			return nil
		}
		out = append(out, compliance.AuditObject{Subject: compliance.AuditSubject{Kind: compliance.SubjectItem, Key: code}, State: enc})
		return nil
	})
	return out, err
}

// idBatch is how many ids one IN list carries.
const idBatch = 500

// warningStates returns the warnings q selects, in its order, each with its
// state as AuditState encodes it: its row, then its transitions.
func warningStates(db *gorm.DB, q *gorm.DB) ([]compliance.AuditObject, error) {
	var out []compliance.AuditObject
	index := map[int64]int{}
	var ids []int64
	err := eachRawRow(q, func(r rowValues, enc []byte) error {
		id, err := r.int("id")
		if err != nil {
			return err
		}
		if _, dup := index[id]; dup {
			return nil
		}
		index[id] = len(out)
		ids = append(ids, id)
		out = append(out, compliance.AuditObject{Subject: compliance.AuditSubject{Kind: compliance.SubjectWarning, Key: strconv.FormatInt(id, 10)},
			State: append(enc, "children\n"...)})
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i := 0; i < len(ids); i += idBatch {
		part := ids[i:min(i+idBatch, len(ids))]
		err := eachRawRow(db.Model(&transitionRow{}).Where("warning_id IN ?", part).Order("warning_id, id"), func(r rowValues, enc []byte) error {
			wid, err := r.int("warning_id")
			if err != nil {
				return err
			}
			o := &out[index[wid]]
			o.State = append(o.State, enc...)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// joinedWarningStates is warningStates of the warnings that cond selects
// (on their columns, named w.<column>), in id order, each read with its
// transitions in one statement (see joinedWarnings).
func joinedWarningStates(db *gorm.DB, cond string, args ...any) ([]compliance.AuditObject, error) {
	ws, err := joinedWarnings(db, cond, args...)
	if err != nil {
		return nil, err
	}
	out := make([]compliance.AuditObject, len(ws))
	for i, w := range ws {
		out[i] = w.object
	}
	return out, nil
}

// joinedWarning is a warning's state, with the key it is stored under and
// the step that raised it.
type joinedWarning struct {
	key    warningKey
	stepID string
	object compliance.AuditObject
}

// joinedWarnings returns the warnings that cond selects, in id order, each
// with its state as warningStates encodes it, read with its transitions in
// one statement (see eachJoinedRow): a warning joined to each of its
// transitions, or to none. They are put in order here: an ORDER BY over the
// join costs the database a temporary table.
func joinedWarnings(db *gorm.DB, cond string, args ...any) ([]joinedWarning, error) {
	type transition struct {
		id  int64
		enc []byte
	}
	type warning struct {
		id          int64
		key         warningKey
		stepID      string
		enc         []byte
		transitions []transition
	}
	byID := map[int64]*warning{}
	err := eachJoinedRow(db.Raw("SELECT w.*, 1 AS pc_state_split, t.* FROM warnings w "+
		"LEFT JOIN warning_transitions t ON t.warning_id = w.id WHERE "+cond, args...),
		func(w, t rowValues) error {
			id, err := w.int("id")
			if err != nil {
				return err
			}
			x := byID[id]
			if x == nil {
				x = &warning{id: id, key: warningKey{w.text("case_no"), w.text("dedupe")}, stepID: w.text("step_id"),
					enc: encodeRow(w.cols, w.vals)}
				byID[id] = x
			}
			if t.get("id") == nil { // the warning has no transition
				return nil
			}
			tid, err := t.int("id")
			if err != nil {
				return err
			}
			x.transitions = append(x.transitions, transition{tid, encodeRow(t.cols, t.vals)})
			return nil
		})
	if err != nil {
		return nil, err
	}
	ws := slices.SortedFunc(maps.Values(byID), func(a, b *warning) int { return cmp.Compare(a.id, b.id) })
	out := make([]joinedWarning, len(ws))
	for i, x := range ws {
		slices.SortFunc(x.transitions, func(a, b transition) int { return cmp.Compare(a.id, b.id) })
		state := append(x.enc, "children\n"...)
		for _, t := range x.transitions {
			state = append(state, t.enc...)
		}
		out[i] = joinedWarning{key: x.key, stepID: x.stepID,
			object: compliance.AuditObject{Subject: compliance.AuditSubject{Kind: compliance.SubjectWarning, Key: strconv.FormatInt(x.id, 10)}, State: state}}
	}
	return out, nil
}
