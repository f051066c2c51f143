package sqlstore_test

import (
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

// seedWarnings stores twelve warnings over three departments, four cases and
// six days, and moves three of them out of the open status.
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
	// The model's order is the wanted one: newest first, by id.
	slices.SortFunc(out, func(a, b seeded) int { return int(b.id - a.id) })
	return out
}

func TestListWarnings(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := t.Context()
		all := seedWarnings(t, s)
		day := func(d int) time.Time { return at(d, 10, 1, 0, 0) } // when the steps of day d were recorded

		t.Run("warnings carry what was stored", func(t *testing.T) {
			got, err := s.ListWarnings(ctx, compliance.WarningFilter{Limit: 100})
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

		for _, tc := range []struct {
			name   string
			filter compliance.WarningFilter
			want   func(seeded) bool
		}{
			{"no filter lists all, newest first", compliance.WarningFilter{}, func(seeded) bool { return true }},
			{"one department", compliance.WarningFilter{Departments: []string{"WA"}}, func(w seeded) bool { return w.dept == "WA" }},
			{"several departments", compliance.WarningFilter{Departments: []string{"WA", "WC"}}, func(w seeded) bool { return w.dept != "WB" }},
			{"unknown department", compliance.WarningFilter{Departments: []string{"NOPE"}}, func(seeded) bool { return false }},
			{"level", compliance.WarningFilter{Level: "prewarning"}, func(w seeded) bool { return w.lvl == "prewarning" }},
			{"rule", compliance.WarningFilter{Rule: "deadline.overdue"}, func(w seeded) bool { return w.rule == "deadline.overdue" }},
			{"family", compliance.WarningFilter{Family: "deadline"}, func(w seeded) bool { return w.family == "deadline" }},
			{"status", compliance.WarningFilter{Status: compliance.WarningExplained}, func(w seeded) bool { return w.status == compliance.WarningExplained }},
			{"case number", compliance.WarningFilter{CaseNo: "WB-1"}, func(w seeded) bool { return w.caseNo == "WB-1" }},
			{"from is inclusive", compliance.WarningFilter{From: day(4)}, func(w seeded) bool { return !w.created.Before(day(4)) }},
			{"to is exclusive", compliance.WarningFilter{To: day(4)}, func(w seeded) bool { return w.created.Before(day(4)) }},
			{"from and to, in UTC", compliance.WarningFilter{From: day(3).UTC(), To: day(6).UTC()},
				func(w seeded) bool { return !w.created.Before(day(3)) && w.created.Before(day(6)) }},
			{"from and to a millisecond apart", compliance.WarningFilter{From: day(5), To: day(5).Add(time.Millisecond)},
				func(w seeded) bool { return w.created.Equal(day(5)) }},
			{"combined filters", compliance.WarningFilter{Departments: []string{"WA", "WB"}, Level: "alarm", Family: "deadline", From: day(3)},
				func(w seeded) bool {
					return w.dept != "WC" && w.lvl == "alarm" && w.family == "deadline" && !w.created.Before(day(3))
				}},
			{"combined filters with status and case", compliance.WarningFilter{Status: compliance.WarningOpen, CaseNo: "WA-1", Rule: "deadline.overdue"},
				func(w seeded) bool { return w.status == "open" && w.caseNo == "WA-1" && w.rule == "deadline.overdue" }},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var want []int64
				for _, w := range all {
					if tc.want(w) {
						want = append(want, w.id)
					}
				}
				// A filter that keeps everything (or nothing, when that is
				// not the point) would prove nothing.
				if (len(want) == 0 || len(want) == len(all)) && tc.name != "no filter lists all, newest first" && tc.name != "unknown department" {
					t.Fatalf("the seed makes filter %+v select %d of %d warnings: not discriminating", tc.filter, len(want), len(all))
				}
				f := tc.filter
				f.Limit = 100
				got, err := s.ListWarnings(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				if g := warningIDs(got); !slices.Equal(g, want) {
					t.Errorf("ListWarnings(%+v) ids = %v, want %v", tc.filter, g, want)
				}
			})
		}

		for _, tc := range []struct {
			name   string
			filter compliance.WarningFilter
			want   func(seeded) bool
		}{
			{"paging walks every warning once", compliance.WarningFilter{}, func(seeded) bool { return true }},
			{"paging walks a filtered listing once", compliance.WarningFilter{Departments: []string{"WA", "WB"}, Level: "alarm"},
				func(w seeded) bool { return w.dept != "WC" && w.lvl == "alarm" }},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var want []int64
				for _, w := range all {
					if tc.want(w) {
						want = append(want, w.id)
					}
				}
				const limit = 3
				var got []int64
				f := tc.filter
				f.Limit = limit
				for pages := 0; ; pages++ {
					if pages > len(all) {
						t.Fatalf("paging does not end: %d pages so far, ids %v", pages, got)
					}
					page, err := s.ListWarnings(ctx, f)
					if err != nil {
						t.Fatal(err)
					}
					if len(page) > limit {
						t.Fatalf("page %d has %d warnings, want at most %d", pages, len(page), limit)
					}
					if len(page) == 0 {
						break
					}
					got = append(got, warningIDs(page)...)
					f.BeforeID = page[len(page)-1].ID
				}
				if !slices.Equal(got, want) {
					t.Errorf("paged ids = %v, want %v", got, want)
				}
			})
		}
	})
}
