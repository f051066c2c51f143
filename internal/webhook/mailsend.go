package webhook

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/smtp"
	"strconv"
	"strings"
	"time"

	"powercheck/internal/compliance"
)

// compose writes the digest of user's open matters; nil when nothing is
// open (no mail is sent then).
func (m *Mailer) compose(ctx context.Context, st MailSettings, user string, now time.Time) ([]byte, error) {
	a, err := m.src.DigestAccount(ctx, user)
	if errors.Is(err, compliance.ErrNotFound) {
		return nil, nil // an account since removed
	}
	if err != nil {
		return nil, err
	}
	if a.Disabled {
		return nil, nil
	}
	wb, err := m.src.Workbench(ctx, a)
	if err != nil {
		return nil, err
	}
	unread, inbox, err := m.src.UnreadNotifications(ctx, user)
	if err != nil {
		return nil, err
	}
	if wb.OpenAlarms+wb.OpenPrewarnings == 0 && wb.ApprovalsPending == 0 && unread == 0 {
		return nil, nil
	}
	day := now.Format("2006年1月2日")
	var body strings.Builder
	fmt.Fprintf(&body, "%s（%s）您好：\n\n截至%s %s，与您相关的待办事项如下：\n\n", a.RealName, a.Username, day, now.Format("15:04"))
	fmt.Fprintf(&body, "· 未办结的报警：%d 条\n", wb.OpenAlarms)
	fmt.Fprintf(&body, "· 未办结的预警：%d 条\n", wb.OpenPrewarnings)
	fmt.Fprintf(&body, "· 其中等待您处理的：%d 条\n", wb.WarningsToAnswer)
	fmt.Fprintf(&body, "· 等待您审核的审批：%d 件\n", wb.ApprovalsPending)
	if inbox {
		fmt.Fprintf(&body, "· 未读通知：%d 条\n", unread)
	}
	body.WriteString("\n请登录行政权力运行监督平台处理。\n（本邮件由系统每日自动发送，请勿回复。）\n")
	subject := fmt.Sprintf("【待办提醒】%s 报警%d条、预警%d条、待审核%d件", day, wb.OpenAlarms, wb.OpenPrewarnings, wb.ApprovalsPending)
	return message(st.Sender, st.Recipients[user], subject, body.String(), now), nil
}

// message builds a MIME message: the subject RFC 2047-encoded, the body
// UTF-8 in base64.
func message(from, to, subject, body string, at time.Time) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\n", from, to)
	fmt.Fprintf(&b, "Subject: %s\r\n", mime.BEncoding.Encode("UTF-8", subject))
	fmt.Fprintf(&b, "Date: %s\r\n", at.Format(time.RFC1123Z))
	fmt.Fprintf(&b, "Message-ID: <%s@powercheck>\r\n", randomHex(12))
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	enc := base64.StdEncoding.EncodeToString([]byte(body))
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
	return b.Bytes()
}

// sendSMTP sends msg to one recipient through the configured server.
func sendSMTP(ctx context.Context, st MailSettings, to string, msg []byte) error {
	addr := net.JoinHostPort(st.Host, strconv.Itoa(st.Port))
	d := net.Dialer{Timeout: 20 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("smtp dial %s: %w", addr, err)
	}
	// The whole conversation is bounded: a stalled server does not hold
	// the digest job.
	_ = conn.SetDeadline(time.Now().Add(time.Minute))
	c, err := smtp.NewClient(conn, st.Host)
	if err != nil {
		_ = conn.Close()
		return fmt.Errorf("smtp greeting: %w", err)
	}
	defer c.Close()
	if st.StartTLS {
		if err := c.StartTLS(&tls.Config{ServerName: st.Host, MinVersion: tls.VersionTLS12}); err != nil {
			return fmt.Errorf("smtp starttls: %w", err)
		}
	}
	if st.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", st.Username, st.Password, st.Host)); err != nil {
			return fmt.Errorf("smtp auth: %w", err)
		}
	}
	if err := c.Mail(st.Sender); err != nil {
		return fmt.Errorf("smtp mail from: %w", err)
	}
	if err := c.Rcpt(to); err != nil {
		return fmt.Errorf("smtp rcpt to: %w", err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("smtp data: %w", err)
	}
	if _, err := w.Write(msg); err != nil {
		return fmt.Errorf("smtp data: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("smtp data: %w", err)
	}
	return c.Quit()
}
