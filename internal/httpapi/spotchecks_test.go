package httpapi_test

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"powercheck/internal/apitest"
)

type spotCheckAnswer struct {
	ID          int64    `json:"id"`
	Departments []string `json:"departments"`
	From        string   `json:"from"`
	To          string   `json:"to"`
	Size        int      `json:"size"`
	Seed        int64    `json:"seed"`
	Note        string   `json:"note"`
	CreatedBy   string   `json:"created_by"`
	CreatedAt   string   `json:"created_at"`
	Sampled     int      `json:"sampled"`
	Examined    int      `json:"examined"`
	Problems    int      `json:"problems"`
	Cases       []struct {
		CaseNo         string `json:"case_no"`
		DepartmentCode string `json:"department_code"`
		PowerItemCode  string `json:"power_item_code"`
		Finding        *struct {
			Result     string `json:"result"`
			Note       string `json:"note"`
			RecordedBy string `json:"recorded_by"`
			RecordedAt string `json:"recorded_at"`
		} `json:"finding"`
	} `json:"cases"`
}

func (a spotCheckAnswer) caseNos() []string {
	out := make([]string, len(a.Cases))
	for i, c := range a.Cases {
		out[i] = c.CaseNo
	}
	return out
}

// wantSample is the documented draw: candidates by case number, shuffled by
// a PCG seeded with the seed, the first size taken.
func wantSample(candidates []string, size int, seed int64) []string {
	c := slices.Clone(candidates)
	slices.Sort(c)
	rand.New(rand.NewPCG(uint64(seed), 0)).Shuffle(len(c), func(i, j int) { c[i], c[j] = c[j], c[i] })
	return c[:min(size, len(c))]
}

// spotCheckRun is what TestSpotChecks' subtests share: the server, the
// tokens of supervision and of an oversight account, the cases of March
// (ZJJ's and all), the request of the first draw and its answer.
type spotCheckRun struct {
	s              *apitest.Server
	sup, oversight string
	zjj, all       []string
	req            map[string]any
	first          spotCheckAnswer
}

// spotCheckCases adds an SCJ item and accepts 30 ZJJ cases and 5 SCJ cases
// in March and one ZJJ case in February; it returns the March cases, ZJJ's
// and all.
func spotCheckCases(t *testing.T, s *apitest.Server, tok map[string]string) (zjj, all []string) {
	t.Helper()
	s.Must(201, "PUT", "/api/v1/power-items/SCJ-001", tok[apitest.LegalToken], apitest.ItemFixture(t, "licensing", func(it map[string]any) {
		it["department_code"] = "SCJ"
	}))
	for i := range 30 {
		no := fmt.Sprintf("ZJJ-SP-%02d", (i*7)%30) // submitted out of case-number order
		at := fmt.Sprintf("2026-03-%02dT09:00:00+08:00", 2+i%27)
		s.Must(201, "POST", "/api/v1/steps", tok[apitest.ZJJClerk], apitest.FirstStep(no+"-a", no, "XK-001", "accept", at))
		zjj = append(zjj, no)
	}
	all = append(all, zjj...)
	for i := range 5 {
		no := fmt.Sprintf("SCJ-SP-%d", i)
		s.Must(201, "POST", "/api/v1/steps", tok[apitest.SCJClerk], apitest.FirstStep(no+"-a", no, "SCJ-001", "accept", "2026-03-10T09:00:00+08:00"))
		all = append(all, no)
	}
	s.Must(201, "POST", "/api/v1/steps", tok[apitest.ZJJClerk], apitest.FirstStep("ZJJ-SP-FEB-a", "ZJJ-SP-FEB", "XK-001", "accept", "2026-02-27T09:00:00+08:00"))
	return zjj, all
}

