// Package session is how people sign in to powercheck with a password: the
// argon2id password hashes, the browser sessions behind the pc_session
// cookie and their CSRF tokens. Programs keep using bearer tokens
// (compliance.Accounts.Authenticate).
package session

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"powercheck/internal/compliance"
)

// Session limits (DESIGN.md, "Sessions and the console").
const (
	IdleTimeout = 30 * time.Minute
	MaxLifetime = 12 * time.Hour
	// touchEvery bounds the writes a busy session makes: its last use is
	// stored at most once a minute, so idle time is known to a minute.
	touchEvery = time.Minute
)

// Session is a signed-in browser. Only the hash of its token is stored.
type Session struct {
	TokenHash  string
	AccountID  int64
	CSRFToken  string
	IP         string
	CreatedAt  time.Time
	LastSeenAt time.Time
}

// Store keeps passwords and sessions.
type Store interface {
	// Credentials returns the account of username and its password hash
	// ("" when it has none).
	Credentials(ctx context.Context, username string) (compliance.Account, string, error)
	// SetPassword replaces an account's password hash and must-change flag
	// and, in the same transaction, ends every session of the account but
	// the one whose token hash is keep ("" ends all).
	SetPassword(ctx context.Context, username, hash string, mustChange bool, keep string, at time.Time) error
	CreateSession(ctx context.Context, s Session) error
	// Session returns a session and its account.
	Session(ctx context.Context, tokenHash string) (Session, compliance.Account, error)
	TouchSession(ctx context.Context, tokenHash string, at time.Time) error
	DeleteSession(ctx context.Context, tokenHash string) error
	// DeleteExpiredSessions removes the sessions last used before idle or
	// begun before started.
	DeleteExpiredSessions(ctx context.Context, idle, started time.Time) error
}

// Service signs people in and out and keeps their passwords.
type Service struct {
	store Store
	// cache remembers resolved sessions for a moment; it is the one the
	// accounts' tokens are remembered in (compliance.Core.Credentials), so
	// that a change of an account forgets its sessions too.
	cache *compliance.CredentialCache
	now   func() time.Time
	log   *slog.Logger
}

// NewService returns a service over store that remembers resolved
// sessions in cache (nil: none are remembered); now may be nil (the wall
// clock).
func NewService(store Store, cache *compliance.CredentialCache, now func() time.Time, log *slog.Logger) *Service {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.Default()
	}
	return &Service{store: store, cache: cache, now: now, log: log}
}

// ErrBadCredentials is the one answer to every wrong username and
// password pair, whether the account exists or not.
var ErrBadCredentials = compliance.Errorf(compliance.ClassUnauthenticated, "bad_credentials", "用户名或密码错误")

var errNoSession = compliance.Errorf(compliance.ClassUnauthenticated, "session_expired", "登录已失效，请重新登录")

// Verify returns the account whose username and password these are. A
// disabled or expired account, one without a password and an unknown
// username are refused alike, after the same work.
func (s *Service) Verify(ctx context.Context, username, password string) (compliance.Account, error) {
	if len(username) > 64 || len(password) > 4*MaxPasswordRunes {
		CheckPassword(dummyHash(), "")
		return compliance.Account{}, ErrBadCredentials
	}
	a, hash, err := s.store.Credentials(ctx, username)
	if err != nil && !errors.Is(err, compliance.ErrNotFound) {
		return compliance.Account{}, err
	}
	if err != nil || hash == "" {
		CheckPassword(dummyHash(), password)
		return compliance.Account{}, ErrBadCredentials
	}
	if !CheckPassword(hash, password) || a.Disabled || (a.ExpiresAt != nil && !s.now().Before(*a.ExpiresAt)) {
		return compliance.Account{}, ErrBadCredentials
	}
	return a, nil
}

// Start opens a session for a and returns its token, to be set as the
// cookie, and the session.
func (s *Service) Start(ctx context.Context, a compliance.Account, ip string) (string, Session, error) {
	now := s.now().UTC().Truncate(time.Millisecond)
	// Sessions nobody came back to are removed here, so the table holds
	// only live ones without a job of its own.
	if err := s.store.DeleteExpiredSessions(ctx, now.Add(-IdleTimeout), now.Add(-MaxLifetime)); err != nil {
		return "", Session{}, err
	}
	token, err := randomHex()
	if err != nil {
		return "", Session{}, err
	}
	csrf, err := randomHex()
	if err != nil {
		return "", Session{}, err
	}
	sess := Session{TokenHash: hashToken(token), AccountID: a.ID, CSRFToken: csrf, IP: ip, CreatedAt: now, LastSeenAt: now}
	if err := s.store.CreateSession(ctx, sess); err != nil {
		return "", Session{}, err
	}
	return token, sess, nil
}

