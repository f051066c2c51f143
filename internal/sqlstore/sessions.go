package sqlstore

import (
	"context"
	"time"

	"gorm.io/gorm"

	"powercheck/internal/compliance"
	"powercheck/internal/session"
)

var _ session.Store = (*Sessions)(nil)

// Credentials implements session.Store.
func (s *Sessions) Credentials(ctx context.Context, username string) (compliance.Account, string, error) {
	var r accountRow
	if err := s.db.WithContext(ctx).Where("username = ?", username).Take(&r).Error; err != nil {
		return compliance.Account{}, "", wrap(err, "get account credentials")
	}
	return accountOf(r), r.PasswordHash, nil
}

// SetPassword implements session.Store.
func (s *Sessions) SetPassword(ctx context.Context, username, hash string, mustChange bool, keep string, at time.Time) error {
	// Through the store's transaction: it takes the SQLite write gate's turn,
	// writes the change's audit intent and runs again after a lost conflict.
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		var r accountRow
		if err := tx.Select("id").Where("username = ?", username).Take(&r).Error; err != nil {
			return err
		}
		if err := tx.Model(&accountRow{}).Where("id = ?", r.ID).
			Updates(map[string]any{"password_hash": hash, "must_change_password": mustChange, "updated_at": utc(at)}).Error; err != nil {
			return err
		}
		return tx.Where("account_id = ? AND token_hash <> ?", r.ID, keep).Delete(&sessionRow{}).Error
	})
	return wrap(err, "set password")
}

// CreateSession implements session.Store.
func (s *Sessions) CreateSession(ctx context.Context, sess session.Session) error {
	r := sessionRow{TokenHash: sess.TokenHash, AccountID: sess.AccountID, CSRFToken: sess.CSRFToken, IP: sess.IP,
		CreatedAt: utc(sess.CreatedAt), LastSeenAt: utc(sess.LastSeenAt)}
	return wrap(s.db.WithContext(ctx).Create(&r).Error, "create session")
}

// Session implements session.Store.
func (s *Sessions) Session(ctx context.Context, tokenHash string) (session.Session, compliance.Account, error) {
	db := s.db.WithContext(ctx)
	var r sessionRow
	if err := db.Where("token_hash = ?", tokenHash).Take(&r).Error; err != nil {
		return session.Session{}, compliance.Account{}, wrap(err, "get session")
	}
	var a accountRow
	if err := db.Where("id = ?", r.AccountID).Take(&a).Error; err != nil {
		return session.Session{}, compliance.Account{}, wrap(err, "get session account")
	}
	return session.Session{TokenHash: r.TokenHash, AccountID: r.AccountID, CSRFToken: r.CSRFToken, IP: r.IP,
		CreatedAt: r.CreatedAt, LastSeenAt: r.LastSeenAt}, accountOf(a), nil
}

// TouchSession implements session.Store.
func (s *Sessions) TouchSession(ctx context.Context, tokenHash string, at time.Time) error {
	err := s.db.WithContext(ctx).Model(&sessionRow{}).Where("token_hash = ?", tokenHash).
		Update("last_seen_at", utc(at)).Error
	return wrap(err, "touch session")
}

// DeleteSession implements session.Store.
func (s *Sessions) DeleteSession(ctx context.Context, tokenHash string) error {
	return wrap(s.db.WithContext(ctx).Where("token_hash = ?", tokenHash).Delete(&sessionRow{}).Error, "delete session")
}

// DeleteExpiredSessions implements session.Store.
func (s *Sessions) DeleteExpiredSessions(ctx context.Context, idle, started time.Time) error {
	err := s.db.WithContext(ctx).Where("last_seen_at < ? OR created_at < ?", utc(idle), utc(started)).
		Delete(&sessionRow{}).Error
	return wrap(err, "delete expired sessions")
}
