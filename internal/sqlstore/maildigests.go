package sqlstore

import (
	"context"
	"time"

	"gorm.io/gorm/clause"

	"powercheck/internal/webhook"
)

var _ webhook.MailStore = (*Webhooks)(nil)

// mailSettingsKey names the mail settings among the settings objects
// (audit subject "settings:mail").
const mailSettingsKey = "mail"

// mailDigestRow is a digest sent (or being sent): its key, account and
// day, is unique, so that of the nodes only one sends it.
type mailDigestRow struct {
	Key    string    `gorm:"primaryKey;size:191"`
	SentAt time.Time `gorm:"not null"`
}

func (mailDigestRow) TableName() string { return "mail_digests" }

// MailSettings implements webhook.MailStore.
func (s *Webhooks) MailSettings(ctx context.Context) (webhook.MailSettings, error) {
	var st webhook.MailSettings
	var err error
	st.UpdatedBy, st.UpdatedAt, err = s.stampedSetting(ctx, mailSettingsKey, &st)
	return st, err
}

// SaveMailSettings implements webhook.MailStore.
func (s *Webhooks) SaveMailSettings(ctx context.Context, st webhook.MailSettings) error {
	by, at := st.UpdatedBy, st.UpdatedAt
	st.UpdatedBy, st.UpdatedAt, st.PasswordSet = "", nil, false
	return s.saveSetting(ctx, mailSettingsKey, st, by, at)
}

// ClaimDigest implements webhook.MailStore.
func (s *Webhooks) ClaimDigest(ctx context.Context, key string, at time.Time) (bool, error) {
	res := s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&mailDigestRow{Key: key, SentAt: utc(at)})
	if retryable(res.Error) {
		return false, nil // on Galera: another node's claim won certification
	}
	return res.RowsAffected == 1, wrap(res.Error, "claim digest")
}

// ReleaseDigest implements webhook.MailStore.
func (s *Webhooks) ReleaseDigest(ctx context.Context, key string) error {
	return wrap(s.db.WithContext(ctx).Delete(&mailDigestRow{Key: key}).Error, "release digest")
}
