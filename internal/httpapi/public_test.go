package httpapi_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"powercheck/internal/apitest"
)

// publicKeys are every key a public answer may hold. Discretion tiers are
// named by the item (一般, 严重, …): their names are not keys of the schema,
// their fields are.
var publicKeys = map[string]bool{}

func init() {
	for _, k := range strings.Fields(`items next_cursor code name category department_code department_name
		time_limit statutory_limit days unit version legal_bases id title article conditions materials fees contact
		discretion steps time_limit_days time_limit_unit risk_checkpoint ends_clock
		case_no item accepted_at due_date status date
		month departments cases_accepted cases_closed on_time_rate alarms_raised alarms_rectified
		min max base min_multiple max_multiple min_rate max_rate error message request_id
		copies note phone address hours service_channel`) {
		publicKeys[k] = true
	}
}

// leaks walks a public answer and returns every key outside the public
// schema and every string that holds one of the secrets.
func leaks(v any, inTiers bool, secrets []string) []string {
	var out []string
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if !inTiers && !publicKeys[k] {
				out = append(out, "key "+k)
			}
			out = append(out, leaks(x, k == "discretion", secrets)...)
		}
	case []any:
		for _, x := range v {
			out = append(out, leaks(x, false, secrets)...)
		}
	case string:
		for _, s := range secrets {
			if strings.Contains(v, s) {
				out = append(out, "text "+s)
			}
		}
	}
	return out
}

// publicRun is what TestPublicDisclosure's subtests share: the server, the
// district's tokens, the item as disclosed, the opening step's answer and
// the secrets no public answer may hold.
type publicRun struct {
	s         *apitest.Server
	tok       map[string]string
	disclosed map[string]any
	first     apitest.StepAnswer
	secrets   []string
}

// openPublicCase discloses XK-001 in full and opens a ZJJ case of it, with
// a decision that raises warnings.
func openPublicCase(t *testing.T, s *apitest.Server, tok map[string]string) publicRun {
	t.Helper()
	disclosed := apitest.ItemFixture(t, "licensing", func(m map[string]any) {
		m["conditions"] = "具有法人资格；已办理用地批准手续"
		m["materials"] = []map[string]any{{"name": "建筑工程施工许可证申请表", "copies": 1}, {"name": "施工图设计文件审查合格书", "copies": 1, "note": "原件核验"}}
		m["fees"] = "不收费"
		m["contact"] = map[string]string{"phone": "0812-0000000", "address": "区政务服务中心 3 号窗口", "hours": "工作日 9:00–17:00"}
		m["service_channel"] = "窗口办理；网上办理"
	})
	s.Must(200, "PUT", "/api/v1/power-items/XK-001", tok[apitest.LegalToken], disclosed)

	// The clerk opens a case; its first answer carries the query code,
	// and so does the replay of that step, and no later step's answer.
	accept := apitest.FirstStep("PUB-1-accept", "ZJJ-PUB-1", "XK-001", "accept", time.Now().Add(-2*time.Hour).Format(time.RFC3339))
	accept["applicant"] = "某秘密建设公司"
	accept["handler"] = "秘密经办人"
	var first, replay, second apitest.StepAnswer
	s.Must(201, "POST", "/api/v1/steps", tok[apitest.ZJJClerk], accept).Decode(t, &first)
	s.Must(200, "POST", "/api/v1/steps", tok[apitest.ZJJClerk], accept).Decode(t, &replay)
	decide := apitest.Step("PUB-1-decide", "ZJJ-PUB-1", "decide", time.Now().Add(-time.Hour).Format(time.RFC3339))
	decide["handler"] = "秘密经办人"
	s.Must(201, "POST", "/api/v1/steps", tok[apitest.ZJJClerk], decide).Decode(t, &second)
	if len(first.QueryCode) != 8 || replay.QueryCode != first.QueryCode || second.QueryCode != "" {
		t.Fatalf("query codes: first %q, replay %q, second %q; want 8 characters on the opening step only", first.QueryCode, replay.QueryCode, second.QueryCode)
	}
	if len(second.Warnings) == 0 {
		t.Fatal("the decision raised no warning; the leak checks need one")
	}
	secrets := []string{"某秘密建设公司", "秘密经办人", second.Warnings[0].Message}
	return publicRun{s: s, tok: tok, disclosed: disclosed, first: first, secrets: secrets}
}

