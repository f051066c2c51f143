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
	r := departmentRow{Code: d.Code, Name: d.Name, AllowedCIDRs: d.AllowedCIDRs, CreatedAt: utc(d.CreatedAt)}
	if r.AllowedCIDRs == nil {
		r.AllowedCIDRs = []string{}
	}
	if err := s.db.WithContext(ctx).Create(&r).Error; err != nil {
		return compliance.Department{}, wrap(err, "create department")
	}
	return departmentOf(r), nil
}

// Department implements compliance.DepartmentStore.
func (s *Accounts) Department(ctx context.Context, code string) (compliance.Department, error) {
	var r departmentRow
	if err := s.db.WithContext(ctx).Where("code = ?", code).Take(&r).Error; err != nil {
		return compliance.Department{}, wrap(err, "get department")
	}
	return departmentOf(r), nil
}

// ListDepartments implements compliance.DepartmentStore.
func (s *Accounts) ListDepartments(ctx context.Context) ([]compliance.Department, error) {
	var rows []departmentRow
	if err := s.db.WithContext(ctx).Order("code").Find(&rows).Error; err != nil {
		return nil, wrap(err, "list departments")
	}
	out := make([]compliance.Department, len(rows))
	for i, r := range rows {
		out[i] = departmentOf(r)
	}
	return out, nil
}

// CreateAccount implements compliance.Credentials.
func (s *Accounts) CreateAccount(ctx context.Context, a compliance.Account, tokenHash string) (compliance.Account, error) {
	r := accountRow{Username: a.Username, RealName: a.RealName, Role: string(a.Role), DepartmentCode: a.DepartmentCode,
		TokenHash: tokenHash, AllowedCIDRs: a.AllowedCIDRs, Disabled: a.Disabled, ExpiresAt: utcPtr(a.ExpiresAt),
		CreatedAt: utc(a.CreatedAt), UpdatedAt: utc(a.CreatedAt)}
	if r.AllowedCIDRs == nil {
		r.AllowedCIDRs = []string{}
	}
	if err := s.db.WithContext(ctx).Create(&r).Error; err != nil {
		return compliance.Account{}, wrap(err, "create account")
	}
	return accountOf(r), nil
}

// AccountByTokenHash implements compliance.Credentials.
func (s *Accounts) AccountByTokenHash(ctx context.Context, tokenHash string) (compliance.Account, error) {
	var r accountRow
	if err := s.db.WithContext(ctx).Where("token_hash = ?", tokenHash).Take(&r).Error; err != nil {
		return compliance.Account{}, wrap(err, "get account")
	}
	return accountOf(r), nil
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
	var r accountRow
	if err := s.db.WithContext(ctx).Where("username = ?", username).Take(&r).Error; err != nil {
		return compliance.Account{}, wrap(err, "get account")
	}
	return accountOf(r), nil
}

// ListAccounts implements compliance.AccountStore.
func (s *Accounts) ListAccounts(ctx context.Context, dept string) ([]compliance.Account, error) {
	q := s.db.WithContext(ctx).Order("username")
	if dept != "" {
		q = q.Where("department_code = ?", dept)
	}
	var rows []accountRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, wrap(err, "list accounts")
	}
	out := make([]compliance.Account, len(rows))
	for i, r := range rows {
		out[i] = accountOf(r)
	}
	return out, nil
}

// UpdateAccount implements compliance.AccountStore.
func (s *Accounts) UpdateAccount(ctx context.Context, a compliance.Account, at time.Time) (compliance.Account, error) {
	cidrs := a.AllowedCIDRs
	if cidrs == nil {
		cidrs = []string{}
	}
	// Select writes the listed fields even when they are zero (false, nil);
	// a struct, not a map, so that the JSON serializer applies.
	res := s.db.WithContext(ctx).Model(&accountRow{}).Where("username = ?", a.Username).
		Select("RealName", "Disabled", "ExpiresAt", "AllowedCIDRs", "UpdatedAt").
		Updates(&accountRow{RealName: a.RealName, Disabled: a.Disabled, ExpiresAt: utcPtr(a.ExpiresAt),
			AllowedCIDRs: cidrs, UpdatedAt: utc(at)})
	if res.Error != nil {
		return compliance.Account{}, wrap(res.Error, "update account")
	}
	if res.RowsAffected == 0 {
		return compliance.Account{}, compliance.ErrNotFound
	}
	return s.AccountByUsername(ctx, a.Username)
}

// SetTokenHash implements compliance.AccountStore.
func (s *Accounts) SetTokenHash(ctx context.Context, username, tokenHash string, at time.Time) error {
	res := s.db.WithContext(ctx).Model(&accountRow{}).Where("username = ?", username).
		Updates(map[string]any{"token_hash": tokenHash, "updated_at": utc(at)})
	if res.Error != nil {
		return wrap(res.Error, "rotate token")
	}
	if res.RowsAffected == 0 {
		return compliance.ErrNotFound
	}
	return nil
}
