package webhook

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"powercheck/internal/calendar"
	"powercheck/internal/compliance"
)

// DefaultDigestHour is the hour (Asia/Shanghai) after which a working
// day's digest goes out.
const DefaultDigestHour = 8

// MailSettings are the SMTP server and the daily digest's recipients.
type MailSettings struct {
	Enabled  bool   `json:"enabled"`
	Host     string `json:"host"`
	Port     int    `json:"port"`
	StartTLS bool   `json:"starttls"`
	Username string `json:"username"`
	// Password is write-only: answers tell only whether one is set.
	Password    string `json:"password,omitempty"`
	PasswordSet bool   `json:"password_set"`
	Sender      string `json:"sender"`
	// DigestHour is the hour of a working day from which its digest is sent.
	DigestHour int `json:"digest_hour"`
	// Recipients maps accounts (usernames) to the addresses their digest
	// goes to; accounts without an address get none.
	Recipients map[string]string `json:"recipients"`
	UpdatedBy  string            `json:"updated_by,omitempty"`
	UpdatedAt  *time.Time        `json:"updated_at,omitempty"`
}

// public is s as answers show it: without the password.
func (s MailSettings) public() MailSettings {
	s.PasswordSet = s.Password != ""
	s.Password = ""
	if s.Recipients == nil {
		s.Recipients = map[string]string{}
	}
	return s
}

// PutMailRequest is the body of PUT /api/v1/mail-settings. A password
// left out (null) keeps the stored one; "" removes it.
type PutMailRequest struct {
	Enabled    bool              `json:"enabled"`
	Host       string            `json:"host"`
	Port       int               `json:"port"`
	StartTLS   bool              `json:"starttls"`
	Username   string            `json:"username"`
	Password   *string           `json:"password"`
	Sender     string            `json:"sender"`
	DigestHour *int              `json:"digest_hour"`
	Recipients map[string]string `json:"recipients"`
}

// MailStore keeps the mail settings and which digests went out.
type MailStore interface {
	// MailSettings returns the settings; the zero value when none are stored.
	MailSettings(ctx context.Context) (MailSettings, error)
	SaveMailSettings(ctx context.Context, st MailSettings) error
	// ClaimDigest records that the digest key is being sent and reports
	// whether this call recorded it: one node sends each digest.
	ClaimDigest(ctx context.Context, key string, at time.Time) (bool, error)
	// ReleaseDigest forgets a claim whose mail could not be sent.
	ReleaseDigest(ctx context.Context, key string) error
}

// DigestSource tells what is open for an account.
type DigestSource interface {
	DigestAccount(ctx context.Context, username string) (*compliance.Account, error)
	Workbench(ctx context.Context, who *compliance.Account) (compliance.Workbench, error)
	// UnreadNotifications counts the account's unread notifications; ok
	// is false when there is no inbox.
	UnreadNotifications(ctx context.Context, username string) (n int, ok bool, err error)
	// IsWorkday reports whether the day (Asia/Shanghai) is a working day.
	IsWorkday(day calendar.Date) (bool, error)
}

// Mailer keeps the mail settings and sends the daily digests.
type Mailer struct {
	store MailStore
	src   DigestSource
	log   *slog.Logger
	now   func() time.Time
	// send delivers one message; SMTP unless a test replaces it.
	send func(ctx context.Context, st MailSettings, to string, msg []byte) error
}

// NewMailer returns the mail service.
func NewMailer(store MailStore, src DigestSource, log *slog.Logger) *Mailer {
	if log == nil {
		log = slog.Default()
	}
	return &Mailer{store: store, src: src, log: log, now: time.Now, send: sendSMTP}
}

// Settings returns the mail settings without the password.
func (m *Mailer) Settings(ctx context.Context) (MailSettings, error) {
	st, err := m.store.MailSettings(ctx)
	if err != nil {
		return MailSettings{}, err
	}
	if st.UpdatedAt == nil { // nothing stored yet
		st.DigestHour, st.Port = DefaultDigestHour, 25
	}
	return st.public(), nil
}