// get reads path without signing in, wants the status want, and fails the
// test on any key or secret the answer should not hold.
func (pub publicRun) get(t *testing.T, path string, want int) any {
	t.Helper()
	var v any
	res := pub.s.Must(want, "GET", path, "", nil)
	if err := json.Unmarshal(res.Body, &v); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	if l := leaks(v, false, pub.secrets); len(l) > 0 {
		t.Errorf("GET %s leaks %v: %s", path, l, res.Body)
	}
	return v
}

// The public side: the power list, an item, a case's progress for the
// holder of its query code, the monthly figures and open data — without
// signing in, and with nothing of the people behind them.
func TestPublicDisclosure(t *testing.T) {
	eachDistrict(t, func(t *testing.T, s *apitest.Server, tok map[string]string) {
		pub := openPublicCase(t, s, tok)
		t.Run("the power list", pub.powerList)
		t.Run("an item", func(t *testing.T) {
			it := pub.get(t, "/api/public/v1/items/XK-001", 200).(map[string]any)
			if it["conditions"] != pub.disclosed["conditions"] || it["fees"] != "不收费" || len(it["materials"].([]any)) != 2 ||
				it["contact"].(map[string]any)["phone"] != "0812-0000000" || it["service_channel"] == "" ||
				len(it["steps"].([]any)) == 0 || len(it["legal_bases"].([]any)) == 0 {
				t.Errorf("item = %v", it)
			}
			pub.get(t, "/api/public/v1/items/NO-SUCH", 404)
		})
		t.Run("nothing that is not in force", pub.nothingOutOfForce)
		t.Run("a case for the holder of its code", func(t *testing.T) {
			pc := pub.get(t, "/api/public/v1/cases/ZJJ-PUB-1?code="+strings.ToLower(pub.first.QueryCode), 200).(map[string]any)
			steps := pc["steps"].([]any)
			if pc["case_no"] != "ZJJ-PUB-1" || len(steps) != 2 || steps[0].(map[string]any)["name"] != "受理" ||
				pc["item"].(map[string]any)["code"] != "XK-001" {
				t.Errorf("progress = %v", pc)
			}
			wrong := s.Must(404, "GET", "/api/public/v1/cases/ZJJ-PUB-1?code=AAAAAAAA", "", nil)
			unknown := s.Must(404, "GET", "/api/public/v1/cases/ZJJ-NOBODY?code=AAAAAAAA", "", nil)
			none := s.Must(404, "GET", "/api/public/v1/cases/ZJJ-PUB-1", "", nil)
			if wrong.WithoutRequestID() != unknown.WithoutRequestID() || none.WithoutRequestID() != unknown.WithoutRequestID() {
				t.Errorf("a wrong code %s, no code %s and an unknown case %s are told apart", wrong.Body, none.Body, unknown.Body)
			}
		})
		t.Run("monthly figures", pub.monthlyFigures)
		t.Run("open data with ETag and Last-Modified", pub.openData)
		t.Run("wrong codes are limited per address, the right one too once over", func(t *testing.T) {
			limited := false
			for i := 0; i < 20 && !limited; i++ {
				limited = s.Do("GET", "/api/public/v1/cases/ZJJ-PUB-1?code=BBBBBBBB", "", nil).Status == http.StatusTooManyRequests
			}
			if !limited {
				t.Fatal("20 wrong codes from one address were not limited")
			}
			s.Must(429, "GET", "/api/public/v1/cases/ZJJ-PUB-1?code="+pub.first.QueryCode, "", nil)
		})
	})
}

func (pub publicRun) powerList(t *testing.T) {
	list := pub.get(t, "/api/public/v1/items", 200).(map[string]any)
	items := list["items"].([]any)
	if len(items) < 2 {
		t.Fatalf("items = %v, want the items in force", items)
	}
	xk := items[0].(map[string]any)
	for _, it := range items {
		if m := it.(map[string]any); m["code"] == "XK-001" {
			xk = m
		}
	}
	if xk["code"] != "XK-001" || xk["department_name"] == "" || xk["time_limit"] == nil {
		t.Errorf("XK-001 in the list = %v", xk)
	}
	one := pub.get(t, "/api/public/v1/items?limit=1", 200).(map[string]any)
	if len(one["items"].([]any)) != 1 || one["next_cursor"] == nil {
		t.Errorf("first page of one = %v, want one item and a cursor", one)
	}
	next := pub.get(t, "/api/public/v1/items?limit=1&cursor="+one["next_cursor"].(string), 200).(map[string]any)
	if len(next["items"].([]any)) != 1 || next["items"].([]any)[0].(map[string]any)["code"] == one["items"].([]any)[0].(map[string]any)["code"] {
		t.Errorf("second page = %v", next)
	}
	byCategory := pub.get(t, "/api/public/v1/items?category=行政处罚", 200).(map[string]any)["items"].([]any)
	for _, it := range byCategory {
		if it.(map[string]any)["category"] != "行政处罚" {
			t.Errorf("category filter let through %v", it)
		}
	}
	byWord := pub.get(t, "/api/public/v1/items?q=xk-001", 200).(map[string]any)["items"].([]any)
	if len(byWord) != 1 {
		t.Errorf("keyword xk-001 found %v", byWord)
	}
}

