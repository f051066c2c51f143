package sqlstore_test

import (
	"cmp"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"powercheck/internal/compliance"
	"powercheck/internal/sqlstore"
	"powercheck/internal/sqlstore/sqlstoretest"
)

func TestWarningDedupe(t *testing.T) {
	sqlstoretest.EachParallel(t, func(t *testing.T, s *sqlstore.Store) {
		item := mustZJJItem(t, s)

		keyed := compliance.Finding{Rule: "deadline.overdue", Level: compliance.LevelAlarm, Message: "已超过办理时限", Key: "time_limit"}
		unkeyed := compliance.Finding{Rule: "sequence.repeated", Level: compliance.LevelPrewarning, Message: "环节重复"}
		rec1 := newCaseRecord("C-1", item, newStep("C-1-s1", "C-1", "accept", at(2, 9, 0, 0, 0)), keyed, unkeyed, keyed)
		res1 := mustRecord(t, s, rec1)
		c := rec1.Case

		t.Run("the same finding twice in one step is one warning", func(t *testing.T) {
			if got, want := countRows(t, s, "warnings"), int64(2); got != want {
				t.Errorf("warnings rows = %d, want %d", got, want)
			}
			if len(res1.Warnings) != 2 || res1.Warnings[0].Rule != keyed.Rule || res1.Warnings[1].Rule != unkeyed.Rule {
				t.Errorf("result warnings = %+v, want %s then %s", res1.Warnings, keyed.Rule, unkeyed.Rule)
			}
		})

		t.Run("a keyed finding on another step of the case is the existing warning", func(t *testing.T) {
			before := countRows(t, s, "warnings")
			res := mustRecord(t, s, nextRecord(c, newStep("C-1-s2", "C-1", "review", at(3, 9, 0, 0, 0)), keyed, unkeyed))
			if got, want := countRows(t, s, "warnings")-before, int64(1); got != want {
				t.Errorf("new warnings rows = %d, want %d (the unkeyed finding only)", got, want)
			}
			if len(res.Warnings) != 2 {
				t.Fatalf("result has %d warnings, want 2: %+v", len(res.Warnings), res.Warnings)
			}
			if got, want := res.Warnings[0], res1.Warnings[0]; !reflect.DeepEqual(got, want) {
				t.Errorf("keyed warning = %+v, want the existing %+v", got, want)
			}
			if got := res.Warnings[1]; got.ID == res1.Warnings[1].ID || got.StepID != "C-1-s2" || got.Rule != unkeyed.Rule {
				t.Errorf("unkeyed warning = %+v, want a new warning of step C-1-s2 (not id %d)", got, res1.Warnings[1].ID)
			}
		})

		t.Run("re-recording the same findings adds nothing", func(t *testing.T) {
			r := nextRecord(c, newStep("C-1-s2b", "C-1", "review", at(3, 10, 0, 0, 0)), keyed)
			before := countRows(t, s, "warnings")
			res := mustRecord(t, s, r)
			if got := countRows(t, s, "warnings"); got != before {
				t.Errorf("warnings rows = %d, want %d", got, before)
			}
			if got, want := warningIDs(res.Warnings), []int64{res1.Warnings[0].ID}; !slices.Equal(got, want) {
				t.Errorf("result warning ids = %v, want %v", got, want)
			}
		})

		t.Run("prewarning then alarm on the same rule and key are two warnings", func(t *testing.T) {
			checkPrewarningThenAlarm(t, s, c)
		})

		t.Run("concurrent steps of one case store a keyed warning once", func(t *testing.T) {
			checkConcurrentKeyed(t, s, item, keyed)
		})

		t.Run("the same keyed finding on another case is a new warning", func(t *testing.T) {
			before := countRows(t, s, "warnings")
			res := mustRecord(t, s, newCaseRecord("C-2", item, newStep("C-2-s1", "C-2", "accept", at(2, 9, 0, 0, 0)), keyed))
			if got, want := countRows(t, s, "warnings")-before, int64(1); got != want {
				t.Errorf("new warnings rows = %d, want %d", got, want)
			}
			if len(res.Warnings) != 1 || res.Warnings[0].ID == res1.Warnings[0].ID || res.Warnings[0].CaseNo != "C-2" {
				t.Errorf("result = %+v, want a new warning of case C-2", res.Warnings)
			}
		})
	})
}

