package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"powercheck/internal/webhook"
)

var _ webhook.Queue = (*Webhooks)(nil)

// Webhook endpoints and their settings are settings objects: few, changed
// by an administrator, and audited as the settings are (subject
// "settings:webhook:<name>", "settings:webhooks").
const (
	webhookPrefix      = "webhook:"
	webhookSettingsKey = "webhooks"
)

// storedEndpoint is an endpoint as stored, its secret included.
type storedEndpoint struct {
	URL    string   `json:"url"`
	Events []string `json:"events"`
	Secret string   `json:"secret"`
}

// Webhooks implements webhook.Registry.
func (s *Webhooks) Webhooks(ctx context.Context) ([]webhook.Endpoint, error) {
	var rows []settingRow
	if err := s.db.WithContext(ctx).Where("name LIKE ?", webhookPrefix+"%").Order("name").Find(&rows).Error; err != nil {
		return nil, wrap(err, "list webhooks")
	}
	out := make([]webhook.Endpoint, 0, len(rows))
	for _, r := range rows {
		e, err := toEndpoint(r)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// Webhook implements webhook.Registry.
func (s *Webhooks) Webhook(ctx context.Context, name string) (webhook.Endpoint, error) {
	var r settingRow
	if err := s.db.WithContext(ctx).Where("name = ?", webhookPrefix+name).Take(&r).Error; err != nil {
		return webhook.Endpoint{}, wrap(err, "get webhook")
	}
	return toEndpoint(r)
}

func toEndpoint(r settingRow) (webhook.Endpoint, error) {
	var se storedEndpoint
	if err := json.Unmarshal([]byte(r.Value), &se); err != nil {
		return webhook.Endpoint{}, fmt.Errorf("decode webhook %s: %w", r.Name, err)
	}
	return webhook.Endpoint{Name: strings.TrimPrefix(r.Name, webhookPrefix), URL: se.URL, Events: se.Events,
		Secret: se.Secret, UpdatedBy: r.UpdatedBy, UpdatedAt: r.UpdatedAt.UTC()}, nil
}

// SaveWebhook implements webhook.Registry.
func (s *Webhooks) SaveWebhook(ctx context.Context, e webhook.Endpoint) (bool, error) {
	v, err := json.Marshal(storedEndpoint{URL: e.URL, Events: e.Events, Secret: e.Secret})
	if err != nil {
		return false, fmt.Errorf("save webhook: %w", err)
	}
	created := false
	err = s.transaction(ctx, func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&settingRow{}).Where("name = ?", webhookPrefix+e.Name).Count(&n).Error; err != nil {
			return err
		}
		created = n == 0
		return upsertSetting(tx, settingRow{Name: webhookPrefix + e.Name, Value: string(v), UpdatedBy: e.UpdatedBy, UpdatedAt: utc(e.UpdatedAt)})
	})
	return created, wrap(err, "save webhook")
}

func upsertSetting(tx *gorm.DB, r settingRow) error {
	return tx.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "name"}},
		DoUpdates: clause.AssignmentColumns([]string{"value", "updated_by", "updated_at"}),
	}).Create(&r).Error
}

// DeleteWebhook implements webhook.Registry.
func (s *Webhooks) DeleteWebhook(ctx context.Context, name string) error {
	return oneRow(s.db.WithContext(ctx).Where("name = ?", webhookPrefix+name).Delete(&settingRow{}), "delete webhook")
}

// WebhookSettings implements webhook.Registry.
func (s *Webhooks) WebhookSettings(ctx context.Context) (webhook.Settings, error) {
	var st webhook.Settings
	var err error
	st.UpdatedBy, st.UpdatedAt, err = s.stampedSetting(ctx, webhookSettingsKey, &st)
	return st, err
}

// SaveWebhookSettings implements webhook.Registry.
func (s *Webhooks) SaveWebhookSettings(ctx context.Context, st webhook.Settings) error {
	return s.saveSetting(ctx, webhookSettingsKey, webhook.Settings{Allow: st.Allow}, st.UpdatedBy, st.UpdatedAt)
}