func (pub publicRun) nothingOutOfForce(t *testing.T) {
	s, tok := pub.s, pub.tok
	s.Must(201, "PUT", "/api/v1/power-items/XK-SUSP", tok[apitest.LegalToken], apitest.ItemFixture(t, "licensing", func(m map[string]any) {
		m["name"], m["status"] = "已暂停的事项", "suspended"
	}))
	// A department's adjustment waits for approval: the public sees the version in force.
	if r := s.Do("PUT", "/api/v1/power-items/XK-001", tok[apitest.ZJJAdmin], apitest.ItemFixture(t, "licensing", func(m map[string]any) {
		m["name"] = "未审定的新名称"
	})); r.Status/100 != 2 {
		t.Fatalf("a department's adjustment: %d %s", r.Status, r.Body)
	}
	if p := s.Must(200, "GET", "/api/v1/power-items/pending", tok[apitest.LegalToken], nil); !strings.Contains(string(p.Body), "未审定的新名称") {
		t.Fatalf("pending adjustments = %s, want the department's", p.Body)
	}
	body := string(s.Must(200, "GET", "/api/public/v1/items", "", nil).Body) + string(s.Must(200, "GET", "/api/public/v1/catalog.json", "", nil).Body)
	for _, hidden := range []string{"XK-SUSP", "已暂停的事项", "未审定的新名称"} {
		if strings.Contains(body, hidden) {
			t.Errorf("the public list shows %s, which is not in force", hidden)
		}
	}
	pub.get(t, "/api/public/v1/items/XK-SUSP", 404)
	if it := pub.get(t, "/api/public/v1/items/XK-001", 200).(map[string]any); it["name"] == "未审定的新名称" {
		t.Error("the public item shows a version awaiting approval")
	}
}

func (pub publicRun) monthlyFigures(t *testing.T) {
	s := pub.s
	month := time.Now().In(shanghai(t)).Format("2006-01")
	st := pub.get(t, "/api/public/v1/stats?month="+month, 200).(map[string]any)
	found := false
	for _, d := range st["departments"].([]any) {
		if m := d.(map[string]any); m["department_code"] == "ZJJ" {
			found = m["cases_accepted"].(float64) >= 1 && m["alarms_raised"].(float64) >= 1
		}
	}
	if !found {
		t.Errorf("stats = %v, want ZJJ with its case and alarms", st)
	}
	s.Must(400, "GET", "/api/public/v1/stats?month=2026-13", "", nil)
}

func (pub publicRun) openData(t *testing.T) {
	s, secrets := pub.s, pub.secrets
	for _, path := range []string{"/api/public/v1/catalog.json", "/api/public/v1/catalog.csv", "/api/public/v1/stats.csv"} {
		res, err := apitest.Client.Get(s.Base + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		etag := res.Header.Get("ETag")
		if res.StatusCode != 200 || etag == "" || !strings.Contains(res.Header.Get("Cache-Control"), "max-age") {
			t.Fatalf("GET %s: %d, ETag %q, Cache-Control %q", path, res.StatusCode, etag, res.Header.Get("Cache-Control"))
		}
		for _, secret := range secrets {
			if strings.Contains(string(body), secret) {
				t.Errorf("GET %s leaks %q", path, secret)
			}
		}
		if strings.HasPrefix(path, "/api/public/v1/catalog") {
			if res.Header.Get("Last-Modified") == "" || !strings.Contains(string(body), "XK-001") {
				t.Errorf("GET %s: Last-Modified %q, body %.200s", path, res.Header.Get("Last-Modified"), body)
			}
		}
		req, _ := http.NewRequest("GET", s.Base+path, nil)
		req.Header.Set("If-None-Match", etag)
		again, err := apitest.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		again.Body.Close()
		if again.StatusCode != http.StatusNotModified {
			t.Errorf("GET %s with its ETag: %d, want 304", path, again.StatusCode)
		}
	}
}

func shanghai(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
