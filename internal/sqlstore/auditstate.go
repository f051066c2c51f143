package sqlstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"gorm.io/gorm"

	"powercheck/internal/compliance"
)

var _ compliance.AuditStateStore = (*Store)(nil)

// AuditState implements compliance.AuditStateStore: the stored rows of the
// subject, as JSON of the gorm rows in a fixed order, so every column the
// database keeps for the object is covered.
func (s *Store) AuditState(ctx context.Context, subj compliance.AuditSubject) ([]byte, error) {
	db := s.db.WithContext(ctx)
	var state any
	var err error
	switch subj.Kind {
	case compliance.SubjectDepartment:
		state, err = first[departmentRow](db.Where("code = ?", subj.Key))
	case compliance.SubjectAccount:
		state, err = first[accountRow](db.Where("username = ?", subj.Key))
	case compliance.SubjectItem:
		state, err = all[itemRow](db.Where("code = ?", subj.Key).Order("version"))
	case compliance.SubjectStep:
		state, err = first[stepRow](db.Where("id = ?", subj.Key))
	case compliance.SubjectCase:
		state, err = first[caseRow](db.Where("case_no = ?", subj.Key))
	case compliance.SubjectWarning:
		state, err = warningState(db, subj.Key)
	case compliance.SubjectCalendar:
		state, err = first[calendarRow](db.Where("year = ?", subj.Key))
	case compliance.SubjectPolicyDraft:
		state, err = first[draftRow](db.Where("module = ?", subj.Key))
	case compliance.SubjectPolicies:
		state, err = policiesState(db)
	case compliance.SubjectSpotCheck:
		state, err = spotCheckState(db, subj.Key)
	case compliance.SubjectPatrol:
		state, err = first[patrolRow](db.Where("id = ?", subj.Key))
	case compliance.SubjectExplanation:
		dept, month, _ := strings.Cut(subj.Key, "/")
		state, err = first[explanationRow](db.Where("department_code = ? AND month = ?", dept, month))
	default:
		return nil, fmt.Errorf("audit state: unknown subject kind %q", subj.Kind)
	}
	if err != nil {
		return nil, wrap(err, "audit state of "+subj.String())
	}
	if state == nil {
		return nil, nil
	}
	return json.Marshal(state)
}

// first returns the row q finds, or nil (no error) when there is none.
func first[T any](q *gorm.DB) (any, error) {
	var row T
	err := q.Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return row, nil
}

// all returns the rows q finds, or nil when there are none.
func all[T any](q *gorm.DB) (any, error) {
	var rows []T
	if err := q.Find(&rows).Error; err != nil || len(rows) == 0 {
		return nil, err
	}
	return rows, nil
}

func warningState(db *gorm.DB, key string) (any, error) {
	id, err := strconv.ParseInt(key, 10, 64)
	if err != nil {
		return nil, nil // no such warning: ids are numbers
	}
	return withChildren[warningRow, transitionRow](db.Where("id = ?", id), db.Where("warning_id = ?", id).Order("id"))
}

func spotCheckState(db *gorm.DB, key string) (any, error) {
	id, err := strconv.ParseInt(key, 10, 64)
	if err != nil {
		return nil, nil
	}
	return withChildren[spotCheckRow, spotCheckCaseRow](db.Where("id = ?", id), db.Where("spot_check_id = ?", id).Order("ordinal"))
}

// withChildren returns the row parent finds with the rows children finds,
// or nil when there is no such row.
func withChildren[P, C any](parent, children *gorm.DB) (any, error) {
	row, err := first[P](parent)
	if err != nil || row == nil {
		return nil, err
	}
	var rows []C
	if err := children.Find(&rows).Error; err != nil {
		return nil, err
	}
	return struct {
		Row      any `json:"row"`
		Children []C `json:"children"`
	}{row, rows}, nil
}

// policiesState is what publishing and rolling back change: the newest
// revision (its digest stands for its modules) and the drafts.
func policiesState(db *gorm.DB) (any, error) {
	var rev struct {
		ID     int64
		Digest string
	}
	if err := db.Model(&revisionRow{}).Select("id, digest").Order("id DESC").Limit(1).Scan(&rev).Error; err != nil {
		return nil, err
	}
	var drafts []draftRow
	if err := db.Order("module").Find(&drafts).Error; err != nil {
		return nil, err
	}
	return struct {
		Revision int64      `json:"revision"`
		Digest   string     `json:"digest"`
		Drafts   []draftRow `json:"drafts"`
	}{rev.ID, rev.Digest, drafts}, nil
}
