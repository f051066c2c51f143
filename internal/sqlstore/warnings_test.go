package sqlstore_test

import (
	"cmp"
	"errors"
	"slices"
	"testing"
	"time"

	"powercheck/internal/compliance"
	"powercheck/internal/sqlstore"
	"powercheck/internal/sqlstore/sqlstoretest"
)

// seeded is a warning the test stored, described by what was sent, not by
// what the store answered, so filters are checked against an independent model.
type seeded struct {
	id                              int64
	dept, caseNo, rule, family, lvl string
	status                          string
	created                         time.Time
}

// seedWarnings stores fifteen warnings over three departments, six cases and
// six days, and moves three of them out of the open status. The last two
// steps are recorded late, as a re-checked step is: their warnings have the
// highest ids but older recording times, and share them with earlier ones.
func seedWarnings(t *testing.T, s *sqlstore.Store) []seeded {
	t.Helper()
	items := map[string]compliance.PowerItem{}
	for _, d := range []string{"WA", "WB", "WC"} {
		mustDepartment(t, s, d)
		items[d] = mustItem(t, s, testItem("XK-"+d, d))
	}
	type finding struct{ rule, family, level, key string }
	steps := []struct {
		dept, caseNo string
		day          int
		findings     []finding
	}{
		{"WA", "WA-1", 2, []finding{{"deadline.overdue", "deadline", "alarm", "limit"}, {"sequence.repeated", "sequence", "prewarning", ""}}},
		{"WB", "WB-1", 3, []finding{{"discretion.amount_out_of_range", "discretion", "alarm", ""}, {"deadline.near", "deadline", "prewarning", "limit"}}},
		{"WC", "WC-1", 4, []finding{{"legal_basis.missing", "legal_basis", "alarm", ""}}},
		{"WA", "WA-1", 5, []finding{{"deadline.overdue", "deadline", "prewarning", "review"}, {"checkpoint.no_approval", "checkpoint", "alarm", ""}}},
		{"WA", "WA-2", 6, []finding{{"sync.late", "sync", "prewarning", ""}, {"discretion.amount_out_of_range", "discretion", "alarm", ""}, {"deadline.overdue", "deadline", "alarm", "limit"}}},
		{"WB", "WB-1", 7, []finding{{"sequence.repeated", "sequence", "alarm", ""}, {"deadline.overdue", "deadline", "alarm", "limit"}}},
		{"WC", "WC-2", 4, []finding{{"deadline.overdue", "deadline", "alarm", "limit"}, {"sync.late", "sync", "prewarning", ""}}},
		{"WB", "WB-2", 2, []finding{{"sequence.repeated", "sequence", "prewarning", ""}}},
	}
	cases := map[string]compliance.Case{}
	var out []seeded
	for i, st := range steps {
		step := newStep(st.caseNo+"-"+string(rune('a'+i)), st.caseNo, "review", at(st.day, 10, 0, 0, 0))
		var fs []compliance.Finding
		for _, f := range st.findings {
			fs = append(fs, compliance.Finding{Rule: f.rule, Level: f.level, Key: f.key, Message: "预警：" + f.rule})
		}
		var rec compliance.StepRecord
		if c, ok := cases[st.caseNo]; ok {
			rec = nextRecord(c, step, fs...)
		} else {
			rec = newCaseRecord(st.caseNo, items[st.dept], step, fs...)
			cases[st.caseNo] = rec.Case
		}
		res := mustRecord(t, s, rec)
		if len(res.Warnings) != len(st.findings) {
			t.Fatalf("step %s stored %d warnings, want %d", step.ID, len(res.Warnings), len(st.findings))
		}
		for j, f := range st.findings {
			out = append(out, seeded{id: res.Warnings[j].ID, dept: st.dept, caseNo: st.caseNo, rule: f.rule,
				family: f.family, lvl: f.level, status: compliance.WarningOpen, created: step.RecordedAt})
		}
	}
	for _, m := range []struct {
		i      int
		status string
	}{{2, compliance.WarningExplained}, {6, compliance.WarningRectifying}, {10, compliance.WarningExplained}} {
		if err := s.DB().Exec("UPDATE warnings SET status = ? WHERE id = ?", m.status, out[m.i].id).Error; err != nil {
			t.Fatal(err)
		}
		out[m.i].status = m.status
	}
	// The model's order is that of a listing without a time window: newest
	// first, by id.
	slices.SortFunc(out, func(a, b seeded) int { return int(b.id - a.id) })
	return out
}

