package httpapi_test

import (
	"encoding/json"
	"net/url"
	"testing"

	"powercheck/internal/apitest"
)

// The seed corpora are in testdata/fuzz/<FuzzName>/; `go test` runs them,
// `make fuzz` explores from them. Every target asserts: no panic (the
// handler's recovery would answer 500), no 5xx, error answers in the API's
// shape, and nothing stored by a refused request.

// FuzzStepBody sends a body to POST /api/v1/steps. A refused step stores
// nothing; an accepted one (201) stores the step, and its case, and is
// answered the same when it is sent again.
func FuzzStepBody(f *testing.F) {
	envs := fuzzEnvs(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, e := range envs {
			tables := []string{"steps", "cases", "warnings"}
			before := e.counts(t, tables...)
			rec := e.do("POST", "/api/v1/steps", e.clerk, body)
			checkAnswer(t, e, "POST /api/v1/steps "+clip(body), rec)
			after := e.counts(t, tables...)
			switch rec.Code {
			case 201:
				var res struct {
					StepID string `json:"step_id"`
					CaseNo string `json:"case_no"`
				}
				if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil || res.StepID == "" {
					t.Fatalf("%s: 201 answer %s", e.name, rec.Body)
				}
				if after["steps"] != before["steps"]+1 {
					t.Fatalf("%s: step %s acknowledged; steps %d → %d", e.name, res.StepID, before["steps"], after["steps"])
				}
				c := e.do("GET", "/api/v1/cases/"+url.PathEscape(res.CaseNo), e.clerk, nil)
				if c.Code != 200 {
					t.Fatalf("%s: case of an acknowledged step: %d %s", e.name, c.Code, c.Body)
				}
				again := e.do("POST", "/api/v1/steps", e.clerk, body)
				if again.Code != 200 || again.Body.String() != rec.Body.String() {
					t.Fatalf("%s: the same step again: %d %s; want 200 %s", e.name, again.Code, again.Body, rec.Body)
				}
			default:
				unchanged(t, e, "POST /api/v1/steps "+clip(body), before, after)
			}
		}
	})
}

// FuzzItemBody sends a body to PUT /api/v1/power-items/{code}. A refused
// item stores nothing; an accepted one is a new version that can be read.
func FuzzItemBody(f *testing.F) {
	envs := fuzzEnvs(f)
	f.Fuzz(func(t *testing.T, code string, body []byte) {
		target := "/api/v1/power-items/" + url.PathEscape(code)
		for _, e := range envs {
			tables := []string{"power_items", "warnings"}
			before := e.counts(t, tables...)
			rec := e.do("PUT", target, e.legal, body)
			checkAnswer(t, e, "PUT "+target+" "+clip(body), rec)
			after := e.counts(t, tables...)
			switch {
			case rec.Code == 200 || rec.Code == 201:
				if after["power_items"] != before["power_items"]+1 {
					t.Fatalf("%s: item saved (%d) but power_items %d → %d", e.name, rec.Code, before["power_items"], after["power_items"])
				}
				var it struct {
					Code    string `json:"code"`
					Version int    `json:"version"`
				}
				if err := json.Unmarshal(rec.Body.Bytes(), &it); err != nil || it.Version < 1 {
					t.Fatalf("%s: answer %s", e.name, rec.Body)
				}
				if got := e.do("GET", "/api/v1/power-items/"+url.PathEscape(it.Code), e.legal, nil); got.Code != 200 {
					t.Fatalf("%s: saved item %q cannot be read: %d %s", e.name, it.Code, got.Code, got.Body)
				}
			default:
				unchanged(t, e, "PUT "+target+" "+clip(body), before, after)
			}
		}
	})
}

// FuzzCalendarYear sends a body to PUT /api/v1/calendar/{year}. A refused
// schedule leaves the year as it was.
func FuzzCalendarYear(f *testing.F) {
	envs := fuzzEnvs(f)
	f.Fuzz(func(t *testing.T, year string, body []byte) {
		target := "/api/v1/calendar/" + url.PathEscape(year)
		for _, e := range envs {
			was := e.do("GET", target, fuzzAdmin, nil)
			rec := e.do("PUT", target, fuzzAdmin, body)
			checkAnswer(t, e, "PUT "+target+" "+clip(body), rec)
			now := e.do("GET", target, fuzzAdmin, nil)
			checkAnswer(t, e, "GET "+target, now)
			if rec.Code != 200 && (now.Code != was.Code || apitest.WithoutRequestID(now.Body.String()) != apitest.WithoutRequestID(was.Body.String())) {
				t.Fatalf("%s: refused (%d %s) but the year changed: %s → %s", e.name, rec.Code, rec.Body, was.Body, now.Body)
			}
			if rec.Code == 200 && now.Code != 200 {
				t.Fatalf("%s: stored year cannot be read: %d %s", e.name, now.Code, now.Body)
			}
		}
	})
}

// FuzzListQuery sends the listings' query parameters — cursor, period, page
// size, filters — to the warning and case lists.
func FuzzListQuery(f *testing.F) {
	envs := fuzzEnvs(f)
	f.Fuzz(func(t *testing.T, cursor, from, to, limit, q string) {
		v := url.Values{}
		for k, s := range map[string]string{"cursor": cursor, "from": from, "to": to, "limit": limit} {
			if s != "" {
				v.Set(k, s)
			}
		}
		w := url.Values{}
		for k, s := range v {
			w[k] = s
		}
		if q != "" {
			w.Set("q", q)
			w.Set("department", q)
		}
		for _, e := range envs {
			for _, target := range []string{
				"/api/v1/warnings?" + v.Encode(),
				"/api/v1/warnings?rule=" + url.QueryEscape(q) + "&" + v.Encode(),
				"/api/v1/cases?" + w.Encode(),
			} {
				checkAnswer(t, e, "GET "+target, e.do("GET", target, e.clerk, nil))
			}
		}
	})
}
