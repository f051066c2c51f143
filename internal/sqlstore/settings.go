package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"

	"gorm.io/gorm/clause"

	"powercheck/internal/compliance"
)

var _ compliance.SettingsStore = (*Store)(nil)

// Settings implements compliance.SettingsStore.
func (s *Store) Settings(ctx context.Context) (compliance.SettingsState, error) {
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
func (s *Store) SaveSettings(ctx context.Context, st compliance.SettingsState) error {
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
