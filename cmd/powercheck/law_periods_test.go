package main

import (
	"slices"
	"strings"
	"testing"
	"time"

	"powercheck/internal/apitest"
)

// Periods as the law counts them, over HTTP: the last day of a calendar-day
// period moves past a holiday (民法典第二百零三条), a step's limit has its own
// unit (行政处罚法第八十五条), statutory and promised limits, and the lawful
// cap and approver of an extension (行政许可法第四十二条).

func withApproval(st map[string]any, role, by, at string) map[string]any {
	st["approvals"] = []any{map[string]any{"role": role, "by": by, "at": at}}
	return st
}

func TestLawPeriodsRollOver(t *testing.T) {
	eachDistrict(t, nil, func(t *testing.T, s *server, tok map[string]string) {
		clerk := tok[apitest.ZJJClerk]
		decide := func(id, caseNo, at string) map[string]any {
			return withApproval(apitest.Step(id, caseNo, "decide", at), "dept_admin", "王局长", at)
		}

		t.Run("a 90-day period ending in the National Day holiday ends on its first working day after", func(t *testing.T) {
			s.Submit(t, clerk, apitest.FirstStep("ZJJ-2025-0703-file", "ZJJ-2025-0703", "CF-001", "file", "2025-07-03T09:00:00+08:00"))
			got := s.Submit(t, clerk, decide("ZJJ-2025-0703-decide", "ZJJ-2025-0703", "2025-10-09T09:00:00+08:00"))
			if r := got.Rules("deadline"); slices.Contains(r, "deadline.item_overdue/alarm") {
				t.Errorf("decision on 2025-10-09: deadline warnings %v, want it on time", r)
			}
			s.Submit(t, clerk, apitest.FirstStep("ZJJ-2025-0704-file", "ZJJ-2025-0704", "CF-001", "file", "2025-07-03T09:00:00+08:00"))
			late := s.Submit(t, clerk, decide("ZJJ-2025-0704-decide", "ZJJ-2025-0704", "2025-10-10T09:00:00+08:00"))
			if r := late.Rules("deadline"); !slices.Contains(r, "deadline.item_overdue/alarm") {
				t.Errorf("decision on 2025-10-10: deadline warnings %v, want the overdue alarm", r)
			}
		})
		t.Run("a period ending in the 2026 Spring Festival ends on 2026-02-24", func(t *testing.T) {
			s.Submit(t, clerk, apitest.FirstStep("ZJJ-2025-1117-file", "ZJJ-2025-1117", "CF-001", "file", "2025-11-17T09:00:00+08:00"))
			got := s.Submit(t, clerk, decide("ZJJ-2025-1117-decide", "ZJJ-2025-1117", "2026-02-24T09:00:00+08:00"))
			if r := got.Rules("deadline"); slices.Contains(r, "deadline.item_overdue/alarm") {
				t.Errorf("decision on 2026-02-24: deadline warnings %v, want it on time", r)
			}
		})
		t.Run("a penalty's 7-day delivery counts working days across National Day", func(t *testing.T) {
			it := apitest.ItemFixture(t, "penalty", func(it map[string]any) {
				it["steps"].([]any)[2].(map[string]any)["time_limit_unit"] = "workday"
			})
			s.Must(201, "PUT", "/api/v1/power-items/CF-002", tok[apitest.LegalToken], it)
			s.Submit(t, clerk, apitest.FirstStep("ZJJ-2025-0705-file", "ZJJ-2025-0705", "CF-002", "file", "2025-07-05T09:00:00+08:00"))
			s.Submit(t, clerk, decide("ZJJ-2025-0705-decide", "ZJJ-2025-0705", "2025-09-30T09:00:00+08:00"))

			// 7 working days from 09-30: 10-09, 10, 11 (make-up Saturday), 13, 14, 15, 16
			got := s.Submit(t, clerk, apitest.Step("ZJJ-2025-0705-deliver", "ZJJ-2025-0705", "deliver", "2025-10-16T09:00:00+08:00"))
			if r := got.Rules("deadline"); len(r) != 0 {
				t.Errorf("delivery on 2025-10-16: deadline warnings %v, want none", r)
			}
			var back struct {
				Steps []struct {
					TimeLimitUnit string `json:"time_limit_unit"`
				} `json:"steps"`
			}
			s.Must(200, "GET", "/api/v1/power-items/CF-002", tok[apitest.LegalToken], nil).Decode(t, &back)
			if len(back.Steps) != 3 || back.Steps[2].TimeLimitUnit != "workday" {
				t.Errorf("stored steps = %+v, want the delivery in working days", back.Steps)
			}
		})
		t.Run("the same delivery in calendar days is overdue", func(t *testing.T) {
			it := apitest.ItemFixture(t, "penalty", func(it map[string]any) {
				it["steps"].([]any)[2].(map[string]any)["time_limit_unit"] = "calendar"
			})
			s.Must(201, "PUT", "/api/v1/power-items/CF-003", tok[apitest.LegalToken], it)
			var flagged []string
			for _, k := range s.warningKeys(t, tok[apitest.LegalToken], "ZJJ", "catalog") {
				if strings.HasPrefix(k, "catalog.short_period_in_calendar_days/") {
					flagged = append(flagged, k)
				}
			}
			if !slices.Equal(flagged, []string{"catalog.short_period_in_calendar_days/prewarning[CF-003]"}) {
				t.Errorf("catalog warnings = %q, want the 7-day delivery in calendar days of CF-003 flagged", flagged)
			}
			s.Submit(t, clerk, apitest.FirstStep("ZJJ-2025-0706-file", "ZJJ-2025-0706", "CF-003", "file", "2025-07-05T09:00:00+08:00"))
			s.Submit(t, clerk, decide("ZJJ-2025-0706-decide", "ZJJ-2025-0706", "2025-09-30T09:00:00+08:00"))
			got := s.Submit(t, clerk, apitest.Step("ZJJ-2025-0706-deliver", "ZJJ-2025-0706", "deliver", "2025-10-16T09:00:00+08:00"))
			if r := got.Rules("deadline"); !slices.Equal(r, []string{"deadline.step_overdue/alarm"}) {
				t.Errorf("delivery on 2025-10-16: deadline warnings %v, want the step alarm", r)
			}
		})
	})
}

