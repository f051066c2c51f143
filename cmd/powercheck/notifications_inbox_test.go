package main

import (
	"encoding/json"
	"slices"
	"strconv"
	"testing"
	"time"

	"powercheck/internal/apitest"
	"powercheck/internal/compliance"
)

// inboxAnswer is GET /api/v1/notifications.
type inboxAnswer struct {
	Items      []inboxItem `json:"items"`
	NextCursor *string     `json:"next_cursor"`
	Unread     int64       `json:"unread"`
}

type inboxItem struct {
	ID     int64           `json:"id"`
	Event  string          `json:"event"`
	ReadAt *string         `json:"read_at"`
	Title  string          `json:"title"`
	Link   string          `json:"link"`
	Data   json.RawMessage `json:"data"`
}

func (s *server) inbox(t *testing.T, token, query string) inboxAnswer {
	t.Helper()
	return apitest.Get[inboxAnswer](t, s.Server, token, "/api/v1/notifications"+query)
}

// waitInbox polls the account's inbox until it links to warning id.
func (s *server) waitInbox(t *testing.T, token string, link string) inboxAnswer {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		a := s.inbox(t, token, "?limit=100")
		for _, n := range a.Items {
			if n.Link == link {
				return a
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no notification links to %s: %+v", link, a.Items)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// settleInbox waits until the account's unread count has held still for
// half a second: the events of the test's changes are all routed, and the
// counts it compares next change only by its own reads.
func (s *server) settleInbox(t *testing.T, token string) {
	t.Helper()
	var last, count struct {
		Unread int64 `json:"unread"`
	}
	last.Unread = -1
	still := 0
	for deadline := time.Now().Add(15 * time.Second); still < 5; {
		s.Must(200, "GET", "/api/v1/notifications/count", token, nil).Decode(t, &count)
		if count.Unread == last.Unread {
			still++
		} else {
			still, last = 0, count
		}
		if time.Now().After(deadline) {
			t.Fatalf("the inbox's unread count does not settle: %d", count.Unread)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func hasLink(a inboxAnswer, link string) bool {
	return slices.ContainsFunc(a.Items, func(n inboxItem) bool { return n.Link == link })
}

// raiseAlarm opens a case and records a late review; it returns the link
// of an alarm it raised.
func raiseAlarm(t *testing.T, s *server, clerk, n string) string {
	t.Helper()
	caseNo := "ZJJ-2026-02" + n
	s.Must(201, "POST", "/api/v1/steps", clerk, apitest.FirstStep("N"+n+"-accept", caseNo, "XK-001", "accept", "2026-03-02T09:30:00+08:00"))
	a := s.Submit(t, clerk, lateReview("N"+n+"-review", caseNo))
	for _, w := range a.Warnings {
		if w.Level == compliance.LevelAlarm {
			return "/warnings/" + strconv.FormatInt(w.ID, 10)
		}
	}
	t.Fatalf("the late review raised no alarm: %+v", a.Warnings)
	return ""
}

func TestInboxOfTheDepartment(t *testing.T) {
	eachDistrict(t, []string{"--notify-interval", "50ms"}, func(t *testing.T, s *server, tok map[string]string) {
		zjjInspector := s.AddAccount(t, "zjj-inspector", "dept_inspector", "ZJJ")
		scjInspector := s.AddAccount(t, "scj-inspector", "dept_inspector", "SCJ")
		oversightTok := s.AddAccount(t, "oversight", "oversight", "")
		link := raiseAlarm(t, s, tok[apitest.ZJJClerk], "01")

		for name, token := range map[string]string{"the handler": tok[apitest.ZJJClerk], "the department's inspector": zjjInspector,
			"the department's leader": tok[apitest.ZJJAdmin], "the government affairs office": oversightTok} {
			t.Run(name+" hears of the alarm", func(t *testing.T) {
				a := s.waitInbox(t, token, link)
				if a.Unread < 1 || a.Items[0].ReadAt != nil || a.Items[0].Title == "" {
					t.Errorf("inbox = %+v", a)
				}
			})
		}
		for name, token := range map[string]string{"another department's clerk": tok[apitest.SCJClerk], "another department's inspector": scjInspector} {
			t.Run(name+" does not", func(t *testing.T) {
				if a := s.inbox(t, token, ""); len(a.Items) != 0 || a.Unread != 0 {
					t.Errorf("inbox = %+v, want empty", a)
				}
			})
		}
		t.Run("read marks are the account's own", func(t *testing.T) {
			readMarksOwn(t, s, tok, zjjInspector)
		})
		t.Run("pages follow each other", func(t *testing.T) {
			// The fan-out may still be routing: page again until the inbox
			// held still while it was paged.
			for attempt := 0; ; attempt++ {
				before := s.inbox(t, zjjInspector, "?limit=100")
				var seen []int64
				q := "?limit=1"
				for i := 0; i < 50; i++ {
					a := s.inbox(t, zjjInspector, q)
					for _, n := range a.Items {
						seen = append(seen, n.ID)
					}
					if a.NextCursor == nil {
						break
					}
					q = "?limit=1&cursor=" + *a.NextCursor
				}
				after := s.inbox(t, zjjInspector, "?limit=100")
				if len(after.Items) != len(before.Items) && attempt < 10 {
					time.Sleep(200 * time.Millisecond)
					continue
				}
				var want []int64
				for _, n := range after.Items {
					want = append(want, n.ID)
				}
				if !slices.Equal(seen, want) {
					t.Errorf("paged %v, want %v", seen, want)
				}
				break
			}
			apitest.WantCode(t, s.Do("GET", "/api/v1/notifications?cursor=nope", zjjInspector, nil), 400, "invalid_cursor")
		})
	})
}

func TestNotificationRoutes(t *testing.T) {
	eachDistrict(t, []string{"--notify-interval", "50ms"}, func(t *testing.T, s *server, tok map[string]string) {
		zjjInspector := s.AddAccount(t, "zjj-inspector", "dept_inspector", "ZJJ")

		t.Run("only the administrator reads and sets them", func(t *testing.T) {
			s.Must(403, "GET", "/api/v1/notifications/routes", tok[apitest.ZJJAdmin], nil)
			s.Must(403, "PUT", "/api/v1/notifications/routes", tok[apitest.LegalToken], map[string]any{"routes": []any{}})
			var rs struct {
				Routes []map[string]any `json:"routes"`
			}
			s.Must(200, "GET", "/api/v1/notifications/routes", apitest.AdminToken, nil).Decode(t, &rs)
			if len(rs.Routes) == 0 {
				t.Error("no default routes")
			}
		})
		t.Run("a bad table is refused with its fields", func(t *testing.T) {
			tests := []struct {
				name   string
				routes any
				fields []string
			}{
				{"unknown event", []any{map[string]any{"event": "warning.nope", "roles": []string{"oversight"}}}, []string{"routes[0].event"}},
				{"unknown role", []any{map[string]any{"event": "warning.raised", "roles": []string{"oversight", "boss"}}}, []string{"routes[0].roles[1]"}},
				{"level of a non-warning event", []any{map[string]any{"event": "patrol.short", "level": "alarm", "roles": []string{"dept_admin"}}}, []string{"routes[0].level"}},
				{"nobody", []any{map[string]any{"event": "warning.raised", "roles": []string{}}}, []string{"routes[0].roles"}},
				{"no table", nil, []string{"routes"}},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					r := s.Do("PUT", "/api/v1/notifications/routes", apitest.AdminToken, map[string]any{"routes": tt.routes})
					apitest.WantCode(t, r, 422, "invalid_routes")
					if got := fieldsOf(t, r); !slices.Equal(got, tt.fields) {
						t.Errorf("fields = %v, want %v", got, tt.fields)
					}
				})
			}
		})
		t.Run("a new table changes who hears", func(t *testing.T) {
			first := raiseAlarm(t, s, tok[apitest.ZJJClerk], "11")
			s.waitInbox(t, zjjInspector, first)
			s.Must(200, "PUT", "/api/v1/notifications/routes", apitest.AdminToken, map[string]any{"routes": []any{
				map[string]any{"event": "warning.raised", "roles": []string{"dept_admin"}, "handler": true},
			}})
			var rs struct {
				Routes    []map[string]any `json:"routes"`
				UpdatedBy string           `json:"updated_by"`
			}
			s.Must(200, "GET", "/api/v1/notifications/routes", apitest.AdminToken, nil).Decode(t, &rs)
			if len(rs.Routes) != 1 || rs.UpdatedBy != "admin" {
				t.Errorf("routes = %+v", rs)
			}
			second := raiseAlarm(t, s, tok[apitest.ZJJClerk], "12")
			s.waitInbox(t, tok[apitest.ZJJAdmin], second)
			s.waitInbox(t, tok[apitest.ZJJClerk], second)
			if a := s.inbox(t, zjjInspector, "?limit=100"); hasLink(a, second) {
				t.Errorf("the inspector heard of %s after being taken off the route", second)
			}
		})
	})
}

// readMarksOwn checks that the clerk's read marks, one or all, touch
// neither another account's notifications nor their unread count.
func readMarksOwn(t *testing.T, s *server, tok map[string]string, zjjInspector string) {
	s.settleInbox(t, tok[apitest.ZJJClerk])
	a := s.inbox(t, tok[apitest.ZJJClerk], "?unread=true")
	if len(a.Items) == 0 {
		t.Fatal("no unread notification")
	}
	id := strconv.FormatInt(a.Items[0].ID, 10)
	apitest.WantCode(t, s.Do("POST", "/api/v1/notifications/"+id+"/read", zjjInspector, nil), 404, "notification_not_found")
	apitest.WantCode(t, s.Do("POST", "/api/v1/notifications/"+id+"/read", tok[apitest.SCJClerk], nil), 404, "notification_not_found")
	var read struct {
		Unread int64 `json:"unread"`
	}
	s.Must(200, "POST", "/api/v1/notifications/"+id+"/read", tok[apitest.ZJJClerk], nil).Decode(t, &read)
	if read.Unread != a.Unread-1 {
		t.Errorf("unread after a read = %d, want %d", read.Unread, a.Unread-1)
	}
	all := s.inbox(t, tok[apitest.ZJJClerk], "")
	if last := all.Items[len(all.Items)-1]; last.ReadAt == nil || strconv.FormatInt(last.ID, 10) != id {
		t.Errorf("the read one is not listed last: %+v", all.Items)
	}
	var count struct {
		Unread int64 `json:"unread"`
	}
	s.Must(200, "GET", "/api/v1/notifications/count", zjjInspector, nil).Decode(t, &count)
	if count.Unread < 1 {
		t.Errorf("the inspector's unread = %d: another's read mark touched it", count.Unread)
	}
	s.Must(200, "POST", "/api/v1/notifications/read-all", tok[apitest.ZJJClerk], nil)
	if a := s.inbox(t, tok[apitest.ZJJClerk], "?unread=true"); len(a.Items) != 0 || a.Unread != 0 {
		t.Errorf("after read-all: %+v", a)
	}
	s.Must(200, "GET", "/api/v1/notifications/count", zjjInspector, nil).Decode(t, &count)
	if count.Unread < 1 {
		t.Errorf("the inspector's unread = %d after the clerk's read-all", count.Unread)
	}
}
