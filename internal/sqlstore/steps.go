package sqlstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"powercheck/internal/compliance"
)

// Case implements compliance.CaseReader.
func (s *Cases) Case(ctx context.Context, caseNo string) (compliance.Case, error) {
	if w := caseBefore(ctx, caseNo); w != nil {
		return caseAsRead(s.db.WithContext(ctx), caseNo, w)
	}
	return takeOne(s.db.WithContext(ctx).Where("case_no = ?", caseNo), "get case", toCase)
}

// CaseSteps implements compliance.CaseReader.
func (s *Cases) CaseSteps(ctx context.Context, caseNo string) ([]compliance.Step, error) {
	return findAll(s.db.WithContext(ctx).Omit("response").Where("case_no = ?", caseNo).Order("seq"), "list case steps", toStep)
}

// CaseStepsPage implements compliance.CaseReader.
func (s *Cases) CaseStepsPage(ctx context.Context, caseNo string, offset, limit int) ([]compliance.Step, error) {
	q := s.db.WithContext(ctx).Omit("response").Where("case_no = ?", caseNo).Order("seq").Offset(offset).Limit(limit)
	return findAll(q, "list a page of case steps", toStep)
}

// ofStep selects the row of a step: its id is unique within its department.
func ofStep(db *gorm.DB, dept, id string) *gorm.DB {
	return db.Model(&stepRow{}).Where("department_code = ? AND id = ?", dept, id)
}

// StepByID implements compliance.StepStore.
func (s *Cases) StepByID(ctx context.Context, dept, id string) (compliance.StoredStep, error) {
	var r stepRow
	if err := ofStep(s.db.WithContext(ctx), dept, id).Take(&r).Error; err != nil {
		return compliance.StoredStep{}, wrap(err, "get step")
	}
	st := compliance.StoredStep{Step: toStep(r), DepartmentCode: r.DepartmentCode, Digest: r.Digest}
	if err := json.Unmarshal(r.Response, &st.Result); err != nil {
		return compliance.StoredStep{}, fmt.Errorf("step %s: stored response: %w", id, err)
	}
	return st, nil
}

// RecordStep implements compliance.StepStore. The step is stored by the
// store's step writer (stepwriter.go), in one transaction with the steps
// submitted at the same time, and RecordStep returns once that transaction
// is committed.
func (s *Cases) RecordStep(ctx context.Context, rec compliance.StepRecord, respond compliance.Responder) (compliance.StepResult, error) {
	res, err := s.steps.write(ctx, rec, respond)
	if err != nil {
		return compliance.StepResult{}, wrap(err, "record step")
	}
	return res, nil
}