// checkPrewarningThenAlarm records a prewarning on case c, then the same
// prewarning with an alarm of the same rule and key, and wants two warnings.
func checkPrewarningThenAlarm(t *testing.T, s *sqlstore.Store, c compliance.Case) {
	pre := compliance.Finding{Rule: "deadline.step_limit", Level: compliance.LevelPrewarning, Message: "审查环节即将超时", Key: "review"}
	alarm := compliance.Finding{Rule: "deadline.step_limit", Level: compliance.LevelAlarm, Message: "审查环节已超时", Key: "review"}
	before := countRows(t, s, "warnings")
	r1 := mustRecord(t, s, nextRecord(c, newStep("C-1-s3", "C-1", "review", at(4, 9, 0, 0, 0)), pre))
	r2 := mustRecord(t, s, nextRecord(c, newStep("C-1-s4", "C-1", "review", at(5, 9, 0, 0, 0)), pre, alarm))
	if got, want := countRows(t, s, "warnings")-before, int64(2); got != want {
		t.Errorf("new warnings rows = %d, want %d", got, want)
	}
	if len(r1.Warnings) != 1 || len(r2.Warnings) != 2 {
		t.Fatalf("results have %d and %d warnings, want 1 and 2", len(r1.Warnings), len(r2.Warnings))
	}
	if r2.Warnings[0].ID != r1.Warnings[0].ID || r2.Warnings[1].ID == r1.Warnings[0].ID || r2.Warnings[1].Level != compliance.LevelAlarm {
		t.Errorf("second result = %+v, want the existing prewarning %d and a new alarm", r2.Warnings, r1.Warnings[0].ID)
	}
}

// checkConcurrentKeyed records eight steps of a new case C-3 at once, each
// with the keyed finding, and wants one warning that every result lists.
func checkConcurrentKeyed(t *testing.T, s *sqlstore.Store, item compliance.PowerItem, keyed compliance.Finding) {
	ctx := t.Context()
	c := newCaseRecord("C-3", item, newStep("C-3-s0", "C-3", "accept", at(2, 9, 0, 0, 0)))
	mustRecord(t, s, c)
	const n = 8
	var wg sync.WaitGroup
	results := make([]compliance.StepResult, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			// As the service does: a step that finds the case
			// changed reads it again and retries.
			for {
				cur, err := s.Cases().Case(ctx, "C-3")
				if err != nil {
					errs[i] = err
					return
				}
				r := nextRecord(cur, newStep(fmt.Sprintf("C-3-s%d", i+1), "C-3", "review", at(3, 9, 0, 0, 0)), keyed)
				results[i], errs[i] = s.Cases().RecordStep(ctx, r, respond(r))
				if !errors.Is(errs[i], compliance.ErrCaseChanged) {
					return
				}
			}
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("RecordStep in goroutine %d: %v", i, err)
		}
	}
	ws, err := s.Warnings().ListWarnings(ctx, compliance.WarningFilter{CaseNo: "C-3"})
	if err != nil {
		t.Fatal(err)
	}
	if len(ws) != 1 {
		t.Fatalf("case C-3 has %d warnings, want 1: %+v", len(ws), ws)
	}
	for i, res := range results {
		if got, want := warningIDs(res.Warnings), []int64{ws[0].ID}; !slices.Equal(got, want) {
			t.Errorf("goroutine %d: result warning ids = %v, want %v", i, got, want)
		}
	}
}

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
				got := pageWhileRecording(t, s, f, &n, record)
				checkPagedWindow(t, got, before, window, ascending)
			})
		}
	})
}

// pageWhileRecording pages through f, four warnings a page, while record
// keeps storing steps (n counts them) on days 1 to 25, waiting for a step
// to be stored before each next page; it returns the warnings listed.
func pageWhileRecording(t *testing.T, s *sqlstore.Store, f compliance.WarningFilter, n *atomic.Int64, record func(day int) error) []compliance.Warning {
	t.Helper()
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
		page, err := s.Warnings().ListWarnings(t.Context(), f)
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
	return got
}

// checkPagedWindow holds the warnings got by paging to the window, once
// each and in order, and to every warning of before, listed when the
// paging began.
func checkPagedWindow(t *testing.T, got, before []compliance.Warning, window compliance.WarningFilter, ascending bool) {
	t.Helper()
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
}
