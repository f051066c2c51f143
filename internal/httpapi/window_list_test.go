package httpapi_test

import (
	"cmp"
	"encoding/base64"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"testing"
	"time"

	"powercheck/internal/apitest"
	"powercheck/internal/sqlstore"
	"powercheck/internal/sqlstore/sqlstoretest"
)

// windowed is a warning of a list, with its recording time parsed.
type windowed struct {
	ID        int64
	CreatedAt time.Time
}

// windowPage is one page of GET /api/v1/warnings.
type windowPage struct {
	Items []struct {
		ID        int64  `json:"id"`
		CreatedAt string `json:"created_at"`
	} `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

func (p windowPage) warnings(t *testing.T) []windowed {
	t.Helper()
	out := make([]windowed, len(p.Items))
	for i, w := range p.Items {
		at, err := time.Parse(time.RFC3339Nano, w.CreatedAt)
		if err != nil {
			t.Fatalf("created_at %q: %v", w.CreatedAt, err)
		}
		out[i] = windowed{ID: w.ID, CreatedAt: at}
	}
	return out
}

// byRecordingTime orders warnings as a list with a time window does, oldest first.
func byRecordingTime(a, b windowed) int {
	if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}

func ids(ws []windowed) []int64 {
	out := make([]int64, len(ws))
	for i, w := range ws {
		out[i] = w.ID
	}
	return out
}

// listWindow is a time window that holds every warning of the test.
const listWindow = "from=2026-01-01&to=2099-12-31"

// windowRun is what TestViolationListWithTimeWindow's subtests share: the
// server, the district's tokens and supervision's, the store, the number of
// cases opened so far and the June the test back-dates to.
type windowRun struct {
	s     *apitest.Server
	tok   map[string]string
	sup   string
	st    *sqlstore.Store
	cases int
	june  time.Time
}

// post opens a new ZJJ case and returns the ids of the warnings it raised.
func (wl *windowRun) post(t *testing.T) []int64 {
	t.Helper()
	wl.cases++
	caseNo := fmt.Sprintf("ZJJ-W-%d", wl.cases)
	ans := wl.s.Submit(t, wl.tok[apitest.ZJJClerk], apitest.FirstStep(caseNo+"-a", caseNo, "XK-001", "accept", "2026-03-02T09:00:00+08:00"))
	if len(ans.Warnings) == 0 {
		t.Fatalf("case %s raised no warning; the test needs some", caseNo)
	}
	var out []int64
	for _, w := range ans.Warnings {
		out = append(out, w.ID)
	}
	return out
}

// backdate gives warnings the recording time of a step recorded long ago
// and checked only now, as a re-check stores them.
func (wl *windowRun) backdate(t *testing.T, at time.Time, ids []int64) {
	t.Helper()
	if err := wl.st.DB().Exec("UPDATE warnings SET created_at = ? WHERE id IN ?", at.UTC(), ids).Error; err != nil {
		t.Fatal(err)
	}
}

// list reads a page of the warnings as supervision.
func (wl *windowRun) list(t *testing.T, query string) windowPage {
	t.Helper()
	return apitest.Get[windowPage](t, wl.s, wl.sup, "/api/v1/warnings?"+query)
}

// A violation list with a time window runs in recording-time order, not id
// order: a re-checked step's warnings keep the step's original recording
// time, so they come after newer ids. Its cursor pages without skipping or
// repeating while warnings arrive, its export has the list's rows in the
// list's order, and a cursor of the other kind of list is refused.
func TestViolationListWithTimeWindow(t *testing.T) {
	sqlstoretest.EachDSNParallel(t, func(t *testing.T, dsn string) {
		s, tok := startDistrict(t, dsn)
		wl := &windowRun{s: s, tok: tok, sup: tok[apitest.SupervisionToken], st: sqlstoretest.Open(t, dsn),
			june: time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)}
		var byCase [][]int64
		for range 6 {
			byCase = append(byCase, wl.post(t))
		}
		july := time.Date(2026, 7, 1, 8, 0, 0, 0, time.UTC)
		wl.backdate(t, wl.june, byCase[4])
		wl.backdate(t, july, append(slices.Clone(byCase[1]), byCase[5]...)) // the same time for old and new ids
		t.Run("recording-time order, newest or oldest first", wl.recordingTimeOrder)
		t.Run("paging while warnings arrive", wl.pagingWhileArriving)
		t.Run("the export has the list's rows in the list's order", func(t *testing.T) {
			for _, format := range []string{"csv", "xlsx"} {
				for _, filter := range []string{listWindow, listWindow + "&order=asc", "department=ZJJ&from=2026-06-01&to=2026-07-01",
					"from=2026-06-01&level=alarm", "to=2026-08-01&order=asc"} {
					got := export(t, s, wl.sup, "format="+format+"&"+filter)
					if rows := sameAsList(t, s, wl.sup, filter, got); len(rows) < 2 {
						t.Errorf("%s: %d rows; the filter should select several", filter, len(rows))
					}
				}
			}
		})
		t.Run("cursors of the other kind of list are refused", wl.otherKindOfCursor)
		t.Run("an id cursor an older client holds still pages a list without a window", func(t *testing.T) {
			all := wl.list(t, "limit=500").warnings(t)
			below := all[len(all)/2].ID
			p := wl.list(t, "limit=500&cursor="+base64.RawURLEncoding.EncodeToString([]byte("w1:"+strconv.FormatInt(below, 10))))
			if want := ids(all[len(all)/2+1:]); !slices.Equal(ids(p.warnings(t)), want) {
				t.Errorf("after id %d: %v, want %v", below, ids(p.warnings(t)), want)
			}
		})
	})
}

func (wl *windowRun) recordingTimeOrder(t *testing.T) {
	all := wl.list(t, "limit=500").warnings(t)
	slices.SortFunc(all, byRecordingTime)
	if slices.IsSortedFunc(ids(all), cmp.Compare) {
		t.Fatal("recording-time order equals id order here; the test proves nothing")
	}
	for _, order := range []string{"asc", "desc"} {
		want := slices.Clone(all)
		if order == "desc" {
			slices.Reverse(want)
		}
		if got := wl.list(t, listWindow+"&limit=500&order="+order).warnings(t); !slices.Equal(ids(got), ids(want)) {
			t.Errorf("order=%s: ids %v, want %v", order, ids(got), ids(want))
		}
	}
	// Without a window the list stays in id order.
	if got := wl.list(t, "limit=500").warnings(t); !slices.IsSortedFunc(ids(got), func(a, b int64) int { return cmp.Compare(b, a) }) {
		t.Errorf("without a window: ids %v, want newest id first", ids(got))
	}
}

func (wl *windowRun) pagingWhileArriving(t *testing.T) {
	for _, order := range []string{"asc", "desc"} {
		start := wl.list(t, listWindow+"&limit=500").warnings(t)
		var (
			got                   []windowed
			arrivedNow, backdated []int64
		)
		query := listWindow + "&limit=3&order=" + order
		for page := 0; ; page++ {
			p := wl.list(t, query)
			got = append(got, p.warnings(t)...)
			if page == 0 {
				// A new warning, and one recorded before all others
				// but checked only now, arrive after the first page.
				arrivedNow = wl.post(t)
				backdated = wl.post(t)
				wl.backdate(t, wl.june.AddDate(0, -1, 0), backdated)
			}
			if p.NextCursor == nil {
				break
			}
			query = listWindow + "&limit=3&order=" + order + "&cursor=" + url.QueryEscape(*p.NextCursor)
		}
		seen := map[int64]bool{}
		for i, w := range got {
			if seen[w.ID] {
				t.Fatalf("%s: warning %d twice", order, w.ID)
			}
			seen[w.ID] = true
			if i > 0 && (byRecordingTime(got[i-1], w) < 0) != (order == "asc") {
				t.Fatalf("%s: warning %d (%v) after %d (%v)", order, w.ID, w.CreatedAt, got[i-1].ID, got[i-1].CreatedAt)
			}
		}
		for _, w := range start {
			if !seen[w.ID] {
				t.Errorf("%s: warning %d, there at the start, was skipped", order, w.ID)
			}
		}
		// Newest first passes the recording time of what arrives now
		// and reaches the back-dated; oldest first the other way round.
		for _, id := range arrivedNow {
			if seen[id] != (order == "asc") {
				t.Errorf("%s: the warning %d that arrived now listed: %v", order, id, seen[id])
			}
		}
		for _, id := range backdated {
			if seen[id] != (order == "desc") {
				t.Errorf("%s: the back-dated warning %d listed: %v", order, id, seen[id])
			}
		}
	}
}

func (wl *windowRun) otherKindOfCursor(t *testing.T) {
	s, sup := wl.s, wl.sup
	timeCursor := *wl.list(t, listWindow+"&limit=2").NextCursor
	idCursor := *wl.list(t, "limit=2").NextCursor
	b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	for _, tc := range []struct{ name, query string }{
		{"a time cursor without a window", "cursor=" + url.QueryEscape(timeCursor)},
		{"an id cursor with a window", listWindow + "&cursor=" + url.QueryEscape(idCursor)},
		{"an id cursor with only from", "from=2026-01-01&cursor=" + url.QueryEscape(idCursor)},
		{"garbled", listWindow + "&cursor=%27%20OR%201%3D1"},
		{"a time cursor without its id", listWindow + "&cursor=" + b64("w2:1780000000000000000")},
		{"a time cursor with a bad time", listWindow + "&cursor=" + b64("w2:june:5")},
		{"a time cursor with id 0", listWindow + "&cursor=" + b64("w2:1780000000000000000:0")},
		{"an unknown kind", listWindow + "&cursor=" + b64("w3:5")},
	} {
		r := s.Do("GET", "/api/v1/warnings?"+tc.query, sup, nil)
		apitest.WantCode(t, r, 400, "invalid_cursor")
		e := export(t, s, sup, "format=csv&"+tc.query)
		if e.res.StatusCode != 400 {
			t.Errorf("%s: the export answers %d, want 400", tc.name, e.res.StatusCode)
		} else if code := (apitest.Response{Status: 400, Body: e.body}).ErrorCode(t); code != "invalid_cursor" {
			t.Errorf("%s: the export's code %s, want invalid_cursor", tc.name, code)
		}
	}
}
