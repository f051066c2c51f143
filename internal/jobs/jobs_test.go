package jobs_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"powercheck/internal/jobs"
)

func TestGroupOrder(t *testing.T) {
	for _, tc := range []struct {
		name  string
		comps []string
		fail  string   // the component whose Start fails
		want  []string // the events, in order; Runs are checked apart
	}{
		{
			name:  "components start in order and stop in reverse",
			comps: []string{"a", "b", "c"},
			want:  []string{"start a", "start b", "start c", "stop c", "stop b", "stop a"},
		},
		{
			name:  "a failed start stops those started before it, in reverse, and runs none",
			comps: []string{"a", "b", "c"},
			fail:  "b",
			want:  []string{"start a", "start b", "stop a"},
		},
		{
			name:  "the first failing start",
			comps: []string{"a", "b"},
			fail:  "a",
			want:  []string{"start a"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev := &events{}
			g, _ := newGroup(t)
			for _, name := range tc.comps {
				c := newComp(name, ev)
				if name == tc.fail {
					c.startErr = errors.New("no such file")
				}
				g.Add(c)
			}
			err := g.Start(context.Background())
			if tc.fail != "" {
				if err == nil || !strings.Contains(err.Error(), "start "+tc.fail) {
					t.Fatalf("Start: %v, want an error naming %q", err, tc.fail)
				}
				if err := stopWithin(t, g, time.Second); err != nil {
					t.Errorf("Stop of a group that did not start: %v", err)
				}
			} else {
				if err != nil {
					t.Fatalf("Start: %v", err)
				}
				if err := stopWithin(t, g, 5*time.Second); err != nil {
					t.Fatalf("Stop: %v", err)
				}
			}
			var got []string
			for _, e := range ev.all() {
				if !strings.HasPrefix(e, "returned ") {
					got = append(got, e)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("events %q, want %q", got, tc.want)
			}
			for _, name := range tc.comps {
				want := 1
				if tc.fail != "" {
					want = 0
				}
				if got := ev.count("returned " + name); got != want {
					t.Errorf("%s ran and returned %d times, want %d", name, got, want)
				}
			}
		})
	}
}

// TestGroupStopJoins: once Stop returns, every Run returned, and the
// Finishers ran after the last of them, in the reverse order.
func TestGroupStopJoins(t *testing.T) {
	ev := &events{}
	g, _ := newGroup(t)
	slow := newComp("slow", ev)
	slow.run = func(context.Context) error {
		<-slow.stop
		time.Sleep(50 * time.Millisecond) // the work in hand finishes
		ev.add("slow done")
		return nil
	}
	g.Add(finisher{newComp("first", ev)}, slow, finisher{newComp("last", ev)})
	if err := g.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := stopWithin(t, g, 5*time.Second); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	got := ev.all()
	for _, name := range []string{"first", "slow", "last"} {
		if ev.count("returned "+name) != 1 {
			t.Errorf("%s did not return before Stop did: %q", name, got)
		}
	}
	finishFirst, finishLast := ev.index("finish first"), ev.index("finish last")
	if finishLast < 0 || finishFirst < finishLast {
		t.Errorf("finish last at %d, finish first at %d, want last's first: %q", finishLast, finishFirst, got)
	}
	for _, e := range []string{"slow done", "returned first", "returned slow", "returned last"} {
		if i := ev.index(e); i > finishLast {
			t.Errorf("%q at %d, after a Finish at %d: %q", e, i, finishLast, got)
		}
	}
	if ev.count("slow done") != 1 {
		t.Errorf("the work in hand was not let finish: %q", got)
	}
}

// TestGroupCutsAtTheDeadline: a job still running when the drain time is up
// is cut, and the job that runs at stop runs after it returned.
func TestGroupCutsAtTheDeadline(t *testing.T) {
	ev := &events{}
	g, logs := newGroup(t)
	started := make(chan struct{})
	var once sync.Once
	g.Add(
		jobs.Every("stuck", 5*time.Millisecond, func(ctx context.Context) error {
			once.Do(func() { close(started) })
			<-ctx.Done() // a job that finishes only when cut
			ev.add("cut")
			return ctx.Err()
		}),
		jobs.Every("checkpoint", time.Hour, func(ctx context.Context) error {
			if ctx.Err() != nil {
				ev.add("checkpoint with a dead context")
			}
			ev.add("checkpoint")
			return nil
		}, jobs.AtStop()),
	)
	if err := g.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	<-started
	if err := stopWithin(t, g, 100*time.Millisecond); err != nil {
		t.Fatalf("Stop: %v, want nil (a cut job is no failure)", err)
	}
	if got, want := ev.all(), []string{"cut", "checkpoint"}; !slices.Equal(got, want) {
		t.Errorf("events %q, want %q", got, want)
	}
	if l := logs.String(); !strings.Contains(l, "drain time was up; cut") || !strings.Contains(l, "running=[stuck]") {
		t.Errorf("the cut is not logged with the job's name:\n%s", l)
	}
	if l := logs.String(); strings.Contains(l, "background job failed") {
		t.Errorf("a job cut short is logged as failed:\n%s", l)
	}
}

// TestGroupGivesUpOnAJobThatIgnoresTheCut: Stop returns after the cut grace
// even when a job does not return, and the at-stop jobs still run.
func TestGroupGivesUpOnAJobThatIgnoresTheCut(t *testing.T) {
	ev := &events{}
	g, logs := newGroup(t, jobs.WithCutGrace(50*time.Millisecond))
	release := make(chan struct{})
	defer close(release)
	deaf := newComp("deaf", ev)
	deaf.run = func(context.Context) error {
		<-release
		return nil
	}
	g.Add(deaf, finisher{newComp("last", ev)})
	if err := g.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := stopWithin(t, g, 50*time.Millisecond); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if ev.count("finish last") != 1 {
		t.Errorf("the at-stop job did not run: %q", ev.all())
	}
	if l := logs.String(); !strings.Contains(l, "still running after they were cut") {
		t.Errorf("giving up is not logged:\n%s", l)
	}
}

// TestGroupFailure: a component whose Run fails (or panics) ends Done, the
// others are cut, and Stop returns the error naming it.
func TestGroupFailure(t *testing.T) {
	for _, tc := range []struct {
		name string
		run  func(context.Context) error
		want string
	}{
		{"an error", func(context.Context) error { return errors.New("address already in use") }, "http: address already in use"},
		{"a panic", func(context.Context) error { panic("boom") }, "http: panic: boom"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev := &events{}
			g, _ := newGroup(t)
			other := newComp("other", ev)
			other.run = func(ctx context.Context) error {
				<-ctx.Done()
				ev.add("other cut")
				return nil
			}
			failing := newComp("http", ev)
			failing.run = tc.run
			g.Add(other, failing)
			if err := g.Start(context.Background()); err != nil {
				t.Fatal(err)
			}
			select {
			case <-g.Done():
			case <-time.After(10 * time.Second):
				t.Fatal("Done not closed after a component failed")
			}
			err := stopWithin(t, g, 5*time.Second)
			if err == nil || err.Error() != tc.want {
				t.Errorf("Stop: %v, want %q", err, tc.want)
			}
			if ev.count("other cut") != 1 {
				t.Errorf("the other component was not cut: %q", ev.all())
			}
		})
	}
}
