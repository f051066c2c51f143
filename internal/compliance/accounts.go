package compliance

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"powercheck/internal/calendar"
)

var codePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$`)

// CreateDepartment adds a department.
func (s *Accounts) CreateDepartment(ctx context.Context, who *Account, d Department) (Department, error) {
	if err := Authorize(who, ActCreateDepartment, ""); err != nil {
		return Department{}, err
	}
	var v Validation
	if !codePattern.MatchString(d.Code) {
		v.Add("code", "部门编码须为 1–32 位字母、数字、下划线、点或连字符")
	}
	checkRequiredLine(&v, "name", "部门名称", d.Name, 64, "部门名称不能为空且不超过 64 个字")
	d.AllowedCIDRs = checkCIDRs(&v, d.AllowedCIDRs)
	if err := v.Err("invalid_department", "部门信息不合法"); err != nil {
		return Department{}, err
	}
	d.Name = strings.TrimSpace(d.Name)
	d.CreatedAt = s.now().UTC()
	out, err := s.store.CreateDepartment(ctx, d)
	s.noDepts.forget(d.Code)
	if errors.Is(err, ErrDuplicate) {
		return Department{}, Errorf(ClassConflict, "department_exists", "部门编码 %s 已存在", d.Code)
	}
	return out, err
}

// ListDepartments lists every department.
func (s *Accounts) ListDepartments(ctx context.Context) ([]Department, error) {
	return s.store.ListDepartments(ctx)
}

var errForbidden = Errorf(ClassForbidden, "forbidden", "当前账号无权执行此操作")

// HashToken returns the stored form of a bearer token. Tokens carry 256
// random bits, so a fast hash is enough: there is nothing to brute-force.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// NewToken returns a fresh bearer token.
func NewToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err)) // cannot fail on supported platforms
	}
	return "pc_" + hex.EncodeToString(b)
}

var usernamePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.@-]{1,63}$`)

// ValidUsername reports whether u has the form of a username.
func ValidUsername(u string) bool { return usernamePattern.MatchString(u) }

// CreateAccount adds an account and returns it with its token, which is not
// stored and cannot be shown again. token may be empty (a fresh one is made).
func (s *Accounts) CreateAccount(ctx context.Context, who *Account, a Account, token string) (Account, string, error) {
	if who != nil { // nil: bootstrap
		if err := Authorize(who, ActManageAccounts, ""); err != nil {
			return Account{}, "", err
		}
		if who.Role == RoleDeptAdmin {
			if err := deptAdminManages(who, a); err != nil {
				return Account{}, "", err
			}
		}
	}
	var v Validation
	if !usernamePattern.MatchString(a.Username) {
		v.Add("username", "用户名须为 2–64 位字母、数字或 _ . @ -")
	}
	a.RealName = strings.TrimSpace(a.RealName)
	if n := utf8.RuneCountInString(a.RealName); n == 0 || n > 32 {
		v.Add("real_name", "须填写实名，且不超过 32 个字")
	}
	checkChars(&v, "real_name", "实名", a.RealName, false)
	if !a.Role.Valid() {
		v.Add("role", "未知角色 %q", a.Role)
	}
	if a.Role.DepartmentScoped() && a.DepartmentCode == "" {
		v.Add("department_code", "%s账号必须属于一个部门", a.Role.Name())
	}
	if !a.Role.DepartmentScoped() && a.DepartmentCode != "" && a.Role.Valid() {
		v.Add("department_code", "%s账号不属于任何部门", a.Role.Name())
	}
	// A malformed code is refused before any lookup: MySQL compares
	// strings ignoring trailing spaces, so "ZJJ " would find ZJJ there.
	if a.DepartmentCode != "" && !codePattern.MatchString(a.DepartmentCode) {
		v.Add("department_code", "部门编码须为 1–32 位字母、数字、下划线、点或连字符")
	}
	a.AllowedCIDRs = checkCIDRs(&v, a.AllowedCIDRs)
	if err := v.Err("invalid_account", "账号信息不合法"); err != nil {
		return Account{}, "", err
	}
	if a.DepartmentCode != "" {
		if _, err := s.department(ctx, a.DepartmentCode); errors.Is(err, ErrNotFound) {
			return Account{}, "", Errorf(ClassInvalid, "unknown_department", "部门 %s 不存在", a.DepartmentCode)
		} else if err != nil {
			return Account{}, "", err
		}
	}
	if token == "" {
		token = NewToken()
	}
	a.CreatedAt = s.now().UTC()
	out, err := s.store.CreateAccount(ctx, a, HashToken(token))
	if errors.Is(err, ErrDuplicate) {
		return Account{}, "", Errorf(ClassConflict, "account_exists", "用户名 %s 已存在", a.Username)
	}
	if err != nil {
		return Account{}, "", err
	}
	return out, token, nil
}

