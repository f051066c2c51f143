package sqlstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"powercheck/internal/compliance"
)

var _ compliance.SettingsStore = (*Accounts)(nil)

// Settings implements compliance.SettingsStore.
func (s *Accounts) Settings(ctx context.Context) (compliance.SettingsState, error) {
	var r settingRow
	if err := s.db.WithContext(ctx).Where("name = ?", compliance.SettingsKey).Take(&r).Error; err != nil {
		return compliance.SettingsState{}, wrap(err, "get settings")
	}
	var st compliance.SettingsState
	if err := json.Unmarshal([]byte(r.Value), &st.Settings); err != nil {
		return st, fmt.Errorf("get settings: %w", err)
	}
	at := r.UpdatedAt.UTC()
	st.UpdatedBy, st.UpdatedAt = r.UpdatedBy, &at
	return st, nil
}

// SaveSettings implements compliance.SettingsStore.
func (s *Accounts) SaveSettings(ctx context.Context, st compliance.SettingsState) error {
	v, err := json.Marshal(st.Settings)
	if err != nil {
		return fmt.Errorf("save settings: %w", err)
	}
	r := settingRow{Name: compliance.SettingsKey, Value: string(v), UpdatedBy: st.UpdatedBy}
	if st.UpdatedAt != nil {
		r.UpdatedAt = utc(*st.UpdatedAt)
	}
	err = s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "name"}},
		DoUpdates: clause.AssignmentColumns([]string{"value", "updated_by", "updated_at"}),
	}).Create(&r).Error
	return wrap(err, "save settings")
}

// stampedSetting decodes the settings object name into v and tells who
// saved it when; nothing when none is stored.
func (c *conn) stampedSetting(ctx context.Context, name string, v any) (string, *time.Time, error) {
	r, err := c.setting(ctx, name, v)
	if err != nil || r == nil {
		return "", nil, err
	}
	at := r.UpdatedAt.UTC()
	return r.UpdatedBy, &at, nil
}

// setting decodes the settings object name into v; a nil row when none is stored.
func (c *conn) setting(ctx context.Context, name string, v any) (*settingRow, error) {
	var r settingRow
	err := c.db.WithContext(ctx).Where("name = ?", name).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, wrap(err, "get setting "+name)
	}
	if err := json.Unmarshal([]byte(r.Value), v); err != nil {
		return nil, fmt.Errorf("decode setting %s: %w", name, err)
	}
	return &r, nil
}

// saveSetting stores v as the settings object name, saved by by at at
// (now when nil).
func (c *conn) saveSetting(ctx context.Context, name string, v any, by string, at *time.Time) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("save setting %s: %w", name, err)
	}
	r := settingRow{Name: name, Value: string(b), UpdatedBy: by, UpdatedAt: utc(time.Now())}
	if at != nil {
		r.UpdatedAt = utc(*at)
	}
	return wrap(upsertSetting(c.db.WithContext(ctx), r), "save setting "+name)
}
