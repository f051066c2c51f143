//go:build chaos

package chaos_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"testing"
	"time"

	mysqldrv "github.com/go-sql-driver/mysql"
)

// Node kill: two nodes on one MySQL database under load, both
// sweeping; one is killed (SIGKILL). The other goes on, no acknowledged step
// is lost, no warning is stored twice, and sweeps go on.
// It is one timeline (load, kill, recovery, count), so it stays whole.
func TestNodeKill(t *testing.T) {
	const (
		warmup     = 6 * time.Second
		afterwards = 6 * time.Second
		sweepEvery = "2s"
	)
	db := startMariaDB(t)
	dsn := db.createDatabase("powercheck")
	a := startNode(t, "node-a", dsn, "--sweep-interval", sweepEvery, "--policy-poll", "1s")
	d := setupDistrict(t, a)
	b := startNode(t, "node-b", dsn, "--sweep-interval", sweepEvery, "--policy-poll", "1s")
	check := db.open("powercheck")
	defer check.Close()

	// Steps go to both nodes in turn; a step that gets no 2xx is sent again
	// to the other node, as a load balancer would; worker 0 sends each of
	// its steps to both nodes at once.
	load := newStepLoad("ZJJ-NK", d.clerk, a, b)
	load.retry = 50 * time.Millisecond
	load.twice = true
	loadCtx, stopLoad := context.WithCancel(context.Background())
	waitLoad := load.run(loadCtx, 4)
	// Time passes quickly: every second the open cases come due, so that
	// both nodes' sweepers race for them while steps are stored.
	clockCtx, stopClock := context.WithCancel(context.Background())
	clockDone := make(chan struct{})
	var madeDue int64
	go func() {
		defer close(clockDone)
		for clockCtx.Err() == nil {
			madeDue += dueNow(t, check)
			time.Sleep(time.Second)
		}
	}()

	time.Sleep(warmup)
	killAt := time.Now()
	b.kill()
	killedAt := time.Now()
	time.Sleep(afterwards)
	stopLoad()
	waitLoad()
	stopClock()
	<-clockDone

	// The survivor sweeps on request and on its own interval.
	dueNow(t, check)
	sweep := a.must(200, "POST", "/api/v1/sweeps", adminToken, nil)
	var counts struct {
		Due     int `json:"due"`
		Checked int `json:"checked"`
		Failed  int `json:"failed"`
	}
	_ = json.Unmarshal(sweep.Body, &counts)
	if counts.Failed > 0 {
		t.Errorf("sweep on the survivor: %s", sweep.Body)
	}
	var ticked int
	if err := check.QueryRow("SELECT COUNT(*) FROM cases WHERE case_no LIKE 'ZJJ-NK-%' AND last_tick_at > ?",
		killedAt.UTC()).Scan(&ticked); err != nil {
		t.Fatal(err)
	}
	var sweepsAfter int
	if err := check.QueryRow("SELECT COUNT(*) FROM audit_log WHERE action = 'SYSTEM sweep' AND logged_at > ?", killedAt.UTC()).Scan(&sweepsAfter); err != nil {
		t.Logf("count sweeps in the audit log: %v", err)
		sweepsAfter = -1
	}

	var (
		onA, onAFailed, onB, bFailed int
		aFailures                    []string
	)
	for _, r := range load.journal.all() {
		switch r.Node {
		case a.name:
			onA++
			if !r.ok() {
				onAFailed++
				aFailures = append(aFailures, r.String())
			}
		case b.name:
			onB++
			if !r.ok() {
				bFailed++
			}
		}
	}
	g := load.reconcile(t, check)
	warnings := checkWarnings(t, check, load.prefix)
	t.Logf("RESULT node kill: acked=%d stored=%d duplicates=%d lost=%d unacked_stored=%d replays_200=%d warnings=%d "+
		"requests to a=%d (failed %d), to b=%d (failed %d, after its kill at %s); sweep after kill: %s; cases ticked after kill=%d; sweeps audited after kill=%d; due cases made=%d",
		g.acked, g.stored, g.duplicates, len(g.lost), len(g.unacked), load.replays, warnings,
		onA, onAFailed, onB, bFailed, killAt.Format("15:04:05.000"), sweep.Body, ticked, sweepsAfter, madeDue)
	if len(aFailures) > 0 {
		t.Errorf("the survivor failed %d requests: %s", len(aFailures), first(aFailures, 5))
	}
	g.check(t, load)
	if ticked == 0 || counts.Checked == 0 || sweepsAfter == 0 {
		t.Errorf("after the kill: %d cases ticked, %d checked by POST /api/v1/sweeps, %d sweeps audited; want some of each", ticked, counts.Checked, sweepsAfter)
	}
	if panics := a.logLines("panic"); panics > 0 {
		t.Errorf("the survivor logged %d panics", panics)
	}
}

// dueNow makes every open case of the load due for the sweeper, as the
// passing of time would, and returns how many it changed.
// The update takes many cases at once, as the steps' group transactions
// do: MySQL may roll it back to break a deadlock, and it is run again.
func dueNow(t testing.TB, db *sql.DB) int64 {
	var res sql.Result
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		res, err = db.Exec("UPDATE cases SET next_check_at = ? WHERE case_no LIKE 'ZJJ-NK-%' AND status = 'open'",
			time.Now().UTC().Add(-time.Second))
		var me *mysqldrv.MySQLError
		if !errors.As(err, &me) || me.Number != 1213 {
			break
		}
	}
	if err != nil {
		t.Errorf("make cases due: %v", err)
		return 0
	}
	n, _ := res.RowsAffected()
	return n
}
