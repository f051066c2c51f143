package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"powercheck/internal/apitest"
	"powercheck/internal/compliance"
	"powercheck/internal/sqlstore"
	"powercheck/internal/sqlstore/sqlstoretest"
)

// call is do for goroutines other than the test's: it reports a transport
// error instead of failing the test.
func (s *server) call(method, path, token string, body any) (apitest.Response, error) {
	raw, err := json.Marshal(body)
	if err != nil {
		return apitest.Response{}, err
	}
	req, err := http.NewRequest(method, s.Base+path, bytes.NewReader(raw))
	if err != nil {
		return apitest.Response{}, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return apitest.Response{}, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return apitest.Response{Status: res.StatusCode, Body: b}, err
}

// familyModule is a policy module of its own family whose rule never fires.
func familyModule(family string) map[string]string {
	return map[string]string{"source": `package compliance.` + family + `

# METADATA
# title: 测试规则 ` + family + `
# description: 用于验证多节点发布的测试规则。
# custom:
#   level: prewarning
#   basis: 测试
warnings contains {"rule": "` + family + `.never", "level": "prewarning", "message": "从不触发", "basis": "测试"} if {
	input.event == "never"
}
`}
}

// newestModules reads the modules of the newest stored revision.
func newestModules(t *testing.T, dsn string) (int64, []string) {
	t.Helper()
	st := sqlstoretest.Open(t, dsn)
	rev, err := st.Revisions().LatestRevision(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range rev.Modules {
		names = append(names, m.Name)
	}
	return rev.ID, names
}

// A node whose active revision is stale publishes over the newest stored
// revision, so that it never drops a module another node published.
func TestStaleNodePublishKeepsOtherNodesModules(t *testing.T) {
	sqlstoretest.EachDSNParallel(t, func(t *testing.T, dsn string) {
		a := startServer(t, dsn, "--policy-poll", "1h")
		tok := a.SetupDistrict(t)
		b := startServer(t, dsn, "--policy-poll", "1h") // stays on revision 1
		legal := tok[apitest.LegalToken]

		a.Must(200, "PUT", "/api/v1/policies/xmod", legal, familyModule("xmod"))
		a.Must(201, "POST", "/api/v1/policies/publish", legal, nil)

		b.Must(200, "PUT", "/api/v1/policies/ymod", legal, familyModule("ymod"))
		r := b.Do("POST", "/api/v1/policies/publish", legal, nil)
		rev, names := newestModules(t, dsn)
		switch {
		case r.Status == http.StatusCreated:
			if !slices.Contains(names, "xmod") || !slices.Contains(names, "ymod") {
				t.Errorf("newest revision %d holds %v: want both xmod (published on node A) and ymod (on node B)", rev, names)
			}
			var got struct{ Revision int64 }
			r.Decode(t, &got)
			if got.Revision != rev {
				t.Errorf("node B published revision %d, newest stored is %d", got.Revision, rev)
			}
		case r.Status == http.StatusConflict:
			if !slices.Contains(names, "xmod") {
				t.Errorf("newest revision %d holds %v: xmod lost", rev, names)
			}
		default:
			t.Fatalf("publish on node B: %d %s", r.Status, r.Body)
		}

		t.Run("a rollback on the stale node is made over the newest revision", func(t *testing.T) {
			// Node B is now on the newest revision; node A is behind it.
			got := newRevision(t, a, legal, "rollback", map[string]int64{"revision": 1})
			if id, names := newestModules(t, dsn); id != got.Revision || slices.Contains(names, "xmod") || slices.Contains(names, "ymod") {
				t.Errorf("after rollback to 1: newest revision %d holds %v, answer %+v", id, names, got)
			}
			if !slices.Contains(got.Changes.Removed, "ymod") {
				t.Errorf("rollback changes %+v: want ymod removed (from the newest revision, not node A's stale one)", got.Changes)
			}
		})
	})
}

// Publishes racing through two nodes never lose a module: each either
// lands on the newest revision or is refused with 409 and tried again.
func TestConcurrentPublishesLoseNoModule(t *testing.T) {
	sqlstoretest.EachDSNParallel(t, func(t *testing.T, dsn string) {
		a := startServer(t, dsn, "--policy-poll", "1h")
		tok := a.SetupDistrict(t)
		b := startServer(t, dsn, "--policy-poll", "1h")
		legal := tok[apitest.LegalToken]
		nodes := []*server{a, b}

		const n = 4
		var wg sync.WaitGroup
		errs := make(chan error, n)
		conflicts := make(chan string, 100)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				draftAndPublish(nodes[i%2], legal, fmt.Sprintf("race%d", i), i, errs, conflicts)
			}()
		}
		wg.Wait()
		close(errs)
		close(conflicts)
		for err := range errs {
			t.Error(err)
		}
		refused := 0
		for c := range conflicts {
			refused++
			if !strings.Contains(c, "policy_revision_conflict") {
				t.Errorf("conflict answered %q, want code policy_revision_conflict", c)
			}
		}
		t.Logf("%d publishes refused with 409 and tried again", refused)

		// Every revision holds every module of the one before it: no
		// publish built on a revision that was no longer the newest.
		st := sqlstoretest.Open(t, dsn)
		revs, err := st.Revisions().ListRevisions(context.Background(), 100)
		if err != nil {
			t.Fatal(err)
		}
		var prev []string
		for _, r := range slices.Backward(revs) {
			full, err := st.Revisions().Revision(context.Background(), r.ID)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, m := range full.Modules {
				names = append(names, m.Name)
			}
			for _, m := range prev {
				if !slices.Contains(names, m) {
					t.Errorf("revision %d dropped module %s of the revision before it", r.ID, m)
				}
			}
			prev = names
		}
		for i := range n {
			if m := fmt.Sprintf("race%d", i); !slices.Contains(prev, m) {
				t.Errorf("newest revision lacks %s", m)
			}
		}
	})
}

