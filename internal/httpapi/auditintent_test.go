package httpapi_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"powercheck/internal/apitest"
	"powercheck/internal/checker"
	"powercheck/internal/sqlstore"
	"powercheck/internal/sqlstore/sqlstoretest"
)

// intentsLeft waits for the changes answered so far to complete their
// audit intents (the entry is recorded just after the answer is sent) and
// returns how many parts are left, with their actions.
func intentsLeft(t *testing.T, st *sqlstore.Store) []string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var actions []string
		if err := st.DB().Table("audit_intents").Order("action").Pluck("action", &actions).Error; err != nil {
			t.Fatal(err)
		}
		if len(actions) == 0 || time.Now().After(deadline) {
			return actions
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type auditVerdict struct {
	OK       bool     `json:"ok"`
	Problems []string `json:"problems"`
}

func TestAuditIntents(t *testing.T) {
	sqlstoretest.EachDSNParallel(t, func(t *testing.T, dsn string) {
		s, tok, st := startDistrictStore(t, dsn)
		clerk := tok[apitest.ZJJClerk]

		t.Run("changes answered leave no intent", func(t *testing.T) {
			a := s.Submit(t, clerk, apitest.FirstStep("IN-a", "ZJJ-IN-1", "XK-001", "accept", "2026-03-02T09:00:00+08:00"))
			s.Must(200, "POST", "/api/v1/steps", clerk, apitest.FirstStep("IN-a", "ZJJ-IN-1", "XK-001", "accept", "2026-03-02T09:00:00+08:00"))
			s.Must(200, "POST", "/api/v1/steps/batch", clerk, map[string]any{"steps": []map[string]any{
				apitest.FirstStep("IN-b", "ZJJ-IN-2", "XK-001", "accept", "2026-03-02T09:00:00+08:00"),
				apitest.Step("IN-x", "ZJJ-IN-9", "review", "2026-03-03T09:00:00+08:00"), // no such case: refused
			}})
			if len(a.Warnings) > 0 {
				s.Must(200, "POST", fmt.Sprintf("/api/v1/warnings/%d/transitions", a.Warnings[0].ID), tok[apitest.ZJJAdmin],
					map[string]string{"action": "explain", "note": "已作书面说明"})
			}
			apitest.WantCode(t, s.Do("POST", "/api/v1/departments", apitest.AdminToken, map[string]string{"code": "ZJJ", "name": "重复"}), 409, "department_exists")
			s.Must(200, "POST", "/api/v1/sweeps", apitest.AdminToken, nil)
			if left := intentsLeft(t, st); len(left) != 0 {
				t.Errorf("intents left after the changes were answered: %q, want none", left)
			}
			var v auditVerdict
			s.Must(200, "GET", "/api/v1/audit/verify", apitest.AdminToken, nil).Decode(t, &v)
			if !v.OK {
				t.Errorf("audit verify = %+v, want ok", v)
			}
		})

		t.Run("a step whose entry could not be written is recorded by recovery", func(t *testing.T) {
			// The database refuses the entry (as a node going down would):
			// the step is committed and answered, its entry is not.
			rename := func(from, to string) {
				t.Helper()
				if err := st.DB().Exec(fmt.Sprintf("ALTER TABLE %s RENAME TO %s", from, to)).Error; err != nil {
					t.Fatal(err)
				}
			}
			rename("audit_pending", "audit_pending_off")
			step := apitest.FirstStep("IN-c", "ZJJ-IN-3", "XK-001", "accept", "2026-03-02T09:00:00+08:00")
			a := s.Submit(t, clerk, step)
			// Its replay waits for the case's turn, which the step holds
			// until it tried to record its entry.
			s.Must(200, "POST", "/api/v1/steps", clerk, step)
			rename("audit_pending_off", "audit_pending")
			if len(a.Warnings) == 0 {
				t.Fatal("the step raised no warning; the test needs some")
			}
			var v auditVerdict
			s.Must(200, "GET", "/api/v1/audit/verify", apitest.AdminToken, nil).Decode(t, &v)
			if v.OK || !strings.Contains(strings.Join(v.Problems, "\n"), "inserted outside the audit log") {
				t.Fatalf("audit verify before recovery = %+v, want the step's warnings inserted outside the audit log", v)
			}
			svc, err := checker.New(checker.SQLStores(st), nil, checker.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if n, err := svc.Audit.RecoverIntents(context.Background(), time.Now().Add(time.Minute)); err != nil || n != 1 {
				t.Fatalf("RecoverIntents = %d, %v; want 1", n, err)
			}
			s.Must(200, "GET", "/api/v1/audit/verify", apitest.AdminToken, nil).Decode(t, &v)
			if !v.OK {
				t.Errorf("audit verify after recovery = %+v, want ok", v)
			}
		})
	})
}