var validUsername = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// PutSettings replaces the mail settings.
func (m *Mailer) PutSettings(ctx context.Context, by *compliance.Account, req PutMailRequest) (MailSettings, error) {
	old, err := m.store.MailSettings(ctx)
	if err != nil {
		return MailSettings{}, err
	}
	st := MailSettings{Enabled: req.Enabled, Host: strings.TrimSpace(req.Host), Port: req.Port, StartTLS: req.StartTLS,
		Username: req.Username, Password: old.Password, Sender: strings.TrimSpace(req.Sender),
		DigestHour: DefaultDigestHour, Recipients: map[string]string{}}
	if req.Password != nil {
		st.Password = *req.Password
	}
	if req.DigestHour != nil {
		st.DigestHour = *req.DigestHour
	}
	var v compliance.Validation
	if st.Host == "" && st.Enabled {
		v.Add("host", "启用邮件时须填写 SMTP 服务器")
	}
	if len(st.Host) > 253 || strings.ContainsAny(st.Host, " /:") {
		v.Add("host", "SMTP 服务器须为主机名或 IP 地址")
	}
	if st.Port == 0 {
		st.Port = 25
	}
	if st.Port < 1 || st.Port > 65535 {
		v.Add("port", "端口须为 1 至 65535")
	}
	if _, err := mail.ParseAddress(st.Sender); err != nil && (st.Enabled || st.Sender != "") {
		v.Add("sender", "发件人须为有效的邮件地址")
	}
	if st.DigestHour < 0 || st.DigestHour > 23 {
		v.Add("digest_hour", "发送时刻须为 0 至 23 点")
	}
	if utf8.RuneCountInString(st.Username) > 200 || utf8.RuneCountInString(st.Password) > 200 {
		v.Add("username", "用户名和密码最长 200 个字符")
	}
	if len(req.Recipients) > 5000 {
		v.Add("recipients", "收件人最多 5000 个")
	}
	for user, addr := range req.Recipients {
		a, err := mail.ParseAddress(addr)
		if !validUsername.MatchString(user) || err != nil {
			v.Add("recipients", "账号“%s”的邮件地址“%s”无效", user, addr)
			continue
		}
		st.Recipients[user] = a.Address
	}
	if err := v.Err("mail_settings_invalid", "邮件设置有误"); err != nil {
		return MailSettings{}, err
	}
	at := m.now().UTC().Truncate(time.Millisecond)
	st.UpdatedBy, st.UpdatedAt = by.Username, &at
	if err := m.store.SaveMailSettings(ctx, st); err != nil {
		return MailSettings{}, err
	}
	return st.public(), nil
}

// Digest sends today's digests that are due and not yet sent by any node,
// and returns how many it sent. A digest that could not be sent is tried
// again on the next run.
func (m *Mailer) Digest(ctx context.Context) (int, error) {
	st, err := m.store.MailSettings(ctx)
	if err != nil || !st.Enabled || st.Host == "" {
		return 0, err
	}
	now := m.now().In(calendar.Shanghai)
	if now.Hour() < st.DigestHour || !m.workday(now) {
		return 0, nil
	}
	users := make([]string, 0, len(st.Recipients))
	for u := range st.Recipients {
		users = append(users, u)
	}
	slices.Sort(users)
	sent := 0
	var errs []error
	for _, u := range users {
		if ctx.Err() != nil {
			break
		}
		ok, err := m.digestOne(ctx, st, u, now)
		if ok {
			sent++
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("digest of %s: %w", u, err))
		}
	}
	return sent, errors.Join(errs...)
}

// workday reports whether now's day is a working day; Monday to Friday
// when the calendar lacks the year.
func (m *Mailer) workday(now time.Time) bool {
	ok, err := m.src.IsWorkday(calendar.DateOf(now))
	if err != nil {
		return now.Weekday() != time.Saturday && now.Weekday() != time.Sunday
	}
	return ok
}

func (m *Mailer) digestOne(ctx context.Context, st MailSettings, user string, now time.Time) (bool, error) {
	key := "digest|" + user + "|" + now.Format(time.DateOnly)
	claimed, err := m.store.ClaimDigest(ctx, key, now)
	if err != nil || !claimed {
		return false, err
	}
	msg, err := m.compose(ctx, st, user, now)
	if err == nil && msg != nil {
		err = m.send(ctx, st, st.Recipients[user], msg)
	}
	if err != nil {
		if rerr := m.store.ReleaseDigest(context.WithoutCancel(ctx), key); rerr != nil {
			m.log.WarnContext(ctx, "digest claim not released", "key", key, "error", rerr)
		}
		return false, err
	}
	return msg != nil, nil
}