// Resolve returns the session of a cookie's token and its account. A
// session past its idle or absolute limit, or whose account is disabled or
// expired, is ended. What a session resolved to is remembered for at most
// the cache's TTL; the limits are checked on every request.
func (s *Service) Resolve(ctx context.Context, token string) (Session, compliance.Account, error) {
	if token == "" || len(token) > 128 {
		return Session{}, compliance.Account{}, errNoSession
	}
	h := hashToken(token)
	key := sessionCredential(h)
	a, detail, err := s.cache.Load(key, func() (compliance.Account, any, error) {
		sess, a, err := s.store.Session(ctx, h)
		return a, sess, err
	})
	if errors.Is(err, compliance.ErrNotFound) {
		return Session{}, compliance.Account{}, errNoSession
	}
	if err != nil {
		return Session{}, compliance.Account{}, err
	}
	sess := detail.(Session)
	now := s.now()
	if now.Sub(sess.LastSeenAt) > IdleTimeout || now.Sub(sess.CreatedAt) > MaxLifetime ||
		a.Disabled || (a.ExpiresAt != nil && !now.Before(*a.ExpiresAt)) {
		err := s.store.DeleteSession(ctx, h)
		s.cache.Forget(key)
		if err != nil {
			return Session{}, compliance.Account{}, err
		}
		return Session{}, compliance.Account{}, errNoSession
	}
	if now.Sub(sess.LastSeenAt) >= touchEvery {
		if err := s.store.TouchSession(ctx, h, now.UTC()); err != nil {
			return Session{}, compliance.Account{}, err
		}
		// The remembered last use is now stale: read it again next time
		// rather than touch the session on every request until it expires.
		s.cache.Forget(key)
		sess.LastSeenAt = now
	}
	return sess, a, nil
}

// End ends the session of token at once.
func (s *Service) End(ctx context.Context, token string) error {
	h := hashToken(token)
	err := s.store.DeleteSession(ctx, h)
	s.cache.Forget(sessionCredential(h)) // even if the answer was lost: it may be gone
	return err
}

// sessionCredential is the key of a session in the credential cache.
func sessionCredential(tokenHash string) string { return "session:" + tokenHash }

// ChangePassword sets a's own password after checking the old one, clears
// the must-change flag and ends a's other sessions (keep: the current
// session's token hash, "" when a signed in with a bearer token).
func (s *Service) ChangePassword(ctx context.Context, a *compliance.Account, keep, oldPassword, newPassword string) error {
	_, hash, err := s.store.Credentials(ctx, a.Username)
	if err != nil {
		return err
	}
	if hash == "" || !CheckPassword(hash, oldPassword) {
		return compliance.Errorf(compliance.ClassInvalid, "wrong_password", "原密码不正确").
			WithDetails([]compliance.FieldError{{Field: "old_password", Message: "原密码不正确"}})
	}
	if oldPassword == newPassword {
		return compliance.Errorf(compliance.ClassInvalid, "weak_password", "新密码不能与原密码相同").
			WithDetails([]compliance.FieldError{{Field: "new_password", Message: "新密码不能与原密码相同"}})
	}
	if err := CheckNewPassword(a.Username, newPassword); err != nil {
		return renameField(err, "new_password")
	}
	nh, err := HashPassword(newPassword)
	if err != nil {
		return err
	}
	return s.setPassword(ctx, a.Username, nh, false, keep)
}

// SetPassword gives the account username an initial or reset password,
// which must be changed at its next sign-in, and ends its sessions. The
// caller has checked that it may manage the account.
func (s *Service) SetPassword(ctx context.Context, username, password string) error {
	if err := CheckNewPassword(username, password); err != nil {
		return err
	}
	h, err := HashPassword(password)
	if err != nil {
		return err
	}
	return s.setPassword(ctx, username, h, true, "")
}

// SetKnownPassword gives an account a password that need not be changed:
// the demo district's accounts, whose passwords are public anyway.
func (s *Service) SetKnownPassword(ctx context.Context, username, password string) error {
	h, err := HashPassword(password)
	if err != nil {
		return err
	}
	return s.setPassword(ctx, username, h, false, "")
}

// setPassword stores a password hash, ending the account's sessions but
// keep, and forgets the account's remembered credentials: its sessions
// ended and its must-change flag, which bearer tokens obey too, changed.
func (s *Service) setPassword(ctx context.Context, username, hash string, mustChange bool, keep string) error {
	err := s.store.SetPassword(ctx, username, hash, mustChange, keep, s.now().UTC())
	s.cache.ForgetAccount(username) // even if the answer was lost
	return err
}

// HashOf returns the stored form of a session token.
func HashOf(token string) string { return hashToken(token) }

func hashToken(token string) string {
	// 256 random bits: a fast hash is enough, there is nothing to guess.
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func randomHex() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("session token: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// renameField reports a password error at field instead of "password".
func renameField(err error, field string) error {
	var e *compliance.Error
	if !errors.As(err, &e) {
		return err
	}
	if fields, ok := e.Details.([]compliance.FieldError); ok {
		out := make([]compliance.FieldError, len(fields))
		for i, f := range fields {
			f.Field = field
			out[i] = f
		}
		return &compliance.Error{Class: e.Class, Code: e.Code, Message: e.Message, Details: out}
	}
	return err
}
