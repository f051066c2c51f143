package main

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"testing"
	"time"

	"powercheck/internal/apitest"
	"powercheck/internal/compliance"
	"powercheck/internal/sqlstore/sqlstoretest"
)

// pageOf is one page of a cursor listing.
type pageOf[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

// walk reads a listing page by page from path (which may carry a query, a
// first cursor among it) and returns the ids of what it listed and the size
// of each page.
func walk[T any](t *testing.T, s *server, path, token string, id func(T) string) (ids []string, sizes []int) {
	t.Helper()
	u, err := url.Parse(path)
	if err != nil {
		t.Fatal(err)
	}
	for range 100 {
		var p pageOf[T]
		s.Must(200, "GET", u.String(), token, nil).Decode(t, &p)
		sizes = append(sizes, len(p.Items))
		for _, v := range p.Items {
			ids = append(ids, id(v))
		}
		if p.NextCursor == nil {
			return ids, sizes
		}
		q := u.Query()
		q.Set("cursor", *p.NextCursor)
		u.RawQuery = q.Encode()
	}
	t.Fatalf("listing %s does not end", path)
	return nil, nil
}

type stepRef struct {
	ID string `json:"id"`
}

func stepID(s stepRef) string { return s.ID }

// A case holds at most compliance.MaxCaseSteps steps; its answer shows the
// first compliance.CaseViewSteps of them with a cursor, and the others are
// read page by page from GET /api/v1/cases/{case_no}/steps. The time a
// full case's evaluation takes is measured by the benchmarks, not here: the
// limit is generous so that a loaded machine does not drop the deadlines
// from the view this test reads.
func TestCaseStepsBoundedAndPaged(t *testing.T) {
	sqlstoretest.EachDSN(t, func(t *testing.T, dsn string) {
		s, tok := startDistrict(t, dsn, "--sweep-interval", "0", "--eval-timeout", "10s")
		clerk, sup := tok[apitest.ZJJClerk], tok[apitest.SupervisionToken]
		const caseNo = "ZJJ-LIM-1"
		base := time.Date(2026, 3, 2, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))
		// The case's first step, then the clock stopped and started again.
		body := func(i int) map[string]any {
			at := base.Add(time.Duration(i) * time.Minute).Format(time.RFC3339)
			id := fmt.Sprintf("%s-%03d", caseNo, i)
			switch {
			case i == 0:
				return apitest.FirstStep(id, caseNo, "XK-001", "accept", at)
			case i%2 == 1:
				return apitest.Step(id, caseNo, "suspend", at)
			}
			return apitest.Step(id, caseNo, "resume", at)
		}
		var ids []string
		var last apitest.Response
		for i := range compliance.MaxCaseSteps {
			last = s.Must(201, "POST", "/api/v1/steps", clerk, body(i))
			ids = append(ids, body(i)["id"].(string))
		}

		t.Run("a step beyond the limit is refused and stores nothing", func(t *testing.T) {
			apitest.WantCode(t, s.Do("POST", "/api/v1/steps", clerk, body(compliance.MaxCaseSteps)), 422, "case_step_limit")
			got, _ := walk(t, s, "/api/v1/cases/"+caseNo+"/steps?limit=100", sup, stepID)
			if !slices.Equal(got, ids) {
				t.Errorf("the case holds %d steps, want the %d recorded", len(got), len(ids))
			}
		})
		t.Run("a step of the full case sent again is answered as before", func(t *testing.T) {
			again := s.Must(200, "POST", "/api/v1/steps", clerk, body(compliance.MaxCaseSteps-1))
			if string(again.Body) != string(last.Body) {
				t.Errorf("replay answered %s, want %s", again.Body, last.Body)
			}
		})
		t.Run("the case shows its first steps and where the others continue", func(t *testing.T) {
			caseViewAndRest(t, s, clerk, caseNo, ids)
		})
		t.Run("pages", func(t *testing.T) {
			for _, tt := range caseStepPages {
				t.Run(tt.query, func(t *testing.T) {
					got, sizes := walk(t, s, "/api/v1/cases/"+caseNo+"/steps"+tt.query, clerk, stepID)
					want := ids
					if tt.sizes[0] == 1 {
						want = ids[199:]
					}
					if !slices.Equal(got, want) || !slices.Equal(sizes, tt.sizes) {
						t.Errorf("pages of %v steps, %d in all; want pages of %v, %d in all, in the order recorded", sizes, len(got), tt.sizes, len(want))
					}
				})
			}
		})
		t.Run("refusals", func(t *testing.T) {
			tests := []struct {
				name, path, token string
				status            int
				code              string
			}{
				{"limit 0", "/steps?limit=0", clerk, 400, "invalid_limit"},
				{"limit over the page size", "/steps?limit=" + strconv.Itoa(compliance.MaxStepPageSize+1), clerk, 400, "invalid_limit"},
				{"limit not a number", "/steps?limit=x", clerk, 400, "invalid_limit"},
				{"cursor not one", "/steps?cursor=zz", clerk, 400, "invalid_cursor"},
				{"another department", "/steps", tok[apitest.SCJClerk], 404, "case_not_found"},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					apitest.WantCode(t, s.Do("GET", "/api/v1/cases/"+caseNo+tt.path, tt.token, nil), tt.status, tt.code)
				})
			}
			apitest.WantCode(t, s.Do("GET", "/api/v1/cases/ZJJ-NONE/steps", clerk, nil), 404, "case_not_found")
		})
	})
}

