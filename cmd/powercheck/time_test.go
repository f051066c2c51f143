package main

import (
	"slices"
	"strconv"
	"testing"
	"time"

	"powercheck/internal/apitest"
)

type caseTime struct {
	Time *struct {
		Deadlines []struct {
			Key               string `json:"key"`
			Due               string `json:"due"`
			State             string `json:"state"`
			RemainingWorkdays *int   `json:"remaining_workdays"`
		} `json:"deadlines"`
		Suspensions []struct{ From, To string } `json:"suspensions"`
	} `json:"time"`
	TimeError string `json:"time_error"`
}

func (c caseTime) item(t *testing.T) (due, state string) {
	t.Helper()
	if c.Time == nil {
		t.Fatalf("no time view: %s", c.TimeError)
	}
	for _, d := range c.Time.Deadlines {
		if d.Key == "item" {
			return d.Due, d.State
		}
	}
	t.Fatalf("no item deadline in %+v", c.Time.Deadlines)
	return "", ""
}

// A case whose deadline runs into a year nobody has entered says so; once the
// admin enters the year, the sweeper re-evaluates it and the due date shows.
func TestCalendarChangeReevaluatesCases(t *testing.T) {
	eachDistrict(t, nil, func(t *testing.T, s *server, tok map[string]string) {
		year := time.Now().Year() + 1
		var overview struct{ Years []struct{ Year int } }
		s.Must(200, "GET", "/api/v1/calendar", tok[apitest.ZJJClerk], nil).Decode(t, &overview)
		for _, y := range overview.Years {
			if y.Year >= year {
				t.Skipf("the calendar already knows %d", y.Year)
			}
		}
		// 400 working days from now certainly reach next year.
		s.Must(201, "PUT", "/api/v1/power-items/XK-LONG", tok[apitest.LegalToken], apitest.ItemFixture(t, "short", func(it map[string]any) {
			it["time_limit"] = map[string]any{"days": 400, "unit": "workday"}
		}))

		ans := s.Submit(t, tok[apitest.ZJJClerk], apitest.FirstStep("LONG-1", "ZJJ-LONG", "XK-LONG", "accept", time.Now().Add(-time.Minute).Format(time.RFC3339)))
		if !slices.Contains(ans.Rules("deadline"), "deadline.calendar_unknown/prewarning") {
			t.Errorf("warnings %v, want deadline.calendar_unknown", ans.Rules("deadline"))
		}
		var before caseTime
		s.Must(200, "GET", "/api/v1/cases/ZJJ-LONG", tok[apitest.ZJJClerk], nil).Decode(t, &before)
		if due, state := before.item(t); due != "" || state != "calendar_unknown" {
			t.Errorf("before: item due %q state %q, want no due date and calendar_unknown", due, state)
		}

		// Enter the next years (weekends only) up to where 400 working days end.
		for y := year; y <= year+2; y++ {
			var put struct{ Rechecks int64 }
			s.Must(200, "PUT", "/api/v1/calendar/"+strconv.Itoa(y), apitest.AdminToken, map[string]any{"source": "测试", "holidays": []string{}, "workdays": []string{}}).Decode(t, &put)
			if y == year && put.Rechecks < 1 {
				t.Errorf("entering %d re-checks %d cases, want ≥ 1", y, put.Rechecks)
			}
		}
		var sweep struct{ Due, Checked int }
		s.Must(200, "POST", "/api/v1/sweeps", apitest.AdminToken, nil).Decode(t, &sweep)
		if sweep.Checked < 1 {
			t.Errorf("sweep = %+v, want the case checked", sweep)
		}
		var after caseTime
		s.Must(200, "GET", "/api/v1/cases/ZJJ-LONG", tok[apitest.ZJJClerk], nil).Decode(t, &after)
		due, state := after.item(t)
		if due == "" || state != "running" {
			t.Errorf("after: item due %q state %q, want a due date, running", due, state)
		}
	})
}