// recordStep writes one step in tx. The case row is updated first, only at
// the version the step was checked against: on MySQL the update waits for
// a concurrent step of the case to commit and then matches no row; on
// SQLite writes are one at a time anyway. Either way the loser stores
// nothing and is checked again.
func recordStep(tx *gorm.DB, rec compliance.StepRecord, respond compliance.Responder) (compliance.StepResult, error) {
	var res compliance.StepResult
	tx, counted := collectRollup(tx)
	tx, told := collectEvents(tx)
	c := fromCase(rec.Case)
	if rec.NewCase {
		if err := tx.Create(&c).Error; err != nil {
			return res, err
		}
		if w := caseBefore(tx.Statement.Context, c.CaseNo); w != nil {
			// Absent before, as the insert proves: the service need not
			// have looked (see compliance's caseState).
			w.noteCase(nil)
		}
		countNewCase(tx, c)
	} else {
		// The status the update replaces: as the service read it, at the
		// version the update is made at; read here only when not given.
		before := rec.StatusBefore
		if before == "" {
			var err error
			if before, err = caseStatus(tx, c.CaseNo); err != nil {
				return res, err
			}
		}
		upd := tx.Model(&caseRow{}).Where("case_no = ? AND version = ?", c.CaseNo, c.Version)
		if n := rec.ApprovalsAsRead; n != nil {
			// Only while the case has the approvals the step was checked
			// against: they may have been kept by this node (knownCases).
			upd = upd.Where("(SELECT COUNT(*) FROM approvals WHERE approvals.case_no = cases.case_no) = ?", *n)
		}
		upd = upd.Updates(map[string]any{"status": c.Status, "updated_at": c.UpdatedAt, "next_check_at": c.NextCheckAt,
			"next_checkpoint": c.NextCheckpoint, "next_checkpoint_role": c.NextCheckpointRole,
			"version": gorm.Expr("version + 1")})
		if upd.Error != nil {
			return res, upd.Error
		}
		if upd.RowsAffected == 0 {
			return res, compliance.ErrCaseChanged
		}
		if r := rollupIn(tx.Statement.Context); r != nil {
			r.rememberCase(c, false)
			knowWarnings(r, rec.Warnings)
		}
		if err := countCaseStatus(tx, c, before); err != nil {
			return res, err
		}
	}
	stored, err := insertWarnings(tx, rec, true)
	if err != nil {
		return res, err
	}
	if err := appendEvents(tx, rec.Events); err != nil {
		return res, err
	}
	if res, err = respond(stored); err != nil {
		return res, err
	}
	row := fromStep(rec.Step, rec.Case.DepartmentCode, rec.Digest)
	if row.Response, err = json.Marshal(res); err != nil {
		return res, err
	}
	if b := bufferIn[stepRow](tx.Statement.Context); b != nil {
		b.rows = append(b.rows, row)
	} else if err := tx.Create(&row).Error; err != nil {
		return res, err
	}
	if err := told(); err != nil {
		return res, err
	}
	return res, counted()
}

// warningBatch is how many warnings one INSERT carries: at 14 columns a row,
// 50 rows stay under SQLite's oldest limit of 999 variables and far under
// MySQL's 65,535 placeholders.
const warningBatch = 50

// createWarnings inserts rows in batches of warningBatch, skipping those
// already stored.
func createWarnings(tx *gorm.DB, rows []warningRow) error {
	for i := 0; i < len(rows); i += warningBatch {
		part := rows[i:min(i+warningBatch, len(rows))]
		if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&part).Error; err != nil {
			return err
		}
	}
	return nil
}

// knowWarnings notes in r what warnings, read before and still stored, say
// of their cases.
func knowWarnings(r *rollup, ws []compliance.Warning) {
	for _, w := range ws {
		r.knowWarned(w.CaseNo, slices.Contains(compliance.OverdueRules, w.Rule))
	}
}

// warningDedupe is the dedupe key of a case's warning of finding f raised
// by step stepID ("" for a sweep's, which names no step): every writer of a
// case's warnings keys them so, and the key of a stored one can be told
// from its row (storedDedupe).
func warningDedupe(stepID string, f compliance.Finding) string {
	return dedupeHash(compliance.DedupeKey(stepID, f))
}

// storedDedupe is the dedupe key that case warning w is stored under.
func storedDedupe(w compliance.Warning) string {
	return warningDedupe(w.StepID, compliance.Finding{Rule: w.Rule, Level: w.Level, Key: w.Key})
}

