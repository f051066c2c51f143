package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"powercheck/internal/apitest"
)

// post sends body to path from any goroutine: it returns errors instead of
// failing the test.
func (s *server) post(client *http.Client, path, token string, body any) (apitest.Response, error) {
	raw, err := json.Marshal(body)
	if err != nil {
		return apitest.Response{}, err
	}
	req, err := http.NewRequest("POST", s.Base+path, bytes.NewReader(raw))
	if err != nil {
		return apitest.Response{}, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := client.Do(req)
	if err != nil {
		return apitest.Response{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return apitest.Response{Status: res.StatusCode, Body: b}, err
}

// postAtOnce sends every body at the same moment and returns the answers in
// the order of bodies.
func postAtOnce(t *testing.T, s *server, token string, bodies []map[string]any) []apitest.Response {
	t.Helper()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: len(bodies), MaxConnsPerHost: len(bodies)}}
	defer client.CloseIdleConnections()
	out := make([]apitest.Response, len(bodies))
	errs := make([]error, len(bodies))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, b := range bodies {
		wg.Go(func() {
			<-start
			out[i], errs[i] = s.post(client, "/api/v1/steps", token, b)
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("POST step %s: %v", bodies[i]["id"], err)
		}
	}
	return out
}

// Steps of one case submitted at the same moment are serialised: every step
// is checked against every step stored before it, and the case's state is
// that of all its steps. Before, a deliver (closing the case) and another
// step sent together left cases open, and each step was checked without the
// other.
func TestConcurrentStepsOfOneCase(t *testing.T) {
	eachDistrict(t, nil, func(t *testing.T, s *server, tok map[string]string) {
		clerk := tok[apitest.ZJJClerk]
		const cases = 40
		bodies, pairs := racingSteps(t, s, clerk, cases)
		began := time.Now()
		answers := postAtOnce(t, s, clerk, bodies)
		t.Logf("%d steps sent at once answered in %v", len(bodies), time.Since(began).Round(time.Millisecond))
		byID := storedAnswers(t, bodies, answers)
		if t.Failed() {
			t.FailNow()
		}

		open := 0
		for i := range cases {
			if !checkRacedCase(t, s, clerk, i, pairs, byID) {
				open++
			}
		}
		if open > 0 {
			t.Errorf("%d of %d cases left open after their deliver step, want 0", open, cases)
		}
	})
}

// racingSteps stores the first steps of the cases and returns the steps to
// race, three a case, and the pair each case races.
func racingSteps(t *testing.T, s *server, clerk string, cases int) (bodies []map[string]any, pairs map[string][2]string) {
	t.Helper()
	at := map[string]string{
		"accept": "2026-03-02T09:30:00+08:00", "review": "2026-03-03T09:30:00+08:00",
		"decide": "2026-03-04T09:30:00+08:00", "deliver": "2026-03-05T09:30:00+08:00",
	}

	// Half of the cases race review against deliver after accept, the
	// other half decide against deliver after accept and review. Each
	// deliver is also sent twice: a replay racing the step must still be
	// answered 200 with the stored answer.
	pairs = map[string][2]string{}
	for i := range cases {
		caseNo := fmt.Sprintf("ZJJ-P-%03d", i)
		s.Must(201, "POST", "/api/v1/steps", clerk, apitest.FirstStep(caseNo+"-accept", caseNo, "XK-001", "accept", at["accept"]))
		other := "review"
		if i%2 == 1 {
			s.Must(201, "POST", "/api/v1/steps", clerk, apitest.Step(caseNo+"-review", caseNo, "review", at["review"]))
			other = "decide"
		}
		pairs[caseNo] = [2]string{other, "deliver"}
		deliver := apitest.Step(caseNo+"-deliver", caseNo, "deliver", at["deliver"])
		bodies = append(bodies, apitest.Step(caseNo+"-"+other, caseNo, other, at[other]), deliver, deliver)
	}
	return bodies, pairs
}

// storedAnswers checks the answers to the racing steps, three a case: the
// other step stored, the deliver stored once and replayed once with the same
// body. It returns the stored answers by step id.
func storedAnswers(t *testing.T, bodies []map[string]any, answers []apitest.Response) map[string]apitest.StepAnswer {
	t.Helper()
	byID := map[string]apitest.StepAnswer{}
	for i := 0; i < len(answers); i += 3 {
		other, d1, d2 := answers[i], answers[i+1], answers[i+2]
		if other.Status != 201 {
			t.Errorf("POST %s: status %d, want 201; body %.300s", bodies[i]["id"], other.Status, other.Body)
			continue
		}
		// The two deliveries: one stored (201), one replayed (200),
		// with the same body.
		id := bodies[i+1]["id"].(string)
		stored := d1
		switch {
		case d1.Status == 201 && d2.Status == 200:
		case d1.Status == 200 && d2.Status == 201:
			stored = d2
		default:
			t.Errorf("%s sent twice: statuses %d, %d, want 201 and 200; bodies %.300s / %.300s", id, d1.Status, d2.Status, d1.Body, d2.Body)
			continue
		}
		if !bytes.Equal(d1.Body, d2.Body) {
			t.Errorf("%s sent twice: bodies differ:\n%s\n%s", id, d1.Body, d2.Body)
		}
		var a, b apitest.StepAnswer
		other.Decode(t, &a)
		stored.Decode(t, &b)
		byID[bodies[i]["id"].(string)], byID[id] = a, b
	}
	return byID
}

// checkRacedCase checks that the i-th case has all its steps, the raced pair
// stored one after the other, each checked against the steps stored before
// it. It reports whether the case is closed.
func checkRacedCase(t *testing.T, s *server, clerk string, i int, pairs map[string][2]string, byID map[string]apitest.StepAnswer) (closed bool) {
	t.Helper()
	caseNo := fmt.Sprintf("ZJJ-P-%03d", i)
	c := s.Case(t, clerk, caseNo)
	closed = c.Status == "closed"
	want := 3 + i%2
	if len(c.Steps) != want {
		t.Errorf("case %s has %d steps, want %d: %+v", caseNo, len(c.Steps), want, c.Steps)
		return closed
	}
	// The pair, in the order stored.
	first, second := c.Steps[want-2], c.Steps[want-1]
	a, b := byID[first.ID], byID[second.ID]
	pair := pairs[caseNo]
	if !slices.Contains(pair[:], first.StepCode) || !slices.Contains(pair[:], second.StepCode) || first.StepCode == second.StepCode {
		t.Errorf("case %s: last steps %s, %s; want %v", caseNo, first.StepCode, second.StepCode, pair)
		return closed
	}
	// The first of the pair never sees the second.
	if first.StepCode != "deliver" && slices.Contains(a.Rules("sequence"), "sequence.time_reversed/prewarning") {
		t.Errorf("case %s: %s stored first yet saw a later step: %v", caseNo, first.StepCode, a.Rules("sequence"))
	}
	// The second sees the first: a review or decide after deliver
	// occurred before it; a deliver after decide follows it.
	switch second.StepCode {
	case "review", "decide":
		if !slices.Contains(b.Rules("sequence"), "sequence.time_reversed/prewarning") {
			t.Errorf("case %s: %s stored after deliver was checked without it: sequence warnings %v", caseNo, second.StepCode, b.Rules("sequence"))
		}
	case "deliver":
		if first.StepCode == "decide" && slices.Contains(b.Rules("sequence"), "sequence.out_of_order/alarm") {
			t.Errorf("case %s: deliver stored after decide was checked without it: sequence warnings %v", caseNo, b.Rules("sequence"))
		}
	}
	return closed
}

// The first steps of a new case sent at the same moment make one case and
// keep both steps, the second checked against the first.
func TestConcurrentFirstStepsOfANewCase(t *testing.T) {
	eachDistrict(t, nil, func(t *testing.T, s *server, tok map[string]string) {
		clerk := tok[apitest.ZJJClerk]
		const cases = 20
		var bodies []map[string]any
		for i := range cases {
			caseNo := fmt.Sprintf("ZJJ-N-%03d", i)
			bodies = append(bodies,
				apitest.FirstStep(caseNo+"-accept", caseNo, "XK-001", "accept", "2026-03-02T09:30:00+08:00"),
				apitest.FirstStep(caseNo+"-review", caseNo, "XK-001", "review", "2026-03-03T09:30:00+08:00"))
		}
		answers := postAtOnce(t, s, clerk, bodies)
		byID := map[string]apitest.StepAnswer{}
		for i, r := range answers {
			if r.Status != 201 {
				t.Fatalf("POST %s: status %d, want 201; body %s", bodies[i]["id"], r.Status, r.Body)
			}
			var a apitest.StepAnswer
			r.Decode(t, &a)
			byID[bodies[i]["id"].(string)] = a
		}
		for i := range cases {
			caseNo := fmt.Sprintf("ZJJ-N-%03d", i)
			c := s.Case(t, clerk, caseNo)
			if len(c.Steps) != 2 {
				t.Errorf("case %s has %d steps, want 2", caseNo, len(c.Steps))
				continue
			}
			second := c.Steps[1]
			got := byID[second.ID].Rules("sequence")
			switch second.StepCode {
			case "accept": // after review, which occurred later
				if !slices.Contains(got, "sequence.time_reversed/prewarning") {
					t.Errorf("case %s: accept stored after review was checked without it: %v", caseNo, got)
				}
			case "review": // after accept: in order
				if slices.Contains(got, "sequence.out_of_order/alarm") {
					t.Errorf("case %s: review stored after accept was checked without it: %v", caseNo, got)
				}
			}
		}
	})
}
