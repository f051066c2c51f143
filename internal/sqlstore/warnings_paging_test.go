package sqlstore_test

import (
	"cmp"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"powercheck/internal/compliance"
	"powercheck/internal/sqlstore"
	"powercheck/internal/sqlstore/sqlstoretest"
)

// A list with a time window, paged by cursor while warnings are recorded
// between its pages, some of them with old recording times (as re-checked
// steps store them), never skips or repeats a warning that was there when
// the paging began, and each page continues the order of the one before.
func TestTimeWindowPagingWhileWarningsArrive(t *testing.T) {
	sqlstoretest.EachParallel(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := t.Context()
		mustDepartment(t, s, "WA")
		item := mustItem(t, s, testItem("XK-WA", "WA"))
		var n atomic.Int64 // steps recorded
		record := func(day int) error {
			i := n.Add(1)
			c := fmt.Sprintf("WA-%d", i)
			st := newStep(c+"-a", c, "accept", at(day, 9, int(i%60), 0, int(i%7)))
			rec := newCaseRecord(c, item, st,
				compliance.Finding{Rule: "deadline.overdue", Level: "alarm", Key: "limit", Message: "逾期"},
				compliance.Finding{Rule: "sync.late", Level: "prewarning", Message: "补录"})
			_, err := s.Cases().RecordStep(ctx, rec, respond(rec))
			return err
		}
		for i := range 60 {
			if err := record(2 + i%20); err != nil {
				t.Fatal(err)
			}
		}
		window := compliance.WarningFilter{From: at(5, 0, 0, 0, 0), To: at(18, 0, 0, 0, 0)}
		for _, ascending := range []bool{false, true} {
			t.Run(map[bool]string{false: "newest first", true: "oldest first"}[ascending], func(t *testing.T) {
				f := window
				f.Ascending = ascending
				f.Limit = 1000
				before, err := s.Warnings().ListWarnings(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				// Warnings keep arriving, in and out of the window, with
				// recording times before and after every page's end.
				stop, done := make(chan struct{}), make(chan error, 1)
				go func() {
					for i := 0; ; i++ {
						select {
						case <-stop:
							done <- nil
							return
						default:
						}
						if err := record(1 + i%25); err != nil {
							done <- err
							return
						}
					}
				}()
				// arrival waits until a step is recorded after mark.
				arrival := func(mark int64) {
					for n.Load() == mark {
						select {
						case err := <-done:
							t.Fatalf("the writer stopped: %v", err)
						case <-time.After(100 * time.Microsecond):
						}
					}
				}
				f.Limit = 4
				var got []compliance.Warning
				for pages := 0; ; pages++ {
					if pages > 10000 {
						t.Fatal("paging does not end")
					}
					page, err := s.Warnings().ListWarnings(ctx, f)
					if err != nil {
						t.Fatal(err)
					}
					got = append(got, page...)
					if len(page) < f.Limit {
						break
					}
					byCursor(&f, page[len(page)-1])
					arrival(n.Load())
				}
				close(stop)
				if err := <-done; err != nil {
					t.Fatalf("recording while paging: %v", err)
				}
				seen := map[int64]bool{}
				for i, w := range got {
					if seen[w.ID] {
						t.Fatalf("warning %d listed twice", w.ID)
					}
					seen[w.ID] = true
					if w.CreatedAt.Before(window.From) || !w.CreatedAt.Before(window.To) {
						t.Fatalf("warning %d recorded at %v, outside the window", w.ID, w.CreatedAt)
					}
					if i > 0 {
						c := got[i-1].CreatedAt.Compare(w.CreatedAt)
						if c == 0 {
							c = cmp.Compare(got[i-1].ID, w.ID)
						}
						if (c < 0) != ascending {
							t.Fatalf("warning %d (%v) after %d (%v): out of order", w.ID, w.CreatedAt, got[i-1].ID, got[i-1].CreatedAt)
						}
					}
				}
				for _, w := range before {
					if !seen[w.ID] {
						t.Errorf("warning %d, there when the paging began, was skipped", w.ID)
					}
				}
				if len(got) == len(before) {
					t.Errorf("none of the warnings that arrived in the window while paging was listed; the test proves little")
				}
			})
		}
	})
}

// EachWarning walks a list with a time window in the list's order, pages
// of any size, from wherever it is told to start.
func TestEachWarningFollowsTimeOrder(t *testing.T) {
	sqlstoretest.EachParallel(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := t.Context()
		all := seedWarnings(t, s)
		day := func(d int) time.Time { return at(d, 10, 1, 0, 0) }
		for _, f := range []compliance.WarningFilter{
			{From: day(2), To: day(8)},
			{From: day(2), Ascending: true},
			{Family: "deadline", To: day(8)},
			{Departments: []string{"WB", "WC"}, From: day(1), Ascending: true},
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