func TestLawPeriodsLimits(t *testing.T) {
	eachDistrict(t, nil, func(t *testing.T, s *server, tok map[string]string) {
		legal := tok[apitest.LegalToken]

		t.Run("a promised limit above the statutory one is refused at its field", func(t *testing.T) {
			it := apitest.ItemFixture(t, "licensing", func(it map[string]any) {
				it["time_limit"] = map[string]any{"days": 30, "unit": "workday"}
				it["statutory_limit"] = map[string]any{"days": 20, "unit": "workday"}
			})
			r := s.Do("PUT", "/api/v1/power-items/XK-009", legal, it)
			apitest.WantCode(t, r, 422, "time_limit_exceeds_statutory")
			if !strings.Contains(string(r.Body), `"field":"time_limit.days"`) || !strings.Contains(string(r.Body), "不得超过法定时限") {
				t.Errorf("body = %s, want the field and a Chinese message", r.Body)
			}
			s.Must(404, "GET", "/api/v1/power-items/XK-009", legal, nil)
		})
		t.Run("a flow whose step limits add up to more than the item's is refused", func(t *testing.T) {
			it := apitest.ItemFixture(t, "licensing", func(it map[string]any) {
				it["steps"].([]any)[1].(map[string]any)["time_limit_days"] = 25
			})
			r := s.Do("PUT", "/api/v1/power-items/XK-009", legal, it)
			apitest.WantCode(t, r, 422, "flow_exceeds_time_limit")
			if !strings.Contains(string(r.Body), "流程时限总和不得超过承诺期限") {
				t.Errorf("body = %s", r.Body)
			}
		})
		t.Run("a promised limit within the statutory one is kept", func(t *testing.T) {
			it := apitest.ItemFixture(t, "licensing", func(it map[string]any) {
				it["time_limit"] = map[string]any{"days": 15, "unit": "workday"}
				it["statutory_limit"] = map[string]any{"days": 20, "unit": "workday"}
				it["extension"] = map[string]any{"max_days": 10, "unit": "workday", "times": 1, "approver_role": "dept_admin"}
			})
			s.Must(201, "PUT", "/api/v1/power-items/XK-009", legal, it)
			var back struct {
				StatutoryLimit struct {
					Days int    `json:"days"`
					Unit string `json:"unit"`
				} `json:"statutory_limit"`
				Extension struct {
					MaxDays      int    `json:"max_days"`
					ApproverRole string `json:"approver_role"`
				} `json:"extension"`
			}
			s.Must(200, "GET", "/api/v1/power-items/XK-009", legal, nil).Decode(t, &back)
			if back.StatutoryLimit.Days != 20 || back.StatutoryLimit.Unit != "workday" || back.Extension.MaxDays != 10 || back.Extension.ApproverRole != "dept_admin" {
				t.Errorf("stored item = %+v", back)
			}
		})
	})
}