// Authenticate returns the account of a bearer token.
func (s *Accounts) Authenticate(ctx context.Context, token string) (*Account, error) {
	if token == "" {
		return nil, Errorf(ClassUnauthenticated, "unauthenticated", "缺少访问令牌")
	}
	// Remembered for at most the cache's TTL: disabling or rotating on
	// this node forgets it at once (UpdateAccount, RotateToken), on
	// another node it takes effect within the TTL. Expiry is checked on
	// every request.
	h := HashToken(token)
	a, _, err := s.credentials.Load(tokenCredential(h), func() (Account, any, error) {
		a, err := s.store.AccountByTokenHash(ctx, h)
		if err == nil && a.Disabled {
			err = ErrNotFound // refused, and never remembered
		}
		return a, nil, err
	})
	if errors.Is(err, ErrNotFound) {
		return nil, Errorf(ClassUnauthenticated, "invalid_token", "访问令牌无效或已停用")
	}
	if err != nil {
		return nil, err
	}
	if a.ExpiresAt != nil && !s.now().Before(*a.ExpiresAt) {
		return nil, Errorf(ClassUnauthenticated, "token_expired", "访问令牌已于 %s 过期", a.ExpiresAt.In(calendar.Shanghai).Format("2006-01-02 15:04"))
	}
	return &a, nil
}

// tokenCredential is the key of a bearer token in the credential cache.
func tokenCredential(tokenHash string) string { return "token:" + tokenHash }

// Bootstrap creates the first admin account when there is no account at all.
// It returns the token, or "" when accounts exist already.
func (s *Accounts) Bootstrap(ctx context.Context, token string) (string, error) {
	n, err := s.store.CountAccounts(ctx)
	if err != nil || n > 0 {
		return "", err
	}
	_, tok, err := s.CreateAccount(ctx, nil, Account{Username: "admin", RealName: "系统管理员", Role: RoleAdmin}, token)
	return tok, err
}

// maxCIDRs bounds the IP ranges of one account or department.
const maxCIDRs = 64

// checkCIDRs validates IP ranges into v and returns them in canonical form.
func checkCIDRs(v *Validation, cidrs []string) []string {
	if len(cidrs) > maxCIDRs {
		v.Add("allowed_cidrs", "IP 地址段不能超过 %d 个", maxCIDRs)
		return nil
	}
	out := make([]string, 0, len(cidrs))
	for i, c := range cidrs {
		p, err := netip.ParsePrefix(c)
		if err != nil || len(c) > 64 {
			v.Add(fmt.Sprintf("allowed_cidrs[%d]", i), "不是合法的 IP 地址段（如 10.1.0.0/16）：%.64s", c)
			continue
		}
		out = append(out, p.Masked().String())
	}
	return out
}

// CheckAddress refuses a request of a from ip when ip lies outside the
// account's IP ranges (if it has any) or, for a department-scoped account,
// outside its department's ranges (if the department has any).
func (s *Accounts) CheckAddress(ctx context.Context, a *Account, ip string) error {
	refused := Errorf(ClassForbidden, "ip_not_allowed", "当前 IP 地址 %s 不在该账号允许的范围内", ip)
	addr, err := netip.ParseAddr(ip)
	if err == nil {
		addr = addr.Unmap()
	}
	if len(a.AllowedCIDRs) > 0 && (err != nil || !inRanges(addr, a.AllowedCIDRs)) {
		return refused
	}
	if !a.Role.DepartmentScoped() {
		return nil
	}
	d, derr := s.department(ctx, a.DepartmentCode)
	if derr != nil {
		return derr
	}
	if len(d.AllowedCIDRs) > 0 && (err != nil || !inRanges(addr, d.AllowedCIDRs)) {
		return Errorf(ClassForbidden, "ip_not_allowed", "当前 IP 地址 %s 不在部门 %s 允许的范围内", ip, d.Code)
	}
	return nil
}

func inRanges(addr netip.Addr, cidrs []string) bool {
	for _, c := range cidrs {
		if p, err := netip.ParsePrefix(c); err == nil && p.Contains(addr) {
			return true
		}
	}
	return false
}

// AccountStore is what account management needs beyond Store.
type AccountStore interface {
	AccountByUsername(ctx context.Context, username string) (Account, error)
	// ListAccounts lists accounts by username, of one department when dept is not empty.
	ListAccounts(ctx context.Context, dept string) ([]Account, error)
	// UpdateAccount writes a's real name, disabled flag, expiry and IP ranges.
	UpdateAccount(ctx context.Context, a Account, at time.Time) (Account, error)
	// SetTokenHash replaces an account's token; the old one stops working at once.
	SetTokenHash(ctx context.Context, username, tokenHash string, at time.Time) error
}

// ListAccounts lists the accounts who may see: all of them for an admin,
// its own department's for a department admin, every department's
// inspectors for the supervision bureau, which oversees them.
func (s *Accounts) ListAccounts(ctx context.Context, who *Account) ([]Account, error) {
	as := s.store
	switch who.Role {
	case RoleAdmin:
		return as.ListAccounts(ctx, "")
	case RoleDeptAdmin:
		return as.ListAccounts(ctx, who.DepartmentCode)
	case RoleSupervision:
		all, err := as.ListAccounts(ctx, "")
		if err != nil {
			return nil, err
		}
		inspectors := all[:0]
		for _, a := range all {
			if a.Role == RoleDeptInspector {
				inspectors = append(inspectors, a)
			}
		}
		return inspectors, nil
	}
	return nil, errForbidden
}

