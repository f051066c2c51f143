package sqlstore

import (
	"context"

	"powercheck/internal/compliance"
)

// CreateDepartment implements compliance.Store.
func (s *Store) CreateDepartment(ctx context.Context, d compliance.Department) (compliance.Department, error) {
	r := departmentRow{Code: d.Code, Name: d.Name, CreatedAt: utc(d.CreatedAt)}
	if err := s.db.WithContext(ctx).Create(&r).Error; err != nil {
		return compliance.Department{}, wrap(err, "create department")
	}
	return toDepartment(r), nil
}

// Department implements compliance.Store.
func (s *Store) Department(ctx context.Context, code string) (compliance.Department, error) {
	var r departmentRow
	if err := s.db.WithContext(ctx).Where("code = ?", code).Take(&r).Error; err != nil {
		return compliance.Department{}, wrap(err, "get department")
	}
	return toDepartment(r), nil
}

// ListDepartments implements compliance.Store.
func (s *Store) ListDepartments(ctx context.Context) ([]compliance.Department, error) {
	var rows []departmentRow
	if err := s.db.WithContext(ctx).Order("code").Find(&rows).Error; err != nil {
		return nil, wrap(err, "list departments")
	}
	out := make([]compliance.Department, len(rows))
	for i, r := range rows {
		out[i] = toDepartment(r)
	}
	return out, nil
}

// CreateAccount implements compliance.Store.
func (s *Store) CreateAccount(ctx context.Context, a compliance.Account, tokenHash string) (compliance.Account, error) {
	r := accountRow{Username: a.Username, RealName: a.RealName, Role: string(a.Role), DepartmentCode: a.DepartmentCode,
		TokenHash: tokenHash, AllowedCIDRs: a.AllowedCIDRs, Disabled: a.Disabled, CreatedAt: utc(a.CreatedAt), UpdatedAt: utc(a.CreatedAt)}
	if r.AllowedCIDRs == nil {
		r.AllowedCIDRs = []string{}
	}
	if err := s.db.WithContext(ctx).Create(&r).Error; err != nil {
		return compliance.Account{}, wrap(err, "create account")
	}
	return toAccount(r), nil
}

// AccountByTokenHash implements compliance.Store.
func (s *Store) AccountByTokenHash(ctx context.Context, tokenHash string) (compliance.Account, error) {
	var r accountRow
	if err := s.db.WithContext(ctx).Where("token_hash = ?", tokenHash).Take(&r).Error; err != nil {
		return compliance.Account{}, wrap(err, "get account")
	}
	return toAccount(r), nil
}

// CountAccounts implements compliance.Store.
func (s *Store) CountAccounts(ctx context.Context) (int64, error) {
	var n int64
	if err := s.db.WithContext(ctx).Model(&accountRow{}).Count(&n).Error; err != nil {
		return 0, wrap(err, "count accounts")
	}
	return n, nil
}