// wantOrder returns the ids of ws in the order of the listing f selects:
// by id without a time window, by (created, id) with one; newest first
// unless f.Ascending.
func wantOrder(ws []seeded, f compliance.WarningFilter) []int64 {
	ws = slices.Clone(ws)
	slices.SortFunc(ws, func(a, b seeded) int {
		if f.TimeOrdered() {
			if c := a.created.Compare(b.created); c != 0 {
				return c
			}
		}
		return cmp.Compare(a.id, b.id)
	})
	if !f.Ascending {
		slices.Reverse(ws)
	}
	ids := make([]int64, len(ws))
	for i, w := range ws {
		ids[i] = w.id
	}
	return ids
}

// listAll pages through the listing f selects, limit warnings a page,
// continuing each page by next, and returns the ids seen.
func listAll(t *testing.T, s *sqlstore.Store, f compliance.WarningFilter, limit int,
	next func(f *compliance.WarningFilter, last compliance.Warning)) []int64 {
	t.Helper()
	f.Limit = limit
	var got []int64
	for pages := 0; ; pages++ {
		if pages > 1000 {
			t.Fatalf("paging does not end: %d pages so far, ids %v", pages, got)
		}
		page, err := s.Warnings().ListWarnings(t.Context(), f)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) > limit {
			t.Fatalf("page %d has %d warnings, want at most %d", pages, len(page), limit)
		}
		if len(page) == 0 {
			return got
		}
		got = append(got, warningIDs(page)...)
		next(&f, page[len(page)-1])
	}
}

// byCursor continues a listing with the Cursor of the last warning, as the
// API's cursor does for a list with a time window.
func byCursor(f *compliance.WarningFilter, last compliance.Warning) {
	k := compliance.KeyOf(last)
	f.Cursor = &k
}

// byID continues a listing with the last warning's id.
func byID(f *compliance.WarningFilter, last compliance.Warning) {
	if f.Ascending {
		f.AfterID = last.ID
	} else {
		f.BeforeID = last.ID
	}
}