// insertWarnings stores the findings of rec that are not stored yet and
// returns all of them as stored, in the order found. newStep: rec's step
// is not stored yet (not a re-check of a stored one).
func insertWarnings(tx *gorm.DB, rec compliance.StepRecord, newStep bool) ([]compliance.Warning, error) {
	if len(rec.Findings) == 0 {
		return nil, nil
	}
	now := utc(rec.Step.RecordedAt)
	rows := make([]warningRow, 0, len(rec.Findings))
	keys := make([]string, 0, len(rec.Findings))
	seen := map[string]bool{}
	for _, f := range rec.Findings {
		k := warningDedupe(rec.Step.ID, f)
		if seen[k] {
			continue
		}
		seen[k] = true
		keys = append(keys, k)
		rows = append(rows, warningRow{CaseNo: rec.Case.CaseNo, Dedupe: k, StepID: rec.Step.ID,
			DepartmentCode: rec.Case.DepartmentCode, Rule: f.Rule, Family: f.Family(), Level: f.Level,
			Status: compliance.WarningOpen, Message: f.Message, Basis: f.Basis, Key: f.Key,
			PolicyRevision: rec.Step.PolicyRevision, CreatedAt: now, UpdatedAt: now})
	}
	var who *string // the handler's account, read once if a warning is new
	account := func(warningRow) (string, error) {
		if who == nil && rec.HandlerAccount != nil {
			who = rec.HandlerAccount
		}
		if who == nil {
			a, err := handlerAccount(tx, rec.Case.DepartmentCode, rec.Step.Handler, rec.Step.RecordedBy)
			if err != nil {
				return "", err
			}
			who = &a
		}
		return *who, nil
	}
	var byKey map[string]warningRow
	var err error
	if newStep {
		known := make(map[string]bool, len(rec.Warnings))
		for _, w := range rec.Warnings {
			known[storedDedupe(w)] = true
		}
		byKey, err = tellStepWarnings(tx, rec.Step.ID, rows, known, account, now)
	} else {
		byKey, err = tellWarnings(tx, rows, account, now)
	}
	if err != nil {
		return nil, err
	}
	out := make([]compliance.Warning, 0, len(keys))
	for _, k := range keys {
		if r, ok := byKey[rec.Case.CaseNo+"|"+k]; ok {
			out = append(out, toWarning(r))
		}
	}
	return out, nil
}

// UncheckedSteps implements compliance.RecheckStore.
func (s *Cases) UncheckedSteps(ctx context.Context, limit int) ([]compliance.UncheckedStep, error) {
	var rows []stepRow
	if err := s.db.WithContext(ctx).Omit("response").Where("check_status = ?", compliance.CheckUnchecked).
		Order("seq").Limit(limit).Find(&rows).Error; err != nil {
		return nil, wrap(err, "list unchecked steps")
	}
	return toUncheckedSteps(rows), nil
}

// DueRechecks implements compliance.RecheckStore. It reads the (check_status,
// next_recheck_at) index: the steps waiting out a back-off are not read.
// NULL, never re-checked, sorts first on both databases.
func (s *Cases) DueRechecks(ctx context.Context, now time.Time, limit int) ([]compliance.UncheckedStep, error) {
	var rows []stepRow
	if err := s.db.WithContext(ctx).Omit("response").
		Where("check_status = ? AND (next_recheck_at IS NULL OR next_recheck_at <= ?)", compliance.CheckUnchecked, utc(now)).
		Order("next_recheck_at, seq").Limit(limit).Find(&rows).Error; err != nil {
		return nil, wrap(err, "list steps due for a re-check")
	}
	return toUncheckedSteps(rows), nil
}

func toUncheckedSteps(rows []stepRow) []compliance.UncheckedStep {
	out := make([]compliance.UncheckedStep, len(rows))
	for i, r := range rows {
		out[i] = compliance.UncheckedStep{Step: toStep(r), DepartmentCode: r.DepartmentCode,
			Attempts: r.RecheckAttempts, NextRecheckAt: r.NextRecheckAt}
	}
	return out
}

// DeferRecheck implements compliance.RecheckStore. A step another node checked
// meanwhile is left as it is.
func (s *Cases) DeferRecheck(ctx context.Context, f compliance.RecheckFailure) error {
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		return ofStep(tx, f.DepartmentCode, f.StepID).Where("check_status = ?", compliance.CheckUnchecked).
			Updates(map[string]any{"check_error": f.Error, "policy_revision": f.Revision, "recheck_attempts": f.Attempts,
				"next_recheck_at": utc(f.Next)}).Error
	})
	return wrap(err, "defer re-check of step "+f.StepID)
}

