package httpapi_test

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"powercheck/internal/apitest"
	"powercheck/internal/calendar"
	"powercheck/internal/compliance"
	"powercheck/internal/sqlstore/sqlstoretest"
)

// documentsDistrict returns the tokens, an oversight token and the ids of
// ZJJ's alarms raised by a decision without approval.
func documentsDistrict(t *testing.T, s *apitest.Server) (map[string]string, string, []int64) {
	t.Helper()
	tok := s.SetupDistrict(t)
	oversight := s.AddAccount(t, "oversight", "oversight", "")
	s.Must(201, "POST", "/api/v1/steps", tok[apitest.ZJJClerk], apitest.FirstStep("DOC-a", "ZJJ-DOC-1", "XK-001", "accept", "2026-03-02T09:00:00+08:00"))
	s.Must(201, "POST", "/api/v1/steps", tok[apitest.ZJJClerk], apitest.Step("DOC-r", "ZJJ-DOC-1", "review", "2026-03-03T09:00:00+08:00"))
	a := s.Submit(t, tok[apitest.ZJJClerk], apitest.Step("DOC-d", "ZJJ-DOC-1", "decide", "2026-03-04T09:00:00+08:00"))
	var alarms []int64
	for _, w := range a.Warnings {
		if w.Level == "alarm" {
			alarms = append(alarms, w.ID)
		}
	}
	if len(alarms) < 3 {
		t.Fatalf("alarms %v, want at least 3", alarms)
	}
	return tok, oversight, alarms
}