// AccountChange is a partial update of an account: nil fields stay as they are.
type AccountChange struct {
	Disabled     *bool
	SetExpiresAt bool       // whether ExpiresAt is to be written
	ExpiresAt    *time.Time // nil with SetExpiresAt: never expires
	AllowedCIDRs *[]string
	RealName     *string
}

// accountNamed returns the account username, or a not-found error.
func accountNamed(ctx context.Context, as AccountStore, username string) (Account, error) {
	a, err := as.AccountByUsername(ctx, username)
	if errors.Is(err, ErrNotFound) {
		return Account{}, Errorf(ClassNotFound, "account_not_found", "账号 %s 不存在", username)
	}
	return a, err
}

// target returns the account username for who to manage: an admin manages
// every account, a department admin its own department's clerks.
func (s *Accounts) target(ctx context.Context, as AccountStore, who *Account, username string) (Account, error) {
	a, err := accountNamed(ctx, as, username)
	if err != nil {
		return Account{}, err
	}
	if err := Authorize(who, ActManageAccounts, ""); err != nil {
		return Account{}, err
	}
	if who.Role == RoleDeptAdmin {
		if err := deptAdminManages(who, a); err != nil {
			return Account{}, err
		}
	}
	return a, nil
}

// ManagedAccount returns the account username if who may manage it: any
// account for an admin, its own department's clerks for a department admin.
func (s *Accounts) ManagedAccount(ctx context.Context, who *Account, username string) (Account, error) {
	as := s.store
	return s.target(ctx, as, who, username)
}

// deptAdminManages tells whether department admin who may manage account a:
// only its own department's clerks. Inspectors check the department, its
// leaders included, so only the admin manages their accounts: a department
// admin who could enable, unbind or re-key an inspector could patrol as one.
// The codes differ from "forbidden", which means the role may not call the
// route at all.
func deptAdminManages(who *Account, a Account) error {
	switch {
	case a.DepartmentCode != who.DepartmentCode:
		return Errorf(ClassForbidden, "other_department", "部门管理员只能管理本部门的账号")
	case a.Role == RoleDeptInspector:
		return Errorf(ClassForbidden, "inspector_admin_only", "监察人员账号只能由%s管理，部门管理员不能新建或变更", RoleAdmin.Name())
	case a.Role != RoleClerk:
		return Errorf(ClassForbidden, "account_not_managed", "部门管理员只能管理本部门的录入员账号")
	}
	return nil
}

// UpdateAccount changes an account: disable or enable it, set its expiry,
// IP ranges or real name. It takes effect on the account's next request.
func (s *Accounts) UpdateAccount(ctx context.Context, who *Account, username string, ch AccountChange) (Account, error) {
	as := s.store
	a, err := s.target(ctx, as, who, username)
	if err != nil {
		return Account{}, err
	}
	var v Validation
	if ch.Disabled != nil {
		if *ch.Disabled && a.ID == who.ID {
			v.Add("disabled", "不能停用自己的账号")
		}
		a.Disabled = *ch.Disabled
	}
	if ch.SetExpiresAt {
		if t := ch.ExpiresAt; t != nil && (t.Year() < 2000 || t.Year() > 9999) {
			v.Add("expires_at", "有效期须在 2000 年至 9999 年之间")
		}
		a.ExpiresAt = ch.ExpiresAt
	}
	if ch.AllowedCIDRs != nil {
		a.AllowedCIDRs = checkCIDRs(&v, *ch.AllowedCIDRs)
	}
	if ch.RealName != nil {
		a.RealName = strings.TrimSpace(*ch.RealName)
		if n := utf8.RuneCountInString(a.RealName); n == 0 || n > 32 {
			v.Add("real_name", "须填写实名，且不超过 32 个字")
		}
		checkChars(&v, "real_name", "实名", a.RealName, false)
	}
	if err := v.Err("invalid_account", "账号信息不合法"); err != nil {
		return Account{}, err
	}
	out, err := as.UpdateAccount(ctx, a, s.now().UTC())
	// Forgotten after a failure too: the change may have been stored.
	s.credentials.ForgetAccount(a.Username)
	return out, err
}

// RotateToken gives an account a fresh token, returned once; the old token
// stops working at once. Only the account itself and the admin rotate a
// token: whoever holds a fresh token can act as the account.
func (s *Accounts) RotateToken(ctx context.Context, who *Account, username string) (Account, string, error) {
	as := s.store
	a, err := accountNamed(ctx, as, username)
	if err != nil {
		return Account{}, "", err
	}
	if a.ID != who.ID && who.Role != RoleAdmin {
		return Account{}, "", Errorf(ClassForbidden, "not_own_account", "只能更换自己账号的令牌，他人账号的令牌由%s更换", RoleAdmin.Name())
	}
	token := NewToken()
	err = as.SetTokenHash(ctx, a.Username, HashToken(token), s.now().UTC())
	s.credentials.ForgetAccount(a.Username) // the old token, even if the answer was lost
	if err != nil {
		return Account{}, "", err
	}
	return a, token, nil
}
