package sqlstore

import (
	"context"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	"gorm.io/gorm"

	"powercheck/internal/compliance"
)

var _ compliance.WriteTracker = (*Audit)(nil)

// writesKey is the context key of the writeSet that TrackWrites installs.
type writesKey struct{}

// writeSet is what a change created, as the create callback notes it:
// the unique keys of the warnings it stored, the warnings it added a
// transition to, and the accounts, departments, power items and calendar
// years it created or entered. Rows are noted by key because a batch
// INSERT that skips duplicates does not tell the ids of those it stored.
type writeSet struct {
	parent *writeSet // an enclosing change, which notes it too
	mu     sync.Mutex
	writeKeys
	// intent, when set, is the change's audit intent: each transaction
	// under the change writes a part of it (see changeIntent).
	intent *changeIntent
	// after are the states of the steps the change stored in groups, and
	// of their cases, as committed; afterWarnings those of the warnings
	// they raised (see groupAfterStates).
	after         map[stepSubjects]subjectStates
	afterWarnings map[warningKey]compliance.AuditObject
}

// writeKeys are the keys of followed objects written.
type writeKeys struct {
	warnings map[warningKey]bool
	ids      map[int64]bool // warnings, by id
	objects  map[compliance.AuditSubject]bool
}

type warningKey struct{ caseNo, dedupe string }

// note notes every row of v, a row, a pointer to one or a slice of them.
func (w *writeSet) note(v reflect.Value) {
	for ; w != nil; w = w.parent {
		w.mu.Lock()
		w.noteValue(v)
		w.mu.Unlock()
	}
}

func (w *writeSet) noteValue(v reflect.Value) {
	switch v.Kind() {
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			w.noteValue(v.Index(i))
		}
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			w.noteValue(v.Elem())
		}
	case reflect.Struct:
		if v.CanInterface() {
			w.noteRow(v.Interface())
		}
	}
}

func (w *writeSet) noteRow(row any) {
	object := func(kind, key string) { w.addObject(compliance.AuditSubject{Kind: kind, Key: key}) }
	switch r := row.(type) {
	case warningRow:
		w.addWarning(warningKey{r.CaseNo, r.Dedupe})
	case transitionRow:
		w.addID(r.WarningID)
	case accountRow:
		object(compliance.SubjectAccount, r.Username)
	case departmentRow:
		object(compliance.SubjectDepartment, r.Code)
	case itemRow:
		object(compliance.SubjectItem, r.Code)
	case calendarRow:
		object(compliance.SubjectCalendar, strconv.Itoa(r.Year))
	}
}

func (k *writeKeys) init() {
	if k.objects == nil {
		k.warnings, k.ids, k.objects = map[warningKey]bool{}, map[int64]bool{}, map[compliance.AuditSubject]bool{}
	}
}

func (k *writeKeys) addWarning(w warningKey) { k.init(); k.warnings[w] = true }

func (k *writeKeys) addID(id int64) { k.init(); k.ids[id] = true }

func (k *writeKeys) addObject(s compliance.AuditSubject) { k.init(); k.objects[s] = true }

// warningsByKey returns the state of the warnings stored under keys (case,
// dedupe): a case's keys in one IN list, several cases in one query, at
// most ~idBatch values a query.
func warningsByKey(db *gorm.DB, keys []warningKey) ([]compliance.AuditObject, error) {
	slices.SortFunc(keys, func(a, b warningKey) int {
		if c := strings.Compare(a.caseNo, b.caseNo); c != 0 {
			return c
		}
		return strings.Compare(a.dedupe, b.dedupe)
	})
	var out []compliance.AuditObject
	for len(keys) > 0 {
		var conds []string
		var args []any
		n := 0
		for len(keys) > 0 && n < idBatch {
			c := keys[0].caseNo
			var dedupes []string
			for len(keys) > 0 && keys[0].caseNo == c && n < idBatch {
				dedupes = append(dedupes, keys[0].dedupe)
				keys = keys[1:]
				n++
			}
			conds = append(conds, "(w.case_no = ? AND w.dedupe IN ?)")
			args = append(args, c, dedupes)
			n++
		}
		objs, err := joinedWarningStates(db, strings.Join(conds, " OR "), args...)
		if err != nil {
			return nil, wrap(err, "read the warnings a change stored")
		}
		out = append(out, objs...)
	}
	return out, nil
}

// tracked is the writeSet of the change ctx carries; nil when none.
func tracked(ctx context.Context) *writeSet {
	w, _ := ctx.Value(writesKey{}).(*writeSet)
	return w
}

// registerWriteTracking adds the callback that notes, for TrackWrites, the
// rows every successful INSERT under a tracked context stores. It costs an
// untracked INSERT one context lookup.
func registerWriteTracking(db *gorm.DB) error {
	return db.Callback().Create().After("gorm:create").Register("powercheck:track_writes", func(tx *gorm.DB) {
		if tx.Error != nil || tx.Statement == nil || tx.Statement.Context == nil {
			return
		}
		if w := tracked(tx.Statement.Context); w != nil {
			w.note(tx.Statement.ReflectValue)
		}
	})
}

// TrackWrites implements compliance.WriteTracker. The objects are listed
// in kind and key order, each with its state read when the list is asked
// for (warnings in bulk, one query for up to idBatch of them and their
// transitions), or, for the warnings of steps stored in a group, as the
// group read them before it committed (see groupAfterStates).
func (s *Audit) TrackWrites(ctx context.Context) (context.Context, compliance.Written) {
	w := &writeSet{parent: tracked(ctx)}
	return context.WithValue(ctx, writesKey{}, w), func(ctx context.Context) ([]compliance.AuditObject, error) {
		return s.written(ctx, w)
	}
}

// written reads the state of what w noted; objects that are not stored
// (their transaction was rolled back) are left out.
func (s *Audit) written(ctx context.Context, w *writeSet) ([]compliance.AuditObject, error) {
	w.mu.Lock()
	var kept []compliance.AuditObject // as their group committed them
	keys := make([]warningKey, 0, len(w.warnings))
	for k := range w.warnings {
		if o, ok := w.afterWarnings[k]; ok {
			kept = append(kept, o)
			continue
		}
		keys = append(keys, k)
	}
	ids := make([]int64, 0, len(w.ids))
	for id := range w.ids {
		ids = append(ids, id)
	}
	subjects := make([]compliance.AuditSubject, 0, len(w.objects))
	for subj := range w.objects {
		subjects = append(subjects, subj)
	}
	w.mu.Unlock()

	var out []compliance.AuditObject
	for _, subj := range subjects {
		state, err := s.AuditState(ctx, subj)
		if err != nil {
			return nil, err
		}
		if state != nil {
			out = append(out, compliance.AuditObject{Subject: subj, State: state})
		}
	}
	db := s.db.WithContext(ctx)
	seen := map[string]bool{}
	add := func(objs []compliance.AuditObject) {
		for _, o := range objs {
			if !seen[o.Subject.Key] {
				seen[o.Subject.Key] = true
				out = append(out, o)
			}
		}
	}
	add(kept)
	byKey, err := warningsByKey(db, keys)
	if err != nil {
		return nil, err
	}
	add(byKey)
	for i := 0; i < len(ids); i += idBatch {
		objs, err := joinedWarningStates(db, "w.id IN ?", ids[i:min(i+idBatch, len(ids))])
		if err != nil {
			return nil, wrap(err, "read the warnings a change moved")
		}
		add(objs)
	}
	slices.SortFunc(out, func(a, b compliance.AuditObject) int { return compliance.CompareSubjects(a.Subject, b.Subject) })
	return out, nil
}