// TestDocuments issues documents on ZJJ's alarms and on a spot check's
// finding, and reads them back. It is one story: each step's numbers and
// counts follow from what the steps before it issued, so it stays whole.
func TestDocuments(t *testing.T) {
	sqlstoretest.EachDSNParallel(t, func(t *testing.T, dsn string) {
		s := startServer(t, dsn, "--sweep-interval", "0")
		tok, oversight, alarms := documentsDistrict(t, s)
		year := time.Now().In(calendar.Shanghai).Year()
		issue := func(token string, body map[string]any) compliance.Document {
			t.Helper()
			var d compliance.Document
			s.Must(201, "POST", "/api/v1/documents", token, body).Decode(t, &d)
			return d
		}

		t.Run("a supervision order is numbered, stored and in the warning's history", func(t *testing.T) {
			d := issue(oversight, map[string]any{"kind": "supervision_order", "warning_id": alarms[0], "note": "请高度重视"})
			if d.Number != fmt.Sprintf("区督办〔%d〕1号", year) || d.Seq != 1 || d.Year != year || d.KindName != "督办单" {
				t.Errorf("first order = %+v, want number 区督办〔%d〕1号", d, year)
			}
			if d.DepartmentCode != "ZJJ" || d.CaseNo != "ZJJ-DOC-1" || d.WarningID == nil || *d.WarningID != alarms[0] ||
				d.Content.Recipient != "区住房和城乡建设局" || d.Content.Rule == "" || d.Content.AnswerBy == "" ||
				!strings.Contains(d.Content.Requirement, "前将处理情况书面报送") {
				t.Errorf("order = %+v", d)
			}
			var got compliance.Document
			s.Must(200, "GET", fmt.Sprintf("/api/v1/documents/%d", d.ID), tok[apitest.ZJJAdmin], nil).Decode(t, &got)
			if got.Number != d.Number || got.Content.Facts != d.Content.Facts {
				t.Errorf("read back %+v, want %+v", got, d)
			}
			var w struct {
				Status      string `json:"status"`
				Transitions []struct {
					Action, From, To, Reference, Actor string
				} `json:"transitions"`
			}
			s.Must(200, "GET", fmt.Sprintf("/api/v1/warnings/%d", alarms[0]), tok[apitest.ZJJAdmin], nil).Decode(t, &w)
			if len(w.Transitions) != 1 || w.Transitions[0].Action != "issue_document" || w.Transitions[0].Reference != d.Number ||
				w.Transitions[0].From != "open" || w.Transitions[0].To != "open" || w.Status != "open" {
				t.Errorf("warning history = %+v, want the issue, status open", w)
			}
			second := issue(tok[apitest.SupervisionToken], map[string]any{"kind": "supervision_order", "warning_id": alarms[0]})
			if second.Seq != 2 {
				t.Errorf("second order seq = %d, want 2", second.Seq)
			}
			var list struct{ Items []compliance.Document }
			s.Must(200, "GET", fmt.Sprintf("/api/v1/documents?warning_id=%d", alarms[0]), oversight, nil).Decode(t, &list)
			if len(list.Items) != 2 || list.Items[0].ID != second.ID {
				t.Errorf("documents of the warning = %+v, want both, newest first", list.Items)
			}
		})

		t.Run("the issue is in the audit log", func(t *testing.T) {
			var log struct {
				Items []struct{ Subjects, Action string }
			}
			s.Must(200, "GET", "/api/v1/audit?action="+url.QueryEscape("POST /api/v1/documents"), apitest.AdminToken, nil).Decode(t, &log)
			if len(log.Items) != 2 || !strings.HasPrefix(log.Items[0].Subjects, "document:") {
				t.Errorf("audit entries = %+v, want two with subject document:<id>", log.Items)
			}
			var v struct {
				OK bool `json:"ok"`
			}
			s.Must(200, "GET", "/api/v1/audit/verify", apitest.AdminToken, nil).Decode(t, &v)
			if !v.OK {
				t.Errorf("audit verify after issuing: %s", s.Must(200, "GET", "/api/v1/audit/verify", apitest.AdminToken, nil).Body)
			}
		})

		t.Run("numbers are never given twice by concurrent issuers", func(t *testing.T) {
			const n = 8
			var wg sync.WaitGroup
			got := make([]apitest.Response, n)
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					got[i] = s.Do("POST", "/api/v1/documents", oversight, map[string]any{"kind": "supervision_order", "warning_id": alarms[1+i%2]})
				}()
			}
			wg.Wait()
			var seqs []int64
			for _, r := range got {
				var d compliance.Document
				if r.Status != 201 {
					t.Fatalf("concurrent issue: %d %s", r.Status, r.Body)
				}
				r.Decode(t, &d)
				seqs = append(seqs, d.Seq)
			}
			slices.Sort(seqs)
			for i, q := range seqs {
				if q != int64(i+3) {
					t.Fatalf("sequence numbers %v, want 3..%d once each", seqs, n+2)
				}
			}
		})

		t.Run("notices and advice follow referrals and findings", func(t *testing.T) {
			apitest.WantCode(t, s.Do("POST", "/api/v1/documents", oversight, map[string]any{"kind": "rectification_notice", "warning_id": alarms[2]}), 409, "document_not_applicable")
			s.Must(200, "POST", fmt.Sprintf("/api/v1/warnings/%d/transitions", alarms[2]), oversight,
				map[string]string{"action": "refer", "note": "移送监察局处理", "reference": "监移〔2026〕3号"})
			d := issue(oversight, map[string]any{"kind": "rectification_notice", "warning_id": alarms[2]})
			if d.Number != fmt.Sprintf("区整改〔%d〕1号", year) {
				t.Errorf("notice number = %s, want its own sequence", d.Number)
			}
			apitest.WantCode(t, s.Do("POST", "/api/v1/documents", oversight, map[string]any{"kind": "supervision_advice", "warning_id": alarms[2]}), 403, "document_issuer")
			apitest.WantCode(t, s.Do("POST", "/api/v1/documents", oversight, map[string]any{"kind": "supervision_order", "warning_id": alarms[2]}), 409, "document_not_applicable")

			var sc struct {
				ID    int64 `json:"id"`
				Cases []struct {
					CaseNo string `json:"case_no"`
				} `json:"cases"`
			}
			s.Must(201, "POST", "/api/v1/spot-checks", tok[apitest.SupervisionToken],
				map[string]any{"departments": []string{"ZJJ"}, "from": "2026-03-01", "to": "2026-03-31", "size": 1, "seed": 7}).Decode(

				t, &sc)

			if len(sc.Cases) != 1 {
				t.Fatalf("sample = %+v", sc)
			}
			finding := map[string]any{"kind": "supervision_advice", "spot_check_id": sc.ID, "case_no": sc.Cases[0].CaseNo}
			apitest.WantCode(t, s.Do("POST", "/api/v1/documents", tok[apitest.SupervisionToken], finding), 409, "document_not_applicable")
			s.Must(200, "POST", fmt.Sprintf("/api/v1/spot-checks/%d/findings", sc.ID), tok[apitest.SupervisionToken],
				map[string]string{"case_no": sc.Cases[0].CaseNo, "result": "problem", "note": "审批记录缺失"})
			adv := issue(tok[apitest.SupervisionToken], finding)
			if adv.Number != fmt.Sprintf("区监建〔%d〕1号", year) || adv.SpotCheckID == nil || adv.WarningID != nil ||
				!strings.Contains(adv.Content.Facts, "审批记录缺失") || adv.Content.Issuer != "区监察委员会" {
				t.Errorf("advice = %+v", adv)
			}
		})

		t.Run("bad requests store nothing", func(t *testing.T) {
			for _, c := range []struct {
				token  string
				body   map[string]any
				status int
				code   string
			}{
				{oversight, map[string]any{"kind": "memo", "warning_id": alarms[0]}, 422, "invalid_document_kind"},
				{oversight, map[string]any{"kind": "supervision_order"}, 422, "invalid_document"},
				{oversight, map[string]any{"kind": "supervision_order", "warning_id": alarms[0], "spot_check_id": 1, "case_no": "X"}, 422, "invalid_document"},
				{oversight, map[string]any{"kind": "supervision_order", "warning_id": 999999}, 422, "warning_not_found"},
				{oversight, map[string]any{"kind": "supervision_order", "warning_id": alarms[0], "answer_days": 99}, 422, "invalid_document"},
				{oversight, map[string]any{"kind": "rectification_notice", "spot_check_id": 999, "case_no": "ZJJ-DOC-1"}, 422, "spot_check_not_found"},
				{tok[apitest.ZJJAdmin], map[string]any{"kind": "supervision_order", "warning_id": alarms[0]}, 403, "forbidden"},
				{tok[apitest.LegalToken], map[string]any{"kind": "supervision_order", "warning_id": alarms[0]}, 403, "forbidden"},
			} {
				apitest.WantCode(t, s.Do("POST", "/api/v1/documents", c.token, c.body), c.status, c.code)
			}
			var list struct{ Items []compliance.Document }
			s.Must(200, "GET", "/api/v1/documents", oversight, nil).Decode(t, &list)
			if len(list.Items) != 2+8+1+1 {
				t.Errorf("%d documents stored, want 12", len(list.Items))
			}
		})

		t.Run("department accounts read their own department's documents", func(t *testing.T) {
			scjAdmin := s.AddAccount(t, "scj-admin", "dept_admin", "SCJ")
			var list struct{ Items []compliance.Document }
			s.Must(200, "GET", "/api/v1/documents", scjAdmin, nil).Decode(t, &list)
			if len(list.Items) != 0 {
				t.Errorf("SCJ admin lists %d documents of ZJJ", len(list.Items))
			}
			apitest.WantCode(t, s.Do("GET", "/api/v1/documents/1", scjAdmin, nil), 404, "document_not_found")
			apitest.WantCode(t, s.Do("GET", "/api/v1/documents?department=ZJJ", scjAdmin, nil), 403, "other_department")
			s.Must(403, "GET", "/api/v1/documents", tok[apitest.ZJJClerk], nil)
			s.Must(200, "GET", "/api/v1/documents?department=ZJJ", tok[apitest.ZJJAdmin], nil).Decode(t, &list)
			if len(list.Items) != 12 {
				t.Errorf("ZJJ admin lists %d documents, want 12", len(list.Items))
			}
		})
	})
}
