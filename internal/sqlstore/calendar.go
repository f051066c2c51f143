package sqlstore

import (
	"context"
	"time"

	"gorm.io/gorm/clause"

	"powercheck/internal/calendar"
	"powercheck/internal/compliance"
)

var _ compliance.CalendarStore = (*Accounts)(nil)

type calendarRow struct {
	Year      int       `gorm:"primaryKey;autoIncrement:false"`
	Source    string    `gorm:"size:255;not null"`
	Holidays  []string  `gorm:"type:text;serializer:json"`
	Workdays  []string  `gorm:"type:text;serializer:json"`
	UpdatedBy string    `gorm:"size:64;not null"`
	UpdatedAt time.Time `gorm:"not null"`
}

func (calendarRow) TableName() string { return "calendar_years" }

// CalendarYears implements compliance.CalendarStore.
func (s *Accounts) CalendarYears(ctx context.Context) ([]compliance.StoredYear, error) {
	return findAll(s.db.WithContext(ctx).Order("year"), "list calendar years", func(r calendarRow) compliance.StoredYear {
		return compliance.StoredYear{Year: calendar.Year{Year: r.Year, Source: r.Source, Holidays: r.Holidays, Workdays: r.Workdays},
			UpdatedBy: r.UpdatedBy, UpdatedAt: r.UpdatedAt}
	})
}

// SaveCalendarYear implements compliance.CalendarStore: it enters or
// replaces one year.
func (s *Accounts) SaveCalendarYear(ctx context.Context, y compliance.StoredYear) error {
	r := calendarRow{Year: y.Year.Year, Source: y.Source, Holidays: y.Holidays, Workdays: y.Workdays,
		UpdatedBy: y.UpdatedBy, UpdatedAt: utc(y.UpdatedAt)}
	err := s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "year"}},
		DoUpdates: clause.AssignmentColumns([]string{"source", "holidays", "workdays", "updated_by", "updated_at"}),
	}).Create(&r).Error
	return wrap(err, "save calendar year")
}

// ScheduleChecks implements compliance.CalendarStore.
func (s *Accounts) ScheduleChecks(ctx context.Context, from, at time.Time) (int64, error) {
	res := s.db.WithContext(ctx).Model(&caseRow{}).
		Where("status <> ? AND accepted_at >= ?", compliance.CaseClosed, utc(from)).
		Update("next_check_at", utc(at))
	return res.RowsAffected, wrap(res.Error, "schedule checks")
}