// create draws a spot check as supervision.
func (sc spotCheckRun) create(t *testing.T, body map[string]any) spotCheckAnswer {
	t.Helper()
	var a spotCheckAnswer
	sc.s.Must(201, "POST", "/api/v1/spot-checks", sc.sup, body).Decode(t, &a)
	return a
}

// TestSpotChecks runs its subtests in order on one district's draws: the
// findings' subtest records on the first draw, which the list then shows.
func TestSpotChecks(t *testing.T) {
	eachDistrict(t, func(t *testing.T, s *apitest.Server, tok map[string]string) {
		sc := spotCheckRun{s: s, sup: tok[apitest.SupervisionToken], oversight: s.AddAccount(t, "oversight", "oversight", "")}
		sc.zjj, sc.all = spotCheckCases(t, s, tok)
		sc.req = map[string]any{"departments": []string{"ZJJ"}, "from": "2026-03-01", "to": "2026-03-31", "size": 5, "seed": 20260301, "note": "三月重点抽查"}
		sc.first = sc.create(t, sc.req)
		t.Run("the sample is the documented draw, reproducibly", sc.documentedDraw)
		t.Run("another seed draws another sample", func(t *testing.T) {
			other := sc.create(t, apitest.With(sc.req, "seed", 7))
			if reflect.DeepEqual(other.caseNos(), sc.first.caseNos()) {
				t.Errorf("seeds 20260301 and 7 drew the same sample %v", other.caseNos())
			}
			if want := wantSample(sc.zjj, 5, 7); !reflect.DeepEqual(other.caseNos(), want) {
				t.Errorf("sample %v, want %v", other.caseNos(), want)
			}
		})
		t.Run("a size above the candidates takes them all", sc.sizeAboveCandidates)
		t.Run("a draw without a seed returns the seed it used", func(t *testing.T) {
			noSeed := apitest.With(sc.req)
			delete(noSeed, "seed")
			a := sc.create(t, noSeed)
			b := sc.create(t, apitest.With(sc.req, "seed", a.Seed))
			if !reflect.DeepEqual(a.caseNos(), b.caseNos()) {
				t.Errorf("seed %d: %v, then %v", a.Seed, a.caseNos(), b.caseNos())
			}
		})
		t.Run("findings are recorded and shown", sc.findings)
		t.Run("the list is newest first", sc.newestFirst)
		t.Run("roles", func(t *testing.T) {
			s.Must(403, "POST", "/api/v1/spot-checks", tok[apitest.ZJJClerk], sc.req)
			s.Must(403, "POST", "/api/v1/spot-checks", sc.oversight, sc.req)
			s.Must(403, "POST", "/api/v1/spot-checks", apitest.AdminToken, sc.req)
			s.Must(403, "GET", "/api/v1/spot-checks", tok[apitest.ZJJAdmin], nil)
			s.Must(403, "GET", fmt.Sprintf("/api/v1/spot-checks/%d", sc.first.ID), tok[apitest.ZJJClerk], nil)
			s.Must(403, "POST", fmt.Sprintf("/api/v1/spot-checks/%d/findings", sc.first.ID), sc.oversight,
				map[string]string{"case_no": sc.first.Cases[0].CaseNo, "result": "compliant"})
			s.Must(404, "GET", "/api/v1/spot-checks/999999", sc.oversight, nil)
			s.Must(404, "GET", "/api/v1/spot-checks/abc", sc.oversight, nil)
		})
		t.Run("bad requests store nothing", sc.badRequests)
	})
}

