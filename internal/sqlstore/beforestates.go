package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"reflect"

	"gorm.io/gorm"

	"powercheck/internal/compliance"
)

// The state before a step's change (compliance.AuditIntent.BeforeAsRead),
// taken from the change's own read of its case instead of a read of the
// step and the case before the change runs: the case row, encoded as
// AuditState encodes it, is noted when the service reads it, and the step
// is absent, as its insert in the transaction that writes the intent
// proves.

// beforeAsRead is what a change tracked with BeforeAsRead has read of its
// subjects, a step and its case, under the writeSet's mu.
type beforeAsRead struct {
	subjects []compliance.AuditSubject
	// caseState is the case's row as last read (nil: absent), once read.
	caseState []byte
	caseRead  bool
	// digest is the BeforeDigest of the change's first committed part.
	digest string
}

// caseBefore returns the change ctx carries when it wants its case's state
// as read and the case is caseNo's; nil otherwise.
func caseBefore(ctx context.Context, caseNo string) *writeSet {
	w := changeOf(ctx)
	if w == nil || w.intent.asRead == nil {
		return nil
	}
	subj := w.intent.asRead.subjects
	if len(subj) != 2 || subj[1].Kind != compliance.SubjectCase || subj[1].Key != caseNo {
		return nil
	}
	return w
}

// noteCase notes state as the change's read of its case; a read after its
// first commit changes nothing (the before of its later parts stays the
// first's).
func (w *writeSet) noteCase(state []byte) {
	w.mu.Lock()
	defer w.mu.Unlock()
	b := w.intent.asRead
	if b.digest == "" {
		b.caseState, b.caseRead = state, true
	}
}

// beforeDigest is the BeforeDigest of a part about to be written: the
// first committed one's, or the step absent and the case as read; "" when
// the case was not read. Under the writeSet's mu.
func (b *beforeAsRead) beforeDigest() string {
	switch {
	case b.digest != "":
		return b.digest
	case !b.caseRead || len(b.subjects) != 2 || b.subjects[0].Kind != compliance.SubjectStep:
		return ""
	}
	return compliance.StatesDigest(b.subjects, [][]byte{nil, b.caseState})
}

// ChangeBefore implements compliance.IntentStore.
func (s *Audit) ChangeBefore(ctx context.Context) (string, bool) {
	w := changeOf(ctx)
	if w == nil || w.intent.asRead == nil {
		return "", false
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.intent.asRead.digest, w.intent.committed
}

// caseAsRead reads case caseNo's row as AuditState does and notes its
// encoding in w.
func caseAsRead(db *gorm.DB, caseNo string, w *writeSet) (compliance.Case, error) {
	rows, err := db.Model(&caseRow{}).Where("case_no = ?", caseNo).Rows()
	if err != nil {
		return compliance.Case{}, wrap(err, "get case")
	}
	defer func() { _ = rows.Close() }()
	var c []caseRow
	if err := scanCaseAsRead(db, rows, &c, w); err != nil {
		return compliance.Case{}, wrap(err, "get case")
	}
	if len(c) == 0 {
		return compliance.Case{}, compliance.ErrNotFound
	}
	return toCase(c[0]), nil
}

// scanCaseAsRead scans the current result of rows, a case's row, into c
// and notes its encoding in w.
func scanCaseAsRead(db *gorm.DB, rows *sql.Rows, c *[]caseRow, w *writeSet) error {
	var state []byte
	err := eachResultRow(rows, func(r rowValues) error {
		row, err := caseRowOf(db, r)
		if err != nil {
			return err
		}
		*c = append(*c, row)
		state = encodeRow(r.cols, r.vals)
		return nil
	})
	if err != nil {
		return err
	}
	w.noteCase(state)
	return nil
}

// caseRowOf sets a case row from its columns' values as the driver
// returns them, through gorm's own field setters. A column caseRow lacks
// (added by a newer node's migration, during an upgrade) is skipped, as a
// typed read skips it; the encoding keeps it, as the audit's read does.
func caseRowOf(db *gorm.DB, r rowValues) (caseRow, error) {
	var row caseRow
	stmt := &gorm.Statement{DB: db}
	if err := stmt.Parse(&row); err != nil {
		return row, err
	}
	rv := reflect.ValueOf(&row).Elem()
	ctx := db.Statement.Context
	if ctx == nil {
		ctx = context.Background()
	}
	for i, col := range r.cols {
		f := stmt.Schema.LookUpField(col)
		if f == nil {
			continue
		}
		if err := f.Set(ctx, rv, r.vals[i]); err != nil {
			return row, fmt.Errorf("case row: column %s: %w", col, err)
		}
	}
	return row, nil
}
