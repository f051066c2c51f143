package httpapi_test

import (
	"fmt"
	"testing"

	"powercheck/internal/apitest"
)

// lifecycleAlarms adds an oversight account, a ZJJ inspector and an SCJ
// admin to tok, and returns the ids of three approval_missing alarms of ZJJ.
func lifecycleAlarms(t *testing.T, s *apitest.Server, tok map[string]string) []int64 {
	t.Helper()
	for _, a := range []struct{ key, user, role, dept string }{
		{"oversight", "oversight", "oversight", ""},
		{"zjj-inspector", "zjj-inspector", "dept_inspector", "ZJJ"},
		{"scj-admin", "scj-admin", "dept_admin", "SCJ"},
	} {
		body := map[string]any{"username": a.user, "real_name": "测试", "role": a.role}
		if a.dept != "" {
			body["department_code"] = a.dept
		}
		var out struct{ Token string }
		s.Must(201, "POST", "/api/v1/accounts", apitest.AdminToken, body).Decode(t, &out)
		tok[a.key] = out.Token
	}
	// Three decisions without approval or legal basis: three sets of alarms.
	var ids []int64
	for i := range 3 {
		caseNo := fmt.Sprintf("ZJJ-LC-%d", i)
		s.Must(201, "POST", "/api/v1/steps", tok[apitest.ZJJClerk], apitest.FirstStep(caseNo+"-a", caseNo, "XK-001", "accept", "2026-03-02T09:00:00+08:00"))
		s.Must(201, "POST", "/api/v1/steps", tok[apitest.ZJJClerk], apitest.Step(caseNo+"-r", caseNo, "review", "2026-03-03T09:00:00+08:00"))
		d := apitest.Step(caseNo+"-d", caseNo, "decide", "2026-03-04T09:00:00+08:00")
		ans := s.Submit(t, tok[apitest.ZJJClerk], d)
		for _, w := range ans.Warnings {
			if w.Rule == "checkpoint.approval_missing" {
				ids = append(ids, w.ID)
			}
		}
	}
	if len(ids) != 3 {
		t.Fatalf("got %d approval_missing alarms, want 3", len(ids))
	}
	return ids
}

func TestWarningLifecycle(t *testing.T) {
	eachDistrict(t, func(t *testing.T, s *apitest.Server, tok map[string]string) {
		ids := lifecycleAlarms(t, s, tok)
		act := func(token string, id int64, action string, want int) {
			t.Helper()
			s.Must(want, "POST", fmt.Sprintf("/api/v1/warnings/%d/transitions", id), token,
				map[string]string{"action": action, "note": "情况说明", "reference": "监察〔2026〕1号", "outcome": "已给予诫勉谈话"})
		}

		// Explained, then verified, then closed.
		act(tok[apitest.ZJJClerk], ids[0], "explain", 403) // clerks do not answer warnings
		act(tok["scj-admin"], ids[0], "explain", 404)      // another department's warning does not exist for it
		act(tok["oversight"], ids[0], "explain", 403)      // the office does not explain for the department
		act(tok[apitest.ZJJAdmin], ids[0], "verify", 403)  // nor the department verify itself
		act(tok["oversight"], ids[0], "verify", 409)       // an open warning has nothing to verify
		act(tok[apitest.ZJJAdmin], ids[0], "explain", 200)
		act(tok[apitest.ZJJAdmin], ids[0], "explain", 409) // explained once
		act(tok["oversight"], ids[0], "verify", 200)
		act(tok[apitest.SupervisionToken], ids[0], "close", 200)
		act(tok[apitest.SupervisionToken], ids[0], "close", 409)

		// Rectified by the inspector, then verified.
		act(tok["zjj-inspector"], ids[1], "begin_rectify", 200)
		act(tok["zjj-inspector"], ids[1], "rectify", 200)
		act(tok["oversight"], ids[1], "verify", 200)

		// Referred by the supervision bureau with its reference, then closed.
		act(tok[apitest.SupervisionToken], ids[2], "refer", 200)
		act(tok[apitest.ZJJAdmin], ids[2], "rectify", 409)
		act(tok["oversight"], ids[2], "close", 200)

		s.Must(422, "POST", fmt.Sprintf("/api/v1/warnings/%d/transitions", ids[1]), tok["oversight"], map[string]string{"action": "delete"})
		s.Must(422, "POST", fmt.Sprintf("/api/v1/warnings/%d/transitions", ids[1]), tok[apitest.ZJJAdmin], map[string]string{"action": "explain"})
		s.Must(404, "POST", "/api/v1/warnings/999999/transitions", tok["oversight"], map[string]string{"action": "verify"})

		var w struct {
			Status      string `json:"status"`
			Transitions []struct {
				Action, From, To, Actor, Note, Reference string
				Role                                     string `json:"role"`
				At                                       string `json:"at"`
			} `json:"transitions"`
		}
		s.Must(200, "GET", fmt.Sprintf("/api/v1/warnings/%d", ids[2]), tok[apitest.ZJJAdmin], nil).Decode(t, &w)
		if w.Status != "closed" || len(w.Transitions) != 2 {
			t.Fatalf("warning = %+v", w)
		}
		if tr := w.Transitions[0]; tr.Action != "refer" || tr.From != "open" || tr.To != "referred" || tr.Actor != "supervision" ||
			tr.Reference != "监察〔2026〕1号" || tr.Note == "" || tr.At == "" {
			t.Errorf("referral = %+v", tr)
		}
		var ref struct {
			Referral struct{ Reference, Outcome, ReferredBy string } `json:"referral"`
		}
		s.Must(200, "GET", fmt.Sprintf("/api/v1/warnings/%d", ids[2]), tok[apitest.SupervisionToken], nil).Decode(t, &ref)
		if ref.Referral.Reference != "监察〔2026〕1号" || ref.Referral.Outcome != "已给予诫勉谈话" {
			t.Errorf("referral = %+v", ref.Referral)
		}
		var closed struct {
			Items []struct{ ID int64 } `json:"items"`
		}
		s.Must(200, "GET", "/api/v1/warnings?status=closed", tok[apitest.SupervisionToken], nil).Decode(t, &closed)
		if len(closed.Items) != 2 {
			t.Errorf("%d closed warnings, want 2", len(closed.Items))
		}
	})
}