// draftAndPublish drafts module through s and publishes it, trying again
// after each 409 (sent to conflicts) up to 30 times; the i-th racer waits
// 10+7i ms between tries. Failures go to errs.
func draftAndPublish(s *server, legal, module string, i int, errs chan<- error, conflicts chan<- string) {
	if r, err := s.call("PUT", "/api/v1/policies/"+module, legal, familyModule(module)); err != nil || r.Status != 200 {
		errs <- fmt.Errorf("draft %s: %v %d %s", module, err, r.Status, r.Body)
		return
	}
	for try := 0; try < 30; try++ {
		r, err := s.call("POST", "/api/v1/policies/publish", legal, map[string]string{"note": module})
		if err != nil {
			errs <- err
			return
		}
		var e struct {
			Error struct{ Code, Message string }
		}
		_ = json.Unmarshal(r.Body, &e)
		switch {
		case r.Status == http.StatusCreated, e.Error.Code == "nothing_to_publish":
			return // published, by this call or by one that took the draft along
		case r.Status == http.StatusConflict:
			conflicts <- e.Error.Code + " " + e.Error.Message
			time.Sleep(time.Duration(10+i*7) * time.Millisecond)
		default:
			errs <- fmt.Errorf("publish %s: %d %s", module, r.Status, r.Body)
			return
		}
	}
	errs <- fmt.Errorf("publish %s: still refused after 30 tries", module)
}

// Changes to one account through two nodes take turns across the nodes, so
// that each audit entry starts from the state the one before left.
func TestAuditOrderAcrossNodes(t *testing.T) {
	sqlstoretest.EachDSNParallel(t, func(t *testing.T, dsn string) {
		a := startServer(t, dsn)
		a.SetupDistrict(t)
		b := startServer(t, dsn)
		nodes := []*server{a, b}
		users := []string{"zjj-clerk", "scj-clerk"}

		const workers, each = 8, 12
		var wg sync.WaitGroup
		errs := make(chan error, workers*each)
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					s, u := nodes[(w+i)%2], users[w%2]
					r, err := s.call("PATCH", "/api/v1/accounts/"+u, apitest.AdminToken, map[string]string{"real_name": fmt.Sprintf("测试%d-%d", w, i)})
					if err != nil || r.Status != 200 {
						errs <- fmt.Errorf("patch %s: %v %d %s", u, err, r.Status, r.Body)
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		var v compliance.AuditVerdict
		a.Must(200, "GET", "/api/v1/audit/verify", apitest.AdminToken, nil).Decode(t, &v)
		if !v.OK || len(v.Problems) > 0 {
			t.Errorf("audit verify: ok %v, %d problems: %v", v.OK, len(v.Problems), v.Problems)
		}
	})
}

// A change whose object another node holds for longer than
// --audit-lock-wait is refused with 503 and changes nothing.
func TestAuditLockWaitIsBounded(t *testing.T) {
	sqlstoretest.EachDSN(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := startServer(t, dsn, "--audit-lock-wait", "300ms")
		s.SetupDistrict(t)
		st := sqlstoretest.Open(t, dsn)
		other, err := sqlstore.NewSubjectLocks(ctx, st) // as another node would
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close()
		release, err := other.Lock(ctx, []string{"account:zjj-clerk"}, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		realName := func() string {
			var n string
			if err := st.DB().Raw("SELECT real_name FROM accounts WHERE username = ?", "zjj-clerk").Scan(&n).Error; err != nil {
				t.Fatal(err)
			}
			return n
		}
		was := realName()

		start := time.Now()
		r := s.Do("PATCH", "/api/v1/accounts/zjj-clerk", apitest.AdminToken, map[string]string{"real_name": "等待超时"})
		took := time.Since(start)
		if r.Status != http.StatusServiceUnavailable || r.ErrorCode(t) != "subject_busy" {
			t.Errorf("change of a held account: %d %s, want 503 subject_busy", r.Status, r.Body)
		}
		if took < 300*time.Millisecond || took > 5*time.Second {
			t.Errorf("refused after %v, want after the 300ms wait", took)
		}
		if got := realName(); got != was {
			t.Errorf("real name %q after a refused change, want %q", got, was)
		}
		// Another account is not held up.
		s.Must(200, "PATCH", "/api/v1/accounts/scj-clerk", apitest.AdminToken, map[string]string{"real_name": "不受影响"})

		release()
		s.Must(200, "PATCH", "/api/v1/accounts/zjj-clerk", apitest.AdminToken, map[string]string{"real_name": "轮到了"})
		var v compliance.AuditVerdict
		s.Must(200, "GET", "/api/v1/audit/verify", apitest.AdminToken, nil).Decode(t, &v)
		if !v.OK {
			t.Errorf("audit verify: %v", v.Problems)
		}
	})
}
