package httpapi_test

import (
	"slices"
	"testing"

	"powercheck/internal/apitest"
)

func TestCalendarAPI(t *testing.T) {
	eachDistrict(t, func(t *testing.T, s *apitest.Server, tok map[string]string) {

		var overview struct {
			Years []struct {
				Year   int    `json:"year"`
				Source string `json:"source"`
			} `json:"years"`
			Missing []int `json:"missing"`
		}
		s.Must(200, "GET", "/api/v1/calendar", tok[apitest.ZJJClerk], nil).Decode(t, &overview)
		var known []int
		for _, y := range overview.Years {
			known = append(known, y.Year)
			if y.Source == "" {
				t.Errorf("year %d has no source", y.Year)
			}
		}
		if !slices.Contains(known, 2025) || !slices.Contains(known, 2026) {
			t.Errorf("known years %v, want 2025 and 2026 shipped", known)
		}
		for _, m := range overview.Missing {
			if slices.Contains(known, m) {
				t.Errorf("year %d both known and missing", m)
			}
		}

		var y2026 struct {
			Year     int      `json:"year"`
			Holidays []string `json:"holidays"`
			Workdays []string `json:"workdays"`
		}
		s.Must(200, "GET", "/api/v1/calendar/2026", tok[apitest.ZJJClerk], nil).Decode(t, &y2026)
		if len(y2026.Holidays) != 33 || !slices.Contains(y2026.Workdays, "2026-01-04") {
			t.Errorf("2026: %d holidays (want 33), workdays %v", len(y2026.Holidays), y2026.Workdays)
		}
		if code := s.Must(404, "GET", "/api/v1/calendar/2031", tok[apitest.ZJJClerk], nil).ErrorCode(t); code != "calendar_year_unknown" {
			t.Errorf("unknown year code = %s", code)
		}

		y2031 := map[string]any{"source": "测试", "holidays": []string{"2031-01-01"}, "workdays": []string{"2031-01-05"}}
		s.Must(403, "PUT", "/api/v1/calendar/2031", tok[apitest.LegalToken], y2031)
		for name, bad := range map[string]map[string]any{
			"date of another year":     {"holidays": []string{"2030-12-31"}},
			"make-up day on a weekday": {"workdays": []string{"2031-01-07"}},
			"not a date":               {"holidays": []string{"2031-02-30"}},
			"year differs from path":   {"year": 2032, "holidays": []string{}},
		} {
			t.Run(name, func(t *testing.T) {
				if code := s.Must(422, "PUT", "/api/v1/calendar/2031", apitest.AdminToken, bad).ErrorCode(t); code != "invalid_calendar" {
					t.Errorf("code = %s", code)
				}
				s.Must(404, "GET", "/api/v1/calendar/2031", tok[apitest.ZJJClerk], nil)
			})
		}
		var put struct {
			Year      int    `json:"year"`
			UpdatedBy string `json:"updated_by"`
		}
		s.Must(200, "PUT", "/api/v1/calendar/2031", apitest.AdminToken, y2031).Decode(t, &put)
		if put.Year != 2031 || put.UpdatedBy != "admin" {
			t.Errorf("put answer = %+v", put)
		}
		s.Must(200, "GET", "/api/v1/calendar/2031", tok[apitest.ZJJClerk], nil)

		t.Run("entering next year leaves policy authoring working", func(t *testing.T) {
			// The shipped tests expect 2027 to be unknown; they run against
			// the shipped schedules, whatever the district has entered.
			y2027 := map[string]any{"source": "国务院办公厅通知（测试）", "holidays": []string{"2027-01-01"}, "workdays": []string{}}
			s.Must(200, "PUT", "/api/v1/calendar/2027", apitest.AdminToken, y2027)
			s.Must(200, "PUT", "/api/v1/policies/custom", tok[apitest.LegalToken], apitest.MarkerModule("A"))
			s.Must(201, "POST", "/api/v1/policies/publish", tok[apitest.LegalToken], map[string]string{"note": "测试"})
		})
	})
}