// The violation list pages oldest first as well as newest first, without
// skipping or repeating while new warnings arrive, and finds the alarms left
// unanswered past their period.
func TestViolationListOrderAndPaging(t *testing.T) {
	eachDistrict(t, func(t *testing.T, s *apitest.Server, tok map[string]string) {
		post := func(i int) {
			caseNo := fmt.Sprintf("ZJJ-O-%d", i)
			s.Must(201, "POST", "/api/v1/steps", tok[apitest.ZJJClerk], apitest.FirstStep(caseNo+"-a", caseNo, "XK-001", "accept", "2026-03-02T09:00:00+08:00"))
		}
		for i := range 4 {
			post(i)
		}
		var all struct {
			Items []struct{ ID int64 } `json:"items"`
		}
		s.Must(200, "GET", "/api/v1/warnings?limit=500", tok[apitest.SupervisionToken], nil).Decode(t, &all)
		total := len(all.Items)
		for _, order := range []string{"asc", "desc"} {
			seen := map[int64]bool{}
			var last int64
			cursor := ""
			for page := 0; ; page++ {
				var p struct {
					Items      []struct{ ID int64 } `json:"items"`
					NextCursor *string              `json:"next_cursor"`
				}
				s.Must(200, "GET", "/api/v1/warnings?limit=3&order="+order+cursor, tok[apitest.SupervisionToken], nil).Decode(t, &p)
				for _, w := range p.Items {
					if seen[w.ID] {
						t.Fatalf("%s: warning %d twice", order, w.ID)
					}
					if last != 0 && ((order == "asc") != (w.ID > last)) {
						t.Fatalf("%s: %d after %d", order, w.ID, last)
					}
					seen[w.ID], last = true, w.ID
				}
				if page == 0 {
					post(100 + len(order)) // new warnings arrive while paging
				}
				if p.NextCursor == nil {
					break
				}
				cursor = "&cursor=" + *p.NextCursor
			}
			// Newest first never shows what arrived after the first page;
			// oldest first reaches it at the end.
			if order == "desc" && len(seen) != total {
				t.Errorf("desc paging saw %d warnings, want the %d there at its start", len(seen), total)
			}
			if order == "asc" && len(seen) <= total {
				t.Errorf("asc paging saw %d warnings, want more than %d", len(seen), total)
			}
			var now struct {
				Items []struct{ ID int64 } `json:"items"`
			}
			s.Must(200, "GET", "/api/v1/warnings?limit=500", tok[apitest.SupervisionToken], nil).Decode(t, &now)
			total = len(now.Items)
		}
		s.Must(400, "GET", "/api/v1/warnings?order=sideways", tok[apitest.SupervisionToken], nil)
		var overdue struct {
			Items []struct{ ID int64 } `json:"items"`
		}
		// Every alarm here is weeks past its answer period but no sweep
		// has run: nothing is flagged as overdue-unanswered yet.
		s.Must(200, "GET", "/api/v1/warnings?overdue_unanswered=true", tok[apitest.SupervisionToken], nil).Decode(t, &overdue)
		if len(overdue.Items) != 0 {
			t.Errorf("%d overdue-unanswered alarms before any sweep, want 0", len(overdue.Items))
		}
	})
}