// ResetRechecks implements compliance.RecheckStore. It reads the steps waiting out
// a back-off, through the (check_status, next_recheck_at) index.
func (s *Cases) ResetRechecks(ctx context.Context, rev int64) (int64, error) {
	var n int64
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&stepRow{}).
			Where("check_status = ? AND next_recheck_at IS NOT NULL AND policy_revision <> ?", compliance.CheckUnchecked, rev).
			Updates(map[string]any{"next_recheck_at": nil, "recheck_attempts": 0})
		n = res.RowsAffected
		return res.Error
	})
	return n, wrap(err, "reset re-checks")
}

// CountUnchecked implements compliance.RecheckStore.
func (s *Cases) CountUnchecked(ctx context.Context) (int64, error) {
	var n int64
	if err := s.db.WithContext(ctx).Model(&stepRow{}).Where("check_status = ?", compliance.CheckUnchecked).Count(&n).Error; err != nil {
		return 0, wrap(err, "count unchecked steps")
	}
	return n, nil
}

// RecordRecheck implements compliance.RecheckStore. The step is claimed first: when
// another node re-checked it already, nothing is stored and the stored
// answer is returned.
func (s *Cases) RecordRecheck(ctx context.Context, rec compliance.StepRecord, respond compliance.Responder) (compliance.StepResult, error) {
	var res compliance.StepResult
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		claim := ofStep(tx, rec.Case.DepartmentCode, rec.Step.ID).Where("check_status = ?", compliance.CheckUnchecked).
			Updates(map[string]any{"check_status": rec.Step.CheckStatus, "check_error": rec.Step.CheckError,
				"policy_revision": rec.Step.PolicyRevision})
		if claim.Error != nil {
			return claim.Error
		}
		if claim.RowsAffected == 0 {
			var row stepRow
			if err := ofStep(tx, rec.Case.DepartmentCode, rec.Step.ID).Select("response").Take(&row).Error; err != nil {
				return err
			}
			return json.Unmarshal(row.Response, &res)
		}
		stored, err := insertWarnings(tx, rec, false)
		if err != nil {
			return err
		}
		if res, err = respond(stored); err != nil {
			return err
		}
		body, err := json.Marshal(res)
		if err != nil {
			return err
		}
		return ofStep(tx, rec.Case.DepartmentCode, rec.Step.ID).Update("response", body).Error
	})
	if err != nil {
		return compliance.StepResult{}, wrap(err, "record re-check")
	}
	return res, nil
}

// dedupeHash bounds the stored dedupe key, whatever the lengths of rule, key
// and step id.
func dedupeHash(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

var _ compliance.ImpactStore = (*Cases)(nil)

// StepsRecorded implements compliance.ImpactStore.
func (s *Cases) StepsRecorded(ctx context.Context, from, to time.Time, after int64, limit int) ([]compliance.RecordedStep, error) {
	var rows []stepRow
	err := s.db.WithContext(ctx).Where("recorded_at >= ? AND recorded_at < ? AND seq > ?", utc(from), utc(to), after).
		Order("seq").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, wrap(err, "list recorded steps")
	}
	out := make([]compliance.RecordedStep, len(rows))
	for i, r := range rows {
		out[i] = compliance.RecordedStep{Seq: r.Seq, Step: toStep(r)}
		if err := json.Unmarshal(r.Response, &out[i].Result); err != nil {
			return nil, fmt.Errorf("step %s: stored response: %w", r.ID, err)
		}
	}
	return out, nil
}

// CasesByNo implements compliance.ImpactStore.
func (s *Cases) CasesByNo(ctx context.Context, nos []string) (map[string]compliance.Case, error) {
	out := make(map[string]compliance.Case, len(nos))
	if len(nos) == 0 {
		return out, nil
	}
	var rows []caseRow
	if err := s.db.WithContext(ctx).Where("case_no IN ?", nos).Find(&rows).Error; err != nil {
		return nil, wrap(err, "list cases")
	}
	for _, r := range rows {
		out[r.CaseNo] = toCase(r)
	}
	return out, nil
}
