package checker_test

import (
	"context"
	"testing"

	"powercheck/internal/checker"
	"powercheck/internal/compliance"
	"powercheck/internal/sqlstore"
	"powercheck/internal/sqlstore/sqlstoretest"
)

func TestNew(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		t.Run("every service is built and answers", func(t *testing.T) {
			svc, err := checker.New(checker.SQLStores(s), nil, checker.Options{})
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			admin := &compliance.Account{Username: "admin", Role: compliance.RoleAdmin}
			if _, err := svc.Accounts.CreateDepartment(ctx, admin, compliance.Department{Code: "ZJJ", Name: "区住房和城乡建设局"}); err != nil {
				t.Fatal(err)
			}
			depts, err := svc.Accounts.ListDepartments(ctx)
			if err != nil || len(depts) != 1 {
				t.Fatalf("ListDepartments = %v, %v; want the one department", depts, err)
			}
			if _, err := svc.Cases.ListWarnings(ctx, admin, compliance.WarningFilter{Limit: 10}); err != nil {
				t.Fatalf("ListWarnings: %v", err)
			}
		})
		t.Run("a short audit key is refused", func(t *testing.T) {
			if _, err := checker.New(checker.SQLStores(s), nil, checker.Options{AuditKey: []byte("short")}); err == nil {
				t.Fatal("New with a 5-byte audit key: no error")
			}
		})
	})
}
