package sqlstore

import (
	"context"
	"time"

	"powercheck/internal/compliance"
)

var _ compliance.AccountStore = (*Accounts)(nil)

// departmentOf converts a row, with the columns toDepartment does not know.
func departmentOf(r departmentRow) compliance.Department {
	d := toDepartment(r)
	d.AllowedCIDRs = r.AllowedCIDRs
	return d
}

// accountOf converts a row, with the columns toAccount does not know.
func accountOf(r accountRow) compliance.Account {
	a := toAccount(r)
	a.ExpiresAt = r.ExpiresAt
	a.HasPassword = r.PasswordHash != ""
	a.MustChangePassword = r.MustChangePassword
	return a
}

// CreateDepartment implements compliance.DepartmentStore.
func (s *Accounts) CreateDepartment(ctx context.Context, d compliance.Department) (compliance.Department, error) {
	r := departmentRow{Code: d.Code, Name: d.Name, AllowedCIDRs: orEmpty(d.AllowedCIDRs), CreatedAt: utc(d.CreatedAt)}
	if err := s.db.WithContext(ctx).Create(&r).Error; err != nil {
		return compliance.Department{}, wrap(err, "create department")
	}
	return departmentOf(r), nil
}

// Department implements compliance.DepartmentStore.
func (s *Accounts) Department(ctx context.Context, code string) (compliance.Department, error) {
	return takeOne(s.db.WithContext(ctx).Where("code = ?", code), "get department", departmentOf)
}

// ListDepartments implements compliance.DepartmentStore.
func (s *Accounts) ListDepartments(ctx context.Context) ([]compliance.Department, error) {
	return findAll(s.db.WithContext(ctx).Order("code"), "list departments", departmentOf)
}

// CreateAccount implements compliance.Credentials.
func (s *Accounts) CreateAccount(ctx context.Context, a compliance.Account, tokenHash string) (compliance.Account, error) {
	r := accountRow{Username: a.Username, RealName: a.RealName, Role: string(a.Role), DepartmentCode: a.DepartmentCode,
		TokenHash: tokenHash, AllowedCIDRs: orEmpty(a.AllowedCIDRs), Disabled: a.Disabled, ExpiresAt: utcPtr(a.ExpiresAt),
		CreatedAt: utc(a.CreatedAt), UpdatedAt: utc(a.CreatedAt)}
	if err := s.db.WithContext(ctx).Create(&r).Error; err != nil {
		return compliance.Account{}, wrap(err, "create account")
	}
	return accountOf(r), nil
}

// AccountByTokenHash implements compliance.Credentials.
func (s *Accounts) AccountByTokenHash(ctx context.Context, tokenHash string) (compliance.Account, error) {
	return takeOne(s.db.WithContext(ctx).Where("token_hash = ?", tokenHash), "get account", accountOf)
}

// CountAccounts implements compliance.Credentials.
func (s *Accounts) CountAccounts(ctx context.Context) (int64, error) {
	var n int64
	if err := s.db.WithContext(ctx).Model(&accountRow{}).Count(&n).Error; err != nil {
		return 0, wrap(err, "count accounts")
	}
	return n, nil
}

// AccountByUsername implements compliance.AccountStore.
func (s *Accounts) AccountByUsername(ctx context.Context, username string) (compliance.Account, error) {
	return takeOne(s.db.WithContext(ctx).Where("username = ?", username), "get account", accountOf)
}

// ListAccounts implements compliance.AccountStore.
func (s *Accounts) ListAccounts(ctx context.Context, dept string) ([]compliance.Account, error) {
	q := s.db.WithContext(ctx).Order("username")
	if dept != "" {
		q = q.Where("department_code = ?", dept)
	}
	return findAll(q, "list accounts", accountOf)
}

// UpdateAccount implements compliance.AccountStore.
func (s *Accounts) UpdateAccount(ctx context.Context, a compliance.Account, at time.Time) (compliance.Account, error) {
	// Select writes the listed fields even when they are zero (false, nil);
	// a struct, not a map, so that the JSON serializer applies.
	res := s.db.WithContext(ctx).Model(&accountRow{}).Where("username = ?", a.Username).
		Select("RealName", "Disabled", "ExpiresAt", "AllowedCIDRs", "UpdatedAt").
		Updates(&accountRow{RealName: a.RealName, Disabled: a.Disabled, ExpiresAt: utcPtr(a.ExpiresAt),
			AllowedCIDRs: orEmpty(a.AllowedCIDRs), UpdatedAt: utc(at)})
	if err := oneRow(res, "update account"); err != nil {
		return compliance.Account{}, err
	}
	return s.AccountByUsername(ctx, a.Username)
}

// SetTokenHash implements compliance.AccountStore.
func (s *Accounts) SetTokenHash(ctx context.Context, username, tokenHash string, at time.Time) error {
	res := s.db.WithContext(ctx).Model(&accountRow{}).Where("username = ?", username).
		Updates(map[string]any{"token_hash": tokenHash, "updated_at": utc(at)})
	return oneRow(res, "rotate token")
}
