package sqlstore

import (
	"slices"
	"sync"
	"testing"
	"time"
)

// TestGroupQueueSpread: while a group commits, another group starts only
// when more than spread jobs wait for each group in progress; with none in
// progress a job starts one at once; spread 0 starts one for any job.
func TestGroupQueueSpread(t *testing.T) {
	cases := []struct {
		name   string
		spread int
		queued int     // jobs added while the first group is held
		want   [][]int // the groups committed, in the order they started
	}{
		// 2 waiting for one group: not more than 2, they wait for it.
		{"two wait behind one group", 2, 2, [][]int{{0}, {1, 2}}},
		// The third waiting is more than 2: a second group takes the three.
		{"three start a second group", 2, 3, [][]int{{0}, {1, 2, 3}}},
		// Spread 0: each job starts a group while fewer than max run.
		{"no spread", 0, 2, [][]int{{0}, {1}, {2}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var (
				mu      sync.Mutex
				started [][]int
			)
			release := make(chan struct{})
			first := make(chan struct{})
			done := make(chan struct{}, 16)
			q := &groupQueue[int]{max: 4, spread: c.spread}
			q.commit = func(group []int) {
				mu.Lock()
				started = append(started, slices.Clone(group))
				held := len(started) == 1
				mu.Unlock()
				if held {
					close(first)
					<-release
				}
				for range group {
					done <- struct{}{}
				}
			}
			runningNow := func() int {
				q.mu.Lock()
				defer q.mu.Unlock()
				return q.running
			}
			q.add(0)
			<-first
			for j := 1; j <= c.queued; j++ {
				q.add(j)
				// Let a group that the job started take it before the next
				// job comes, as jobs arriving apart would be.
				waitUntil(t, func() bool { return q.waiting() == 0 || runningNow() == 1 })
			}
			mu.Lock()
			running := len(started)
			mu.Unlock()
			close(release)
			for range c.queued + 1 {
				select {
				case <-done:
				case <-time.After(10 * time.Second):
					t.Fatal("a job was never committed")
				}
			}
			mu.Lock()
			defer mu.Unlock()
			if !slices.EqualFunc(started, c.want, slices.Equal) {
				t.Fatalf("groups %v (%d started while the first was held), want %v", started, running, c.want)
			}
		})
	}
}

// waitUntil polls cond for up to 10 s.
func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 10 s")
		}
		time.Sleep(time.Millisecond)
	}
}

// TestGroupQueueStall: a job left waiting behind a group that is held up
// starts a group of its own after stall, and is committed while the first
// group is still held.
func TestGroupQueueStall(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	first := make(chan struct{})
	committed := make(chan int, 4)
	q := &groupQueue[int]{max: 4, spread: 6, stall: 20 * time.Millisecond}
	q.commit = func(group []int) {
		if group[0] == 0 {
			close(first)
			<-release
			return
		}
		for _, j := range group {
			committed <- j
		}
	}
	q.add(0)
	<-first
	start := time.Now()
	q.add(1)
	select {
	case j := <-committed:
		if j != 1 {
			t.Fatalf("committed job %d, want 1", j)
		}
		if waited := time.Since(start); waited < 20*time.Millisecond {
			t.Fatalf("job 1 committed after %v, before its stall of 20ms: it should have waited for the group in progress", waited)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("job 1 still waits behind the held group after 10 s")
	}
}
