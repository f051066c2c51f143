package sqlstore

import (
	"errors"
	"sync"
	"time"

	"powercheck/internal/compliance"
)

// groupTimeout bounds what a writer does with one group: its
// transaction and, when that fails as a whole and the group is split, the
// transactions of its jobs one by one, which share one more groupTimeout:
// a database that hangs holds a job for two timeouts, not one for each job
// ahead of it. A group's jobs are no longer their callers' to cancel: a
// group is not given up because one of its callers went away.
const groupTimeout = 30 * time.Second

// errNotTried answers a job of a split group whose turn came after the
// split's deadline: nothing of it was written, so it may be sent again.
var errNotTried = &compliance.Error{Class: compliance.ClassUnavailable, Code: "database_unavailable",
	Message: "数据库暂时不可用，未作任何更改，请稍后重试",
	Err:     errors.New("group commit: the failed group's split ran out of time before this job was tried")}

// groupQueue hands what is queued to commit in groups (group commit): the
// jobs that arrive while a group commits wait, and the next call of commit
// takes all of them, up to maxGroup. At most max groups are committed at
// once, and another group starts only when more than spread jobs wait for
// each group being committed: a job that arrives while groups commit
// waits to join the next one rather than open a group of its own, so that
// under load the groups grow and the commits (and their flushes) are fewer.
// With no group in progress a job starts one at once, and a job left
// waiting longer than stall (a group held up by a lock or a slow database)
// starts one of its own while fewer than max run. The goroutines that
// commit run while there is work and end when the queue is empty, so there
// is nothing to start or stop.
type groupQueue[J any] struct {
	commit func(group []J)
	// linger, when set, runs before a group is taken from a queue that
	// holds jobs: it may wait for another writer to take them (see take).
	linger func()

	mu      sync.Mutex
	queue   []J
	running int           // groups being committed
	max     int           // groups committed at once
	spread  int           // jobs waiting per group being committed before another starts; 0: any
	stall   time.Duration // with spread: how long a job waits for groups in progress at most
	armed   bool          // a stall check is due
}

// add queues j; commit is called with it soon after.
func (q *groupQueue[J]) add(j J) {
	q.mu.Lock()
	q.queue = append(q.queue, j)
	switch {
	case q.running >= q.max:
	case q.running == 0 || len(q.queue) > q.running*q.spread:
		q.running++
		go q.run()
	case !q.armed && q.stall > 0:
		q.armed = true
		time.AfterFunc(q.stall, q.unstall)
	}
	q.mu.Unlock()
}

// unstall starts a group for the jobs still waiting, stall after one was
// left to wait, while fewer than max groups are committed.
func (q *groupQueue[J]) unstall() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.armed = false
	if len(q.queue) > 0 && q.running < q.max {
		q.running++
		go q.run()
	}
}

// run commits what is queued, a group at a time, until the queue is empty.
func (q *groupQueue[J]) run() {
	for {
		if q.linger != nil {
			q.linger()
		}
		q.mu.Lock()
		n := min(len(q.queue), maxGroup)
		if n == 0 {
			q.running--
			q.queue = nil
			q.mu.Unlock()
			return
		}
		group := make([]J, n)
		copy(group, q.queue)
		q.queue = q.queue[n:]
		q.mu.Unlock()
		q.commit(group)
	}
}

// take removes up to n of the jobs waiting, oldest first, for another
// writer to commit in its own transaction; nil when none wait.
func (q *groupQueue[J]) take(n int) []J {
	q.mu.Lock()
	defer q.mu.Unlock()
	n = min(n, len(q.queue))
	if n == 0 {
		return nil
	}
	jobs := make([]J, n)
	copy(jobs, q.queue)
	q.queue = q.queue[n:]
	return jobs
}

// busy tells whether a group is being committed now.
func (q *groupQueue[J]) busy() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.running > 0
}

// waiting is how many jobs wait for a group now.
func (q *groupQueue[J]) waiting() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.queue)
}

// limit sets how many groups are committed at once.
func (q *groupQueue[J]) limit(n int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.max = n
}
