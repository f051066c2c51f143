package webhook_test

import (
	"bufio"
	"context"
	"encoding/base64"
	"io"
	"mime"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"powercheck/internal/calendar"
	"powercheck/internal/compliance"
	"powercheck/internal/sqlstore"
	"powercheck/internal/sqlstore/sqlstoretest"
	"powercheck/internal/webhook"
)

// smtpReceiver is a tiny SMTP server on a loopback port: it speaks just
// enough of the protocol (EHLO, MAIL, RCPT, DATA, QUIT) to take messages.
type smtpReceiver struct {
	ln   net.Listener
	mu   sync.Mutex
	msgs []string
	rcpt []string
}

func newSMTPReceiver(t *testing.T) *smtpReceiver {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &smtpReceiver{ln: ln}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go r.serve(c)
		}
	}()
	return r
}

func (r *smtpReceiver) serve(c net.Conn) {
	defer c.Close()
	in := bufio.NewReader(c)
	say := func(s string) { _, _ = io.WriteString(c, s+"\r\n") }
	say("220 localhost ESMTP test")
	for {
		line, err := in.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
			say("250-localhost")
			say("250 8BITMIME")
		case strings.HasPrefix(cmd, "MAIL FROM"):
			say("250 ok")
		case strings.HasPrefix(cmd, "RCPT TO"):
			r.mu.Lock()
			r.rcpt = append(r.rcpt, strings.TrimSpace(line[len("RCPT TO:"):]))
			r.mu.Unlock()
			say("250 ok")
		case cmd == "DATA":
			say("354 go on")
			var msg strings.Builder
			for {
				l, err := in.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				msg.WriteString(strings.TrimPrefix(l, "."))
			}
			r.mu.Lock()
			r.msgs = append(r.msgs, msg.String())
			r.mu.Unlock()
			say("250 queued")
		case cmd == "QUIT":
			say("221 bye")
			return
		default:
			say("250 ok")
		}
	}
}

func (r *smtpReceiver) messages() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.msgs...)
}

// digestSource answers for two accounts: one with open matters, one without.
type digestSource struct{ workday bool }

func (digestSource) DigestAccount(_ context.Context, u string) (*compliance.Account, error) {
	return &compliance.Account{Username: u, RealName: "王科长", Role: compliance.RoleDeptAdmin, DepartmentCode: "ZJJ"}, nil
}

func (digestSource) Workbench(_ context.Context, a *compliance.Account) (compliance.Workbench, error) {
	if a.Username == "idle" {
		return compliance.Workbench{}, nil
	}
	return compliance.Workbench{OpenAlarms: 2, OpenPrewarnings: 3, WarningsToAnswer: 4, ApprovalsPending: 1}, nil
}

func (digestSource) UnreadNotifications(context.Context, string) (int, bool, error) {
	return 0, false, nil
}

func (d digestSource) IsWorkday(calendar.Date) (bool, error) { return d.workday, nil }

func mailer(t *testing.T, s *sqlstore.Store, src digestSource, now time.Time) *webhook.Mailer {
	m := webhook.NewMailer(s.Webhooks(), src, nil)
	webhook.SetMailerClock(m, func() time.Time { return now })
	return m
}

func TestDigestMailedOncePerAccountAndDay(t *testing.T) {
	sqlstoretest.EachDSNParallel(t, func(t *testing.T, dsn string) {
		s1, s2 := sqlstoretest.MustOpen(t, dsn), sqlstoretest.MustOpen(t, dsn)
		rcv := newSMTPReceiver(t)
		host, port, _ := net.SplitHostPort(rcv.ln.Addr().String())
		p, _ := strconv.Atoi(port)
		pw := "smtp-password"
		// Monday 2026-12-07, 09:30 in Asia/Shanghai.
		monday := time.Date(2026, 12, 7, 9, 30, 0, 0, calendar.Shanghai)
		m1 := mailer(t, s1, digestSource{workday: true}, monday)
		st, err := m1.PutSettings(context.Background(), admin, webhook.PutMailRequest{Enabled: true, Host: host, Port: p,
			Password: &pw, Username: "", Sender: "powercheck@example.cn",
			Recipients: map[string]string{"zjj-admin": "wang@example.cn", "idle": "idle@example.cn"}})
		if err != nil {
			t.Fatal(err)
		}
		if !st.PasswordSet || st.Password != "" || st.DigestHour != 8 {
			t.Errorf("settings answer %+v: want the password hidden, password_set, digest_hour 8", st)
		}
		tests := []struct {
			name string
			m    *webhook.Mailer
			want int
		}{
			{"before the hour", mailer(t, s1, digestSource{workday: true}, monday.Add(-2*time.Hour)), 0},
			{"not a working day", mailer(t, s1, digestSource{workday: false}, monday), 0},
			{"due", m1, 1},
			{"again, same node", m1, 0},
			{"again, other node", mailer(t, s2, digestSource{workday: true}, monday.Add(time.Hour)), 0},
		}
		for _, tt := range tests {
			n, err := tt.m.Digest(context.Background())
			if err != nil || n != tt.want {
				t.Errorf("%s: sent %d (%v), want %d", tt.name, n, err, tt.want)
			}
		}
		msgs := rcv.messages()
		if len(msgs) != 1 {
			t.Fatalf("%d messages arrived, want 1", len(msgs))
		}
		checkDigest(t, msgs[0])
	})
}

func checkDigest(t *testing.T, raw string) {
	t.Helper()
	msg, err := mail.ReadMessage(strings.NewReader(raw))
	if err != nil {
		t.Fatalf("read message: %v\n%s", err, raw)
	}
	subj, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil || !strings.Contains(subj, "待办提醒") || !strings.Contains(subj, "报警2条") {
		t.Errorf("subject %q (%v)", subj, err)
	}
	if raw := msg.Header.Get("Subject"); !strings.HasPrefix(raw, "=?UTF-8?b?") && !strings.HasPrefix(raw, "=?UTF-8?B?") {
		t.Errorf("subject %q is not MIME-encoded", raw)
	}
	if ct := msg.Header.Get("Content-Type"); !strings.Contains(ct, "charset=UTF-8") {
		t.Errorf("content type %q", ct)
	}
	b, err := io.ReadAll(base64.NewDecoder(base64.StdEncoding, msg.Body))
	if err != nil {
		t.Fatalf("body: %v", err)
	}
	for _, want := range []string{"王科长（zjj-admin）您好", "未办结的报警：2 条", "未办结的预警：3 条", "等待您审核的审批：1 件"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("body lacks %q:\n%s", want, b)
		}
	}
	if strings.Contains(string(b), "未读通知") {
		t.Errorf("body mentions notifications without an inbox:\n%s", b)
	}
}
