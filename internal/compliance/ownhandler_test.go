package compliance_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"powercheck/internal/compliance"
	"powercheck/internal/sqlstore"
	"powercheck/internal/sqlstore/sqlstoretest"
)

// A step whose handler is the account entering it is known without looking
// the handler up among the accounts; a step naming someone else still
// looks, and an unknown handler is still found.
func TestStepByItsOwnHandler(t *testing.T) {
	sqlstoretest.EachParallel(t, func(t *testing.T, store *sqlstore.Store) {
		clk := clockAt("2026-03-02T10:30:00+08:00")
		svc := newDistrict(t, store, clk)
		ctx := context.Background()
		if _, _, err := svc.Accounts.CreateAccount(ctx, admin, compliance.Account{Username: "wangwu", RealName: "王五",
			Role: compliance.RoleClerk, DepartmentCode: "ZJJ"}, ""); err != nil {
			t.Fatal(err)
		}
		who := &compliance.Account{Username: "wangwu", RealName: "王五", Role: compliance.RoleClerk, DepartmentCode: "ZJJ"}
		at := time.Date(2026, 3, 2, 9, 30, 0, 0, shanghai)
		count := sqlstoretest.CountStatements(t, store)
		tests := []struct {
			name, id, code, handler string
			lookedUp, unknown       bool
		}{
			{"a first step by its handler", "O-1-accept", "accept", "王五", false, false},
			{"a later step by its handler", "O-1-review", "review", "王五", false, false},
			{"a later step naming someone else", "O-1-decide", "decide", "张三", true, true},
		}
		for i, tt := range tests {
			sub := compliance.StepSubmission{ID: tt.id, CaseNo: "ZJJ-O-1", StepCode: tt.code, Handler: tt.handler,
				OccurredAt: at.Add(time.Duration(i) * time.Minute), LegalBasisIDs: []string{"LB1"}}
			if tt.code == "accept" {
				sub.PowerItemCode, sub.Applicant = "XK-001", "某公司"
			}
			count.Start()
			res, _, err := svc.Cases.SubmitStep(ctx, who, sub)
			count.Stop()
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			unknown := slices.ContainsFunc(res.Warnings, func(w compliance.Warning) bool { return w.Rule == "sync.unknown_handler" })
			if unknown != tt.unknown {
				t.Errorf("%s: handler unknown %v, want %v", tt.name, unknown, tt.unknown)
			}
			// On MySQL a stored case's handler is read in the round trip
			// of its state, whose text the counter cuts before it.
			if store.Dialect() != "sqlite" {
				continue
			}
			lookedUp := slices.ContainsFunc(count.Texts(), func(q string) bool { return strings.Contains(q, "real_name") })
			if lookedUp != tt.lookedUp {
				t.Errorf("%s: handler looked up %v, want %v", tt.name, lookedUp, tt.lookedUp)
			}
		}
	})
}