func TestLawPeriodsExtensions(t *testing.T) {
	eachDistrict(t, nil, func(t *testing.T, s *server, tok map[string]string) {
		clerk := tok[apitest.ZJJClerk]
		// 20 working days from 2026-02-02 across the Spring Festival (make-up
		// Saturdays 02-14 and 02-28 count, 02-15..02-23 do not): 2026-03-06.
		// An approval is signed at the server's time, so an extension dated
		// in the past cannot have been signed before it: how signed
		// extensions move dates is specified in testdata/cases/deadline.
		decide := func(id, caseNo, at string) map[string]any {
			return withApproval(apitest.Step(id, caseNo, "decide", at), "dept_inspector", "李四", at)
		}
		extend := func(id, caseNo, at string, days int) map[string]any {
			st := apitest.Step(id, caseNo, "extend", at)
			st["attributes"] = map[string]any{"extension_days": days}
			return st
		}

		t.Run("a licence extension over the cap, signed by the leader, is an alarm", func(t *testing.T) {
			now := time.Now()
			s.Submit(t, clerk, apitest.FirstStep("ZJJ-2026-0202-accept", "ZJJ-2026-0202", "XK-001", "accept", apitest.StepTime(now.Add(-time.Hour))))
			s.Must(201, "POST", "/api/v1/cases/ZJJ-2026-0202/approvals", tok[apitest.ZJJAdmin],
				map[string]string{"step_code": "extend", "decision": "approve", "opinion": "同意延长"})

			x := s.Submit(t, clerk, extend("ZJJ-2026-0202-extend", "ZJJ-2026-0202", apitest.StepTime(time.Now()), 30))
			if r := x.Rules("deadline"); !slices.Contains(r, "deadline.extension_over_cap/alarm") || slices.Contains(r, "deadline.extension_late/alarm") {
				t.Errorf("extension: deadline warnings %v, want the cap alarm", r)
			}
			if r := x.Rules("checkpoint"); len(r) != 0 {
				t.Errorf("extension signed by the leader: checkpoint warnings %v, want none", r)
			}
		})
		t.Run("an extension only declared approved is an alarm and adds nothing", func(t *testing.T) {
			s.Submit(t, clerk, apitest.FirstStep("ZJJ-2026-0204-accept", "ZJJ-2026-0204", "XK-001", "accept", "2026-02-02T09:00:00+08:00"))

			// A clerk signs no extension: the leader does.
			r := s.Do("POST", "/api/v1/cases/ZJJ-2026-0204/approvals", clerk, map[string]string{"step_code": "extend", "decision": "approve"})
			if r.Status != 403 {
				t.Errorf("a clerk signing an extension: %d %s, want 403", r.Status, r.Body)
			}
			ext := withApproval(extend("ZJJ-2026-0204-extend", "ZJJ-2026-0204", "2026-02-26T09:00:00+08:00", 10), "dept_admin", "王局长", "2026-02-26T08:00:00+08:00")
			x := s.Submit(t, clerk, ext)
			if r := x.Rules("checkpoint"); !slices.Equal(r, []string{"checkpoint.extension_unapproved/alarm"}) {
				t.Errorf("extension declared approved: checkpoint warnings %v", r)
			}
			for _, w := range x.Warnings {
				if w.Rule == "checkpoint.extension_unapproved" && !strings.Contains(w.Message, "本行政机关负责人") {
					t.Errorf("message %q: want the leader named", w.Message)
				}
			}
			late := s.Submit(t, clerk, decide("ZJJ-2026-0204-decide", "ZJJ-2026-0204", "2026-03-09T09:00:00+08:00"))
			if !slices.Contains(late.Rules("deadline"), "deadline.item_overdue/alarm") {
				t.Errorf("decision on 2026-03-09: %v, want the overdue alarm (due 2026-03-06)", late.Rules("deadline"))
			}
		})
	})
}