func (sc spotCheckRun) documentedDraw(t *testing.T) {
	zjj, req, first := sc.zjj, sc.req, sc.first
	if want := wantSample(zjj, 5, 20260301); !reflect.DeepEqual(first.caseNos(), want) {
		t.Errorf("sample %v, want %v", first.caseNos(), want)
	}
	again := sc.create(t, req)
	if again.ID == first.ID || !reflect.DeepEqual(again.caseNos(), first.caseNos()) {
		t.Errorf("second draw %d: %v, want a new check with %v", again.ID, again.caseNos(), first.caseNos())
	}
	if first.Size != 5 || first.Seed != 20260301 || first.From != "2026-03-01" || first.To != "2026-03-31" ||
		!reflect.DeepEqual(first.Departments, []string{"ZJJ"}) || first.Note != "三月重点抽查" ||
		first.CreatedBy != "supervision" || first.CreatedAt == "" || first.Sampled != 5 {
		t.Errorf("spot check = %+v", first)
	}
	for _, c := range first.Cases {
		if c.DepartmentCode != "ZJJ" || c.PowerItemCode != "XK-001" || c.Finding != nil {
			t.Errorf("sampled case = %+v", c)
		}
	}
}

func (sc spotCheckRun) sizeAboveCandidates(t *testing.T) {
	zjj, all, req := sc.zjj, sc.all, sc.req
	big := sc.create(t, apitest.With(req, "size", 1000))
	if got := slices.Sorted(slices.Values(big.caseNos())); !reflect.DeepEqual(got, slices.Sorted(slices.Values(zjj))) {
		t.Errorf("sample %v, want every ZJJ case of March", got)
	}
	every := sc.create(t, apitest.With(req, "departments", []string{}, "size", 1000))
	if got := slices.Sorted(slices.Values(every.caseNos())); !reflect.DeepEqual(got, slices.Sorted(slices.Values(all))) {
		t.Errorf("sample %v, want every case of March", got)
	}
	if want := wantSample(all, 1000, 20260301); !reflect.DeepEqual(every.caseNos(), want) {
		t.Errorf("order %v, want %v", every.caseNos(), want)
	}
	none := sc.create(t, apitest.With(req, "from", "2025-01-01", "to", "2025-01-31"))
	if none.Cases == nil || len(none.Cases) != 0 {
		t.Errorf("empty period: cases %v, want []", none.Cases)
	}
}

func (sc spotCheckRun) findings(t *testing.T) {
	s, sup, oversight, first := sc.s, sc.sup, sc.oversight, sc.first
	path := fmt.Sprintf("/api/v1/spot-checks/%d", first.ID)
	ok, bad := first.Cases[0].CaseNo, first.Cases[1].CaseNo
	s.Must(200, "POST", path+"/findings", sup, map[string]string{"case_no": ok, "result": "compliant"})
	s.Must(200, "POST", path+"/findings", sup, map[string]string{"case_no": bad, "result": "compliant"})
	s.Must(200, "POST", path+"/findings", sup, map[string]string{"case_no": bad, "result": "problem", "note": "审批意见缺失"})

	var got spotCheckAnswer
	raw := s.Must(200, "GET", path, oversight, nil)
	raw.Decode(t, &got)
	if !reflect.DeepEqual(got.caseNos(), first.caseNos()) || got.Examined != 2 || got.Problems != 1 || got.Sampled != 5 {
		t.Fatalf("spot check = %s", raw.Body)
	}
	if f := got.Cases[0].Finding; f == nil || f.Result != "compliant" || f.RecordedBy != "supervision" || f.RecordedAt == "" {
		t.Errorf("finding on %s = %+v", ok, f)
	}
	if f := got.Cases[1].Finding; f == nil || f.Result != "problem" || f.Note != "审批意见缺失" {
		t.Errorf("finding on %s = %+v", bad, f)
	}
	if got.Cases[2].Finding != nil || !strings.Contains(string(raw.Body), `"finding":null`) {
		t.Errorf("an unexamined case shows a finding: %s", raw.Body)
	}

	for _, tt := range []struct {
		name   string
		path   string
		body   map[string]string
		status int
		code   string
	}{
		{"case not in the sample", path, map[string]string{"case_no": "ZJJ-SP-FEB", "result": "compliant"}, 422, "case_not_in_sample"},
		{"unknown result", path, map[string]string{"case_no": ok, "result": "fine"}, 422, "invalid_finding"},
		{"problem without a note", path, map[string]string{"case_no": ok, "result": "problem"}, 422, "invalid_finding"},
		{"unknown spot check", "/api/v1/spot-checks/999999", map[string]string{"case_no": ok, "result": "compliant"}, 404, "spot_check_not_found"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if code := s.Must(tt.status, "POST", tt.path+"/findings", sup, tt.body).ErrorCode(t); code != tt.code {
				t.Errorf("code = %s, want %s", code, tt.code)
			}
		})
	}
}

