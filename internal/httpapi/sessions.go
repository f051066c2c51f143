package httpapi

import (
	"context"
	"crypto/subtle"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"powercheck/internal/compliance"
	"powercheck/internal/session"
)

// SessionCookie is the name of the console's session cookie.
const SessionCookie = "pc_session"

// sessionView is the answer of the session routes.
type sessionView struct {
	Username           string `json:"username"`
	RealName           string `json:"real_name"`
	Role               string `json:"role"`
	DepartmentCode     string `json:"department_code"`
	MustChangePassword bool   `json:"must_change_password"`
	CSRFToken          string `json:"csrf_token"`
}

func toSessionView(a *compliance.Account, csrf string) sessionView {
	return sessionView{Username: a.Username, RealName: a.RealName, Role: string(a.Role), DepartmentCode: a.DepartmentCode,
		MustChangePassword: a.MustChangePassword, CSRFToken: csrf}
}

// sessionsAPI signs people in and out of the console and sets passwords;
// authentication asks it for the account of a session cookie.
type sessionsAPI struct {
	sessions     *session.Service // nil: bearer tokens only
	accounts     *compliance.Accounts
	auditLog     *compliance.Audit
	failures     *failureCounter
	log          *slog.Logger
	cookieSecure bool
}

// enabled reports whether people may sign in with passwords.
func (h *sessionsAPI) enabled() bool { return h.sessions != nil }

// signIn checks a username and password and starts a session. Every wrong
// pair gets the same answer after the same work; failures count against
// the address like bad tokens do, and are audited.
func (h *sessionsAPI) signIn(c *gin.Context) {
	ctx := c.Request.Context()
	ip := c.ClientIP()
	if wait := h.failures.blocked(ip, time.Now()); wait > 0 {
		tooManyAttempts(c, wait)
		return
	}
	var req struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
	if err := bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	a, err := h.sessions.Verify(ctx, req.Username, req.Password)
	if err == nil {
		err = h.accounts.CheckAddress(ctx, &a, ip)
	}
	if err != nil {
		if k := compliance.ClassOf(err); k == compliance.ClassUnauthenticated || k == compliance.ClassForbidden {
			h.auditSignIn(ctx, req.Username, "", ip, "result=refused code="+publicCode(err))
			if wait := h.failures.record(ip, time.Now()); wait > 0 {
				h.log.WarnContext(ctx, "too many failed sign-ins", "ip", ip)
				tooManyAttempts(c, wait)
				return
			}
		}
		fail(c, err)
		return
	}
	token, sess, err := h.sessions.Start(ctx, a, ip)
	if err != nil {
		fail(c, err)
		return
	}
	h.auditSignIn(ctx, a.Username, a.Role, ip, "result=ok")
	h.setSessionCookie(c, token, int(session.MaxLifetime.Seconds()))
	c.JSON(http.StatusOK, toSessionView(&a, sess.CSRFToken))
}

func (h *sessionsAPI) get(c *gin.Context) {
	sess, _ := c.Get("session")
	csrf := ""
	if ss, ok := sess.(session.Session); ok {
		csrf = ss.CSRFToken
	}
	c.JSON(http.StatusOK, toSessionView(account(c), csrf))
}

// signOut ends the request's session at once and clears the cookie.
func (h *sessionsAPI) signOut(c *gin.Context) {
	if token, err := c.Cookie(SessionCookie); err == nil && c.GetHeader("Authorization") == "" {
		if err := h.sessions.End(c.Request.Context(), token); err != nil {
			fail(c, err)
			return
		}
	}
	h.setSessionCookie(c, "", -1)
	c.Status(http.StatusNoContent)
}

// changePassword sets the signed-in account's own password and ends its
// other sessions.
func (h *sessionsAPI) changePassword(c *gin.Context) {
	answerBody(c, http.StatusOK, func(req passwordChange) (any, error) {
		a := account(c)
		keep, csrf := "", ""
		if ss, ok := c.Get("session"); ok {
			keep, csrf = ss.(session.Session).TokenHash, ss.(session.Session).CSRFToken
		}
		if err := h.sessions.ChangePassword(c.Request.Context(), a, keep, req.OldPassword, req.NewPassword); err != nil {
			return nil, err
		}
		changed := *a
		changed.MustChangePassword = false
		changed.HasPassword = true
		return toSessionView(&changed, csrf), nil
	})
}

// passwordChange is the body of POST /api/v1/session/password.
type passwordChange = struct {
	OldPassword string `json:"old_password"`
	NewPassword string `json:"new_password"`
}

// setAccountPassword gives an account an initial or reset password that
// must be changed at its next sign-in.
func (h *sessionsAPI) setAccountPassword(c *gin.Context) {
	var req struct {
		Password string `json:"password"`
	}
	if err := bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	ctx := c.Request.Context()
	target, err := h.accounts.ManagedAccount(ctx, account(c), c.Param("username"))
	if err != nil {
		fail(c, err)
		return
	}
	if err := h.sessions.SetPassword(ctx, target.Username, req.Password); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// fromSession authenticates a request by its session cookie. A request
// that changes something must carry the session's CSRF token: a cookie is
// sent by the browser whoever made the page that asks.
func (h *sessionsAPI) fromSession(c *gin.Context, token string) (*compliance.Account, error) {
	sess, a, err := h.sessions.Resolve(c.Request.Context(), token)
	if err != nil {
		if compliance.ClassOf(err) == compliance.ClassUnauthenticated {
			h.setSessionCookie(c, "", -1)
		}
		return nil, err
	}
	if m := c.Request.Method; m != http.MethodGet && m != http.MethodHead {
		got := c.GetHeader("X-CSRF-Token")
		if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(sess.CSRFToken)) != 1 {
			return nil, compliance.Errorf(compliance.ClassForbidden, "csrf", "请求缺少有效的 CSRF 令牌，请刷新页面后重试")
		}
	}
	c.Set("session", sess)
	return &a, nil
}

// SignedInCookie tells the console's script, which cannot read the
// HttpOnly session cookie, that there is a session worth asking about. It
// holds no secret.
const SignedInCookie = "pc_signed_in"

func (h *sessionsAPI) setSessionCookie(c *gin.Context, value string, maxAge int) {
	http.SetCookie(c.Writer, &http.Cookie{Name: SessionCookie, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: h.cookieSecure, SameSite: http.SameSiteStrictMode})
	hint := "1"
	if maxAge < 0 {
		hint = ""
	}
	http.SetCookie(c.Writer, &http.Cookie{Name: SignedInCookie, Value: hint, Path: "/", MaxAge: maxAge,
		Secure: h.cookieSecure, SameSite: http.SameSiteStrictMode})
}

// auditSignIn records a sign-in or a refused one (sign-out, being a change
// through the API, is recorded by audit). The password never reaches the
// log, not even as a digest; a username that is not one is not copied.
func (h *sessionsAPI) auditSignIn(ctx context.Context, username string, role compliance.Role, ip, target string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer cancel()
	if !compliance.ValidUsername(username) {
		username = "(无效用户名)"
	}
	e := compliance.AuditEntry{Actor: username, Role: role, IP: ip, Action: "POST /api/v1/session", Target: target}
	if _, err := h.auditLog.RecordAudit(ctx, e); err != nil {
		h.log.ErrorContext(ctx, "audit entry of a sign-in not recorded", "error", err, "actor", username, "ip", ip, "target", target)
	}
}

func publicCode(err error) string {
	var e *compliance.Error
	if errors.As(err, &e) {
		return e.PublicCode()
	}
	return string(compliance.ClassOf(err))
}
