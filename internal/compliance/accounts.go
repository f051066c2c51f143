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
	"unicode/utf8"
)

var codePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$`)

// CreateDepartment adds a department.
func (s *Service) CreateDepartment(ctx context.Context, who *Account, d Department) (Department, error) {
	if who.Role != RoleAdmin {
		return Department{}, errForbidden
	}
	var v Validation
	if !codePattern.MatchString(d.Code) {
		v.Add("code", "部门编码须为 1–32 位字母、数字、下划线、点或连字符")
	}
	if n := utf8.RuneCountInString(strings.TrimSpace(d.Name)); n == 0 || n > 64 {
		v.Add("name", "部门名称不能为空且不超过 64 个字")
	}
	if err := v.Err("invalid_department", "部门信息不合法"); err != nil {
		return Department{}, err
	}
	d.Name = strings.TrimSpace(d.Name)
	d.CreatedAt = s.now().UTC()
	out, err := s.store.CreateDepartment(ctx, d)
	if errors.Is(err, ErrDuplicate) {
		return Department{}, Errorf(KindConflict, "department_exists", "部门编码 %s 已存在", d.Code)
	}
	return out, err
}

// ListDepartments lists every department.
func (s *Service) ListDepartments(ctx context.Context) ([]Department, error) {
	return s.store.ListDepartments(ctx)
}

var errForbidden = Errorf(KindForbidden, "forbidden", "当前账号无权执行此操作")

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

// CreateAccount adds an account and returns it with its token, which is not
// stored and cannot be shown again. token may be empty (a fresh one is made).
func (s *Service) CreateAccount(ctx context.Context, who *Account, a Account, token string) (Account, string, error) {
	switch {
	case who == nil: // bootstrap
	case who.Role == RoleAdmin:
	case who.Role == RoleDeptAdmin:
		if a.DepartmentCode != who.DepartmentCode || (a.Role != RoleClerk && a.Role != RoleDeptInspector) {
			return Account{}, "", Errorf(KindForbidden, "forbidden", "部门管理员只能为本部门创建录入员和监察人员账号")
		}
	default:
		return Account{}, "", errForbidden
	}
	var v Validation
	if !usernamePattern.MatchString(a.Username) {
		v.Add("username", "用户名须为 2–64 位字母、数字或 _ . @ -")
	}
	a.RealName = strings.TrimSpace(a.RealName)
	if n := utf8.RuneCountInString(a.RealName); n == 0 || n > 32 {
		v.Add("real_name", "须填写实名，且不超过 32 个字")
	}
	if !a.Role.Valid() {
		v.Add("role", "未知角色 %q", a.Role)
	}
	if a.Role.DepartmentScoped() && a.DepartmentCode == "" {
		v.Add("department_code", "角色 %s 必须属于一个部门", a.Role)
	}
	if !a.Role.DepartmentScoped() && a.DepartmentCode != "" && a.Role.Valid() {
		v.Add("department_code", "角色 %s 不属于部门", a.Role)
	}
	for i, c := range a.AllowedCIDRs {
		p, err := netip.ParsePrefix(c)
		if err != nil {
			v.Add(fmt.Sprintf("allowed_cidrs[%d]", i), "不是合法的 IP 地址段：%s", c)
			continue
		}
		a.AllowedCIDRs[i] = p.Masked().String()
	}
	if err := v.Err("invalid_account", "账号信息不合法"); err != nil {
		return Account{}, "", err
	}
	if a.DepartmentCode != "" {
		if _, err := s.department(ctx, a.DepartmentCode); errors.Is(err, ErrNotFound) {
			return Account{}, "", Errorf(KindInvalid, "unknown_department", "部门 %s 不存在", a.DepartmentCode)
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
		return Account{}, "", Errorf(KindConflict, "account_exists", "用户名 %s 已存在", a.Username)
	}
	if err != nil {
		return Account{}, "", err
	}
	return out, token, nil
}

// Authenticate returns the account of a bearer token.
func (s *Service) Authenticate(ctx context.Context, token string) (*Account, error) {
	if token == "" {
		return nil, Errorf(KindUnauthenticated, "unauthenticated", "缺少访问令牌")
	}
	a, err := s.store.AccountByTokenHash(ctx, HashToken(token))
	if errors.Is(err, ErrNotFound) || (err == nil && a.Disabled) {
		return nil, Errorf(KindUnauthenticated, "invalid_token", "访问令牌无效或已停用")
	}
	if err != nil {
		return nil, err
	}
	return &a, nil
}

// Bootstrap creates the first admin account when there is no account at all.
// It returns the token, or "" when accounts exist already.
func (s *Service) Bootstrap(ctx context.Context, token string) (string, error) {
	n, err := s.store.CountAccounts(ctx)
	if err != nil || n > 0 {
		return "", err
	}
	_, tok, err := s.CreateAccount(ctx, nil, Account{Username: "admin", RealName: "系统管理员", Role: RoleAdmin}, token)
	return tok, err
}