func (sc spotCheckRun) newestFirst(t *testing.T) {
	s, sup, oversight, first := sc.s, sc.sup, sc.oversight, sc.first
	var list struct {
		Items []spotCheckAnswer `json:"items"`
	}
	s.Must(200, "GET", "/api/v1/spot-checks", oversight, nil).Decode(t, &list)
	if len(list.Items) < 2 {
		t.Fatalf("%d spot checks listed", len(list.Items))
	}
	for i := 1; i < len(list.Items); i++ {
		if list.Items[i].ID >= list.Items[i-1].ID {
			t.Errorf("list not newest first: %d before %d", list.Items[i-1].ID, list.Items[i].ID)
		}
	}
	last := list.Items[len(list.Items)-1]
	if last.ID != first.ID || last.Sampled != 5 || last.Examined != 2 || last.Problems != 1 {
		t.Errorf("oldest listed = %+v, want the first check with its progress", last)
	}
	var page struct {
		Items      []spotCheckAnswer `json:"items"`
		NextBefore *int64            `json:"next_before"`
	}
	s.Must(200, "GET", "/api/v1/spot-checks?limit=1", sup, nil).Decode(t, &page)
	if len(page.Items) != 1 || page.NextBefore == nil || page.Items[0].ID != list.Items[0].ID {
		t.Fatalf("first page = %+v", page)
	}
	s.Must(200, "GET", fmt.Sprintf("/api/v1/spot-checks?limit=1&before=%d", *page.NextBefore), sup, nil).Decode(t, &page)
	if len(page.Items) != 1 || page.Items[0].ID != list.Items[1].ID {
		t.Errorf("second page = %+v", page)
	}
}

func (sc spotCheckRun) badRequests(t *testing.T) {
	s, sup, req := sc.s, sc.sup, sc.req
	var before struct {
		Items []spotCheckAnswer `json:"items"`
	}
	s.Must(200, "GET", "/api/v1/spot-checks?limit=500", sup, nil).Decode(t, &before)
	for _, tt := range []struct {
		name string
		body map[string]any
		code string
	}{
		{"size 0", apitest.With(req, "size", 0), "invalid_spot_check"},
		{"size 1001", apitest.With(req, "size", 1001), "invalid_spot_check"},
		{"bad date", apitest.With(req, "from", "2026-02-30"), "invalid_spot_check"},
		{"no period", apitest.With(req, "from", "", "to", ""), "invalid_spot_check"},
		{"from after to", apitest.With(req, "from", "2026-04-01"), "invalid_spot_check"},
		{"unknown department", apitest.With(req, "departments", []string{"ZJJ", "NOPE"}), "unknown_department"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if code := s.Must(422, "POST", "/api/v1/spot-checks", sup, tt.body).ErrorCode(t); code != tt.code {
				t.Errorf("code = %s, want %s", code, tt.code)
			}
		})
	}
	s.Must(400, "POST", "/api/v1/spot-checks", sup, `{"size": 5, "surprise": true}`)
	var after struct {
		Items []spotCheckAnswer `json:"items"`
	}
	s.Must(200, "GET", "/api/v1/spot-checks?limit=500", sup, nil).Decode(t, &after)
	if len(after.Items) != len(before.Items) {
		t.Errorf("%d spot checks after refused requests, want %d", len(after.Items), len(before.Items))
	}
}