func TestListWarnings(t *testing.T) {
	sqlstoretest.EachParallel(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := t.Context()
		all := seedWarnings(t, s)

		t.Run("warnings carry what was stored", func(t *testing.T) {
			got, err := s.Warnings().ListWarnings(ctx, compliance.WarningFilter{Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(all) {
				t.Fatalf("ListWarnings returned %d warnings, want %d", len(got), len(all))
			}
			for i, w := range got {
				m := all[i]
				if w.ID != m.id || w.DepartmentCode != m.dept || w.CaseNo != m.caseNo || w.Rule != m.rule ||
					w.Family != m.family || w.Level != m.lvl || w.Status != m.status {
					t.Errorf("warning %d = %+v, want %+v", i, w, m)
				}
				checkUTC(t, "CreatedAt", w.CreatedAt, m.created)
			}
		})

		for _, tc := range listFilterCases {
			t.Run(tc.name, func(t *testing.T) {
				kept := keptBy(all, tc.want)
				// A filter that keeps everything (or nothing, when that is
				// not the point) would prove nothing.
				everything := tc.filter.Departments == nil && !tc.filter.TimeOrdered() && tc.filter.Level == "" && tc.filter.Rule == "" &&
					tc.filter.Family == "" && tc.filter.Status == "" && tc.filter.CaseNo == ""
				if (len(kept) == 0 || len(kept) == len(all)) && !everything && tc.name != "unknown department" {
					t.Fatalf("the seed makes filter %+v select %d of %d warnings: not discriminating", tc.filter, len(kept), len(all))
				}
				want := wantOrder(kept, tc.filter)
				if tc.filter.TimeOrdered() && len(kept) > 1 && slices.Equal(want, wantOrder(kept, compliance.WarningFilter{Ascending: tc.filter.Ascending})) &&
					tc.name != "from and to a millisecond apart" && tc.name != "combined filters" {
					t.Fatalf("filter %+v: recording-time order equals id order here; the case proves nothing about it", tc.filter)
				}
				f := tc.filter
				f.Limit = 100
				got, err := s.Warnings().ListWarnings(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				if g := warningIDs(got); !slices.Equal(g, want) {
					t.Errorf("ListWarnings(%+v) ids = %v, want %v", tc.filter, g, want)
				}
			})
		}

		for _, tc := range listPagingCases {
			t.Run(tc.name, func(t *testing.T) {
				want := wantOrder(keptBy(all, tc.want), tc.filter)
				// Pages of 1, 2 and 3 end inside and between warnings
				// recorded at the same moment.
				for limit := 1; limit <= 3; limit++ {
					if got := listAll(t, s, tc.filter, limit, tc.next); !slices.Equal(got, want) {
						t.Errorf("pages of %d: ids = %v, want %v", limit, got, want)
					}
				}
			})
		}

		t.Run("continuing after a warning that does not exist fails", func(t *testing.T) {
			_, err := s.Warnings().ListWarnings(ctx, compliance.WarningFilter{From: listDay(1), BeforeID: 1 << 40, Limit: 10})
			if !errors.Is(err, compliance.ErrNotFound) {
				t.Errorf("ListWarnings after an unknown warning: %v, want ErrNotFound", err)
			}
		})
	})
}

// listDay is when the steps seedWarnings records on day d were recorded.
func listDay(d int) time.Time { return at(d, 10, 1, 0, 0) }

// ascending is f, oldest first.
func ascending(f compliance.WarningFilter) compliance.WarningFilter { f.Ascending = true; return f }

// recordedIn keeps the warnings recorded from day from to day to.
func recordedIn(from, to int) func(seeded) bool {
	return func(w seeded) bool { return !w.created.Before(listDay(from)) && w.created.Before(listDay(to)) }
}

// keptBy returns the warnings of all that want keeps, in their order.
func keptBy(all []seeded, want func(seeded) bool) []seeded {
	var kept []seeded
	for _, w := range all {
		if want(w) {
			kept = append(kept, w)
		}
	}
	return kept
}

// listFilterCases are the filters TestListWarnings lists with, and the
// seeded warnings each must select.
var listFilterCases = []struct {
	name   string
	filter compliance.WarningFilter
	want   func(seeded) bool
}{
	{"no filter lists all, newest first", compliance.WarningFilter{}, func(seeded) bool { return true }},
	{"oldest first", compliance.WarningFilter{Ascending: true}, func(seeded) bool { return true }},
	{"one department", compliance.WarningFilter{Departments: []string{"WA"}}, func(w seeded) bool { return w.dept == "WA" }},
	{"several departments", compliance.WarningFilter{Departments: []string{"WA", "WC"}}, func(w seeded) bool { return w.dept != "WB" }},
	{"unknown department", compliance.WarningFilter{Departments: []string{"NOPE"}}, func(seeded) bool { return false }},
	{"level", compliance.WarningFilter{Level: "prewarning"}, func(w seeded) bool { return w.lvl == "prewarning" }},
	{"rule", compliance.WarningFilter{Rule: "deadline.overdue"}, func(w seeded) bool { return w.rule == "deadline.overdue" }},
	{"family", compliance.WarningFilter{Family: "deadline"}, func(w seeded) bool { return w.family == "deadline" }},
	{"department and rule", compliance.WarningFilter{Departments: []string{"WA"}, Rule: "deadline.overdue"},
		func(w seeded) bool { return w.dept == "WA" && w.rule == "deadline.overdue" }},
	{"status", compliance.WarningFilter{Status: compliance.WarningExplained}, func(w seeded) bool { return w.status == compliance.WarningExplained }},
	{"case number", compliance.WarningFilter{CaseNo: "WB-1"}, func(w seeded) bool { return w.caseNo == "WB-1" }},
	{"from is inclusive", compliance.WarningFilter{From: listDay(4)}, func(w seeded) bool { return !w.created.Before(listDay(4)) }},
	{"to is exclusive", compliance.WarningFilter{To: listDay(4)}, func(w seeded) bool { return w.created.Before(listDay(4)) }},
	{"from and to, in UTC", compliance.WarningFilter{From: listDay(3).UTC(), To: listDay(6).UTC()}, recordedIn(3, 6)},
	{"from and to, oldest first", ascending(compliance.WarningFilter{From: listDay(3), To: listDay(6)}), recordedIn(3, 6)},
	{"from and to a millisecond apart", compliance.WarningFilter{From: listDay(5), To: listDay(5).Add(time.Millisecond)},
		func(w seeded) bool { return w.created.Equal(listDay(5)) }},
	{"a window holding late-recorded warnings", compliance.WarningFilter{From: listDay(2), To: listDay(5)}, recordedIn(2, 5)},
	{"family in a window", compliance.WarningFilter{Family: "deadline", From: listDay(2), To: listDay(8)},
		func(w seeded) bool { return w.family == "deadline" }},
	{"family in a window, oldest first", ascending(compliance.WarningFilter{Family: "deadline", From: listDay(2), To: listDay(8)}),
		func(w seeded) bool { return w.family == "deadline" }},
	{"department in a window", compliance.WarningFilter{Departments: []string{"WB"}, From: listDay(1)},
		func(w seeded) bool { return w.dept == "WB" }},
	{"rule in a window", compliance.WarningFilter{Rule: "deadline.overdue", To: listDay(7)},
		func(w seeded) bool { return w.rule == "deadline.overdue" && w.created.Before(listDay(7)) }},
	{"department and rule in a window", compliance.WarningFilter{Departments: []string{"WC"}, Rule: "deadline.overdue", From: listDay(1)},
		func(w seeded) bool { return w.dept == "WC" && w.rule == "deadline.overdue" }},
	{"departments in a window, oldest first", ascending(compliance.WarningFilter{Departments: []string{"WB", "WC"}, To: listDay(5)}),
		func(w seeded) bool { return w.dept != "WA" && w.created.Before(listDay(5)) }},
	{"combined filters", compliance.WarningFilter{Departments: []string{"WA", "WB"}, Level: "alarm", Family: "deadline", From: listDay(3)},
		func(w seeded) bool {
			return w.dept != "WC" && w.lvl == "alarm" && w.family == "deadline" && !w.created.Before(listDay(3))
		}},
	{"combined filters with status and case", compliance.WarningFilter{Status: compliance.WarningOpen, CaseNo: "WA-1", Rule: "deadline.overdue"},
		func(w seeded) bool { return w.status == "open" && w.caseNo == "WA-1" && w.rule == "deadline.overdue" }},
}

// listPagingCases are the listings TestListWarnings pages through, with
// how each page is continued.
var listPagingCases = []struct {
	name   string
	filter compliance.WarningFilter
	want   func(seeded) bool
	next   func(*compliance.WarningFilter, compliance.Warning)
}{
	{"paging walks every warning once", compliance.WarningFilter{}, func(seeded) bool { return true }, byID},
	{"paging walks every warning once, oldest first", ascending(compliance.WarningFilter{}), func(seeded) bool { return true }, byID},
	{"paging walks a filtered listing once", compliance.WarningFilter{Departments: []string{"WA", "WB"}, Level: "alarm"},
		func(w seeded) bool { return w.dept != "WC" && w.lvl == "alarm" }, byID},
	{"paging a window by cursor", compliance.WarningFilter{From: listDay(1), To: listDay(8)}, func(seeded) bool { return true }, byCursor},
	{"paging a window by cursor, oldest first", ascending(compliance.WarningFilter{From: listDay(1), To: listDay(8)}), func(seeded) bool { return true }, byCursor},
	{"paging a window by id", compliance.WarningFilter{From: listDay(1)}, func(seeded) bool { return true }, byID},
	{"paging a window by id, oldest first", ascending(compliance.WarningFilter{To: listDay(8)}), func(seeded) bool { return true }, byID},
	{"paging a filtered window by cursor", compliance.WarningFilter{Departments: []string{"WB", "WC"}, From: listDay(2), To: listDay(7)},
		func(w seeded) bool {
			return w.dept != "WA" && !w.created.Before(listDay(2)) && w.created.Before(listDay(7))
		}, byCursor},
}

// EachWarning walks a list with a time window in the list's order, pages
// of any size, from wherever it is told to start.
func TestEachWarningFollowsTimeOrder(t *testing.T) {
	sqlstoretest.EachParallel(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := t.Context()
		all := seedWarnings(t, s)
		for _, f := range []compliance.WarningFilter{
			{From: listDay(2), To: listDay(8)},
			{From: listDay(2), Ascending: true},
			{Family: "deadline", To: listDay(8)},
			{Departments: []string{"WB", "WC"}, From: listDay(1), Ascending: true},
		} {
			list := listAll(t, s, f, 2, byCursor)
			if len(list) < 3 {
				t.Fatalf("filter %+v lists %d warnings: too few to page", f, len(list))
			}
			for _, size := range []int{1, 2, 5, len(all)} {
				var got []int64
				if err := s.Warnings().EachWarning(ctx, f, size, func(w compliance.Warning) error {
					got = append(got, w.ID)
					return nil
				}); err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(got, list) {
					t.Errorf("EachWarning(%+v, %d) = %v, the list %v", f, size, got, list)
				}
			}
			// Told to start after the list's second warning, by its id, it
			// walks the rest.
			from := f
			byID(&from, compliance.Warning{ID: list[1]})
			var rest []int64
			if err := s.Warnings().EachWarning(ctx, from, 3, func(w compliance.Warning) error {
				rest = append(rest, w.ID)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(rest, list[2:]) {
				t.Errorf("EachWarning(%+v) after warning %d = %v, want %v", f, list[1], rest, list[2:])
			}
		}
	})
}