// caseStepPages are queries of a full case's steps and the sizes of the
// pages they read.
var caseStepPages = []struct {
	query string
	sizes []int
}{
	{"", []int{50, 50, 50, 50, 0}},
	{"?limit=100", []int{100, 100, 0}},
	{"?limit=70", []int{70, 70, 60}},
	{"?limit=1&cursor=" + afterEntries(199), []int{1, 0}},
}

// caseViewAndRest checks that the case shows its first steps (ids in order)
// and a cursor, and that the pages from the cursor hold the others.
func caseViewAndRest(t *testing.T, s *server, clerk, caseNo string, ids []string) {
	var v struct {
		Steps           []stepRef `json:"steps"`
		StepsNextCursor *string   `json:"steps_next_cursor"`
		Time            *struct{} `json:"time"`
	}
	s.Must(200, "GET", "/api/v1/cases/"+caseNo, clerk, nil).Decode(t, &v)
	var got []string
	for _, st := range v.Steps {
		got = append(got, st.ID)
	}
	if !slices.Equal(got, ids[:compliance.CaseViewSteps]) || v.StepsNextCursor == nil || v.Time == nil {
		t.Fatalf("case shows %d steps, next cursor %v, time %v; want the first %d, a cursor and the deadlines",
			len(got), v.StepsNextCursor, v.Time, compliance.CaseViewSteps)
	}
	rest, _ := walk(t, s, "/api/v1/cases/"+caseNo+"/steps?cursor="+*v.StepsNextCursor, clerk, stepID)
	if !slices.Equal(rest, ids[compliance.CaseViewSteps:]) {
		t.Errorf("the pages after the case's own hold %d steps, want the other %d in order", len(rest), len(ids)-compliance.CaseViewSteps)
	}
}

// afterEntries is the cursor after the first n entries of a listing in
// sequence order: base64url of "w1:<n>".
func afterEntries(n int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("w1:" + strconv.Itoa(n)))
}

