package sqlstore

import (
	"context"
	"time"

	"gorm.io/gorm"

	"powercheck/internal/compliance"
)

var _ compliance.LifecycleStore = (*Warnings)(nil)

type transitionRow struct {
	ID        int64     `gorm:"primaryKey;autoIncrement"`
	WarningID int64     `gorm:"not null;index"`
	Action    string    `gorm:"size:32;not null"`
	FromState string    `gorm:"size:16;not null"`
	ToState   string    `gorm:"size:16;not null"`
	Actor     string    `gorm:"size:64;not null"`
	Role      string    `gorm:"size:32;not null"`
	Note      string    `gorm:"type:text"`
	Reference string    `gorm:"size:128"`
	Outcome   string    `gorm:"type:text"`
	At        time.Time `gorm:"not null"`
}

func (transitionRow) TableName() string { return "warning_transitions" }

func toTransition(r transitionRow) compliance.Transition {
	return compliance.Transition{ID: r.ID, WarningID: r.WarningID, Action: r.Action, From: r.FromState, To: r.ToState,
		Actor: r.Actor, Role: compliance.Role(r.Role), Note: r.Note, Reference: r.Reference, Outcome: r.Outcome, At: r.At}
}

// Warning implements compliance.LifecycleStore.
func (s *Warnings) Warning(ctx context.Context, id int64) (compliance.Warning, error) {
	return takeOne(s.db.WithContext(ctx).Where("id = ?", id), "get warning", toWarning)
}

// TransitionWarning implements compliance.LifecycleStore.
func (s *Warnings) TransitionWarning(ctx context.Context, t compliance.Transition) (compliance.Transition, bool, error) {
	ok := false
	r := transitionRow{WarningID: t.WarningID, Action: t.Action, FromState: t.From, ToState: t.To, Actor: t.Actor,
		Role: string(t.Role), Note: t.Note, Reference: t.Reference, Outcome: t.Outcome, At: utc(t.At)}
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		ok = false // a run again starts from scratch
		res := tx.Model(&warningRow{}).Where("id = ? AND status = ?", t.WarningID, t.From).
			Updates(map[string]any{"status": t.To, "updated_at": r.At})
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		ok = true
		if err := tx.Create(&r).Error; err != nil {
			return err
		}
		var w warningRow
		if err := tx.Where("id = ?", t.WarningID).Take(&w).Error; err != nil {
			return err
		}
		if err := countTransition(tx, w, r); err != nil {
			return err
		}
		return appendEvents(tx, []compliance.Event{compliance.WarningTransitionEvent(toTransition(r), toWarning(w))})
	})
	if err != nil {
		return compliance.Transition{}, false, wrap(err, "transition warning")
	}
	return toTransition(r), ok, nil
}

// Transitions implements compliance.LifecycleStore.
func (s *Warnings) Transitions(ctx context.Context, warningID int64) ([]compliance.Transition, error) {
	return findAll(s.db.WithContext(ctx).Where("warning_id = ?", warningID).Order("id"), "list transitions", toTransition)
}
