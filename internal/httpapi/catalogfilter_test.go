package httpapi_test

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"powercheck/internal/apitest"
)

// The catalog list narrowed by category, status and a search text, within
// the department the account may see; unknown values are refused.
func TestItemListFilters(t *testing.T) {
	eachDistrict(t, func(t *testing.T, s *apitest.Server, tok map[string]string) {
		legal := tok[apitest.LegalToken]
		s.Must(201, "PUT", "/api/v1/power-items/XK-SCJ-001", legal, apitest.ItemFixture(t, "licensing", func(it map[string]any) {
			it["name"] = "食品经营许可"
			it["department_code"] = "SCJ"
		}))
		s.Must(201, "PUT", "/api/v1/power-items/XK-002", legal, apitest.ItemFixture(t, "licensing", func(it map[string]any) {
			it["name"] = "建筑工程竣工验收备案"
			it["status"] = "suspended"
		}))

		codes := func(t *testing.T, token, query string) []string {
			t.Helper()
			var out struct {
				Items []struct {
					Code string `json:"code"`
				} `json:"items"`
			}
			s.Must(200, "GET", "/api/v1/power-items?"+query, token, nil).Decode(t, &out)
			got := []string{}
			for _, it := range out.Items {
				got = append(got, it.Code)
			}
			slices.Sort(got)
			return got
		}
		for _, tc := range []struct {
			name, token, query string
			want               []string
		}{
			{"no filter", legal, "", []string{"CF-001", "XK-001", "XK-002", "XK-SCJ-001"}},
			{"department", legal, "department=SCJ", []string{"XK-SCJ-001"}},
			{"category", legal, "category=" + url.QueryEscape("行政处罚"), []string{"CF-001"}},
			{"status", legal, "status=suspended", []string{"XK-002"}},
			{"status active", legal, "status=active", []string{"CF-001", "XK-001", "XK-SCJ-001"}},
			{"q in the name", legal, "q=" + url.QueryEscape("食品"), []string{"XK-SCJ-001"}},
			{"q in the code, any case", legal, "q=xk-0", []string{"XK-001", "XK-002"}},
			{"all together", legal, "department=ZJJ&category=" + url.QueryEscape("行政许可") + "&status=active&q=XK", []string{"XK-001"}},
			{"nothing matches", legal, "q=" + url.QueryEscape("不存在的事项"), []string{}},
			{"a department admin sees only its own", tok[apitest.ZJJAdmin], "category=" + url.QueryEscape("行政许可"), []string{"XK-001", "XK-002"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if got := codes(t, tc.token, tc.query); !slices.Equal(got, tc.want) {
					t.Errorf("GET /api/v1/power-items?%s = %v, want %v", tc.query, got, tc.want)
				}
			})
		}

		for _, tc := range []struct{ name, query, code string }{
			{"unknown category", "category=" + url.QueryEscape("行政命令"), "invalid_category"},
			{"unknown status", "status=gone", "invalid_status"},
			{"search too long", "q=" + strings.Repeat("x", 65), "invalid_query"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				apitest.WantCode(t, s.Do("GET", "/api/v1/power-items?"+tc.query, legal, nil), 400, tc.code)
			})
		}
	})
}