// An item keeps at most compliance.MaxItemVersions versions; its history and
// the adjustments awaiting approval are read page by page.
func TestItemVersionsBoundedAndPaged(t *testing.T) {
	eachDistrict(t, []string{"--sweep-interval", "0"}, func(t *testing.T, s *server, tok map[string]string) {
		legal, zjjAdm, clerk := tok[apitest.LegalToken], tok[apitest.ZJJAdmin], tok[apitest.ZJJClerk]
		for n := 1; n <= compliance.MaxItemVersions; n++ {
			want := 200
			if n == 1 {
				want = 201
			}
			s.Must(want, "PUT", "/api/v1/power-items/XK-V", legal, itemVersion(t, n))
		}
		var all []string
		for n := 1; n <= compliance.MaxItemVersions; n++ {
			all = append(all, strconv.Itoa(n))
		}
		type versionRef struct {
			Version int `json:"version"`
		}
		versionOf := func(v versionRef) string { return strconv.Itoa(v.Version) }

		t.Run("a version beyond the limit is refused and stores nothing", func(t *testing.T) {
			for _, token := range []string{legal, zjjAdm} {
				apitest.WantCode(t, s.Do("PUT", "/api/v1/power-items/XK-V", token, itemVersion(t, 0)), 422, "item_version_limit")
			}
			var it versionRef
			s.Must(200, "GET", "/api/v1/power-items/XK-V", clerk, nil).Decode(t, &it)
			if it.Version != compliance.MaxItemVersions {
				t.Errorf("version in force %d, want %d", it.Version, compliance.MaxItemVersions)
			}
			s.Must(404, "GET", fmt.Sprintf("/api/v1/power-items/XK-V?version=%d", compliance.MaxItemVersions+1), clerk, nil)
		})
		t.Run("the history in pages", func(t *testing.T) {
			for _, tt := range itemVersionPages {
				t.Run(tt.query, func(t *testing.T) {
					got, sizes := walk(t, s, "/api/v1/power-items/XK-V/versions"+tt.query, clerk, versionOf)
					if !slices.Equal(got, all) || !slices.Equal(sizes, tt.sizes) {
						t.Errorf("pages of %v versions, %d in all; want pages of %v, all %d oldest first", sizes, len(got), tt.sizes, len(all))
					}
				})
			}
			for _, q := range []string{"limit=0", "limit=" + strconv.Itoa(compliance.MaxItemPageSize+1), "cursor=zz"} {
				if r := s.Do("GET", "/api/v1/power-items/XK-V/versions?"+q, clerk, nil); r.Status != 400 {
					t.Errorf("versions?%s: %d %s, want 400", q, r.Status, r.Body)
				}
			}
			apitest.WantCode(t, s.Do("GET", "/api/v1/power-items/XK-V/versions", tok[apitest.SCJClerk], nil), 404, "item_not_found")
		})
		t.Run("the adjustments awaiting approval in pages", func(t *testing.T) {
			pendingInPages(t, s, legal, zjjAdm)
		})
	})
}

// itemVersionPages are queries of an item's full history and the sizes of
// the pages they read.
var itemVersionPages = []struct {
	query string
	sizes []int
}{
	{"", []int{20, 20, 20, 20, 20, 0}},
	{"?limit=50", []int{50, 50, 0}},
	{"?limit=30", []int{30, 30, 30, 10}},
}

// itemVersion is the n-th version of a licensing item, told by its time limit.
func itemVersion(t *testing.T, n int) map[string]any {
	return apitest.ItemFixture(t, "licensing", func(it map[string]any) { it["time_limit"] = map[string]any{"days": 10 + n%20, "unit": "workday"} })
}

// pendingInPages has ZJJ's admin adjust XK-001 three times and checks that
// the adjustments awaiting approval are read page by page.
func pendingInPages(t *testing.T, s *server, legal, zjjAdm string) {
	for n := range 3 {
		s.Must(200, "PUT", "/api/v1/power-items/XK-001", zjjAdm, itemVersion(t, n))
	}
	ref := func(v struct {
		Code    string `json:"code"`
		Version int    `json:"version"`
	}) string {
		return fmt.Sprintf("%s/%d", v.Code, v.Version)
	}
	want := []string{"XK-001/2", "XK-001/3", "XK-001/4"}
	for _, token := range []string{legal, zjjAdm} {
		got, sizes := walk(t, s, "/api/v1/power-items/pending?limit=2", token, ref)
		if !slices.Equal(got, want) || !slices.Equal(sizes, []int{2, 1}) {
			t.Errorf("pending pages %v of %v, want %v of %v", sizes, got, []int{2, 1}, want)
		}
	}
	var wb struct {
		AdjustmentsPending int `json:"adjustments_pending"`
	}
	s.Must(200, "GET", "/api/v1/workbench", legal, nil).Decode(t, &wb)
	if wb.AdjustmentsPending != len(want) {
		t.Errorf("workbench adjustments_pending = %d, want %d", wb.AdjustmentsPending, len(want))
	}
	for _, q := range []string{"limit=0", "limit=" + strconv.Itoa(compliance.MaxItemPageSize+1), "cursor=zz"} {
		if r := s.Do("GET", "/api/v1/power-items/pending?"+q, legal, nil); r.Status != 400 {
			t.Errorf("pending?%s: %d %s, want 400", q, r.Status, r.Body)
		}
	}
}
