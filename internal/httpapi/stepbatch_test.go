package httpapi_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"

	"powercheck/internal/apitest"
	"powercheck/internal/sqlstore/sqlstoretest"
)

// batchAnswer is the answer to POST /api/v1/steps/batch.
type batchAnswer struct {
	Results []struct {
		ID     string          `json:"id"`
		Status int             `json:"status"`
		Body   json.RawMessage `json:"body"`
	} `json:"results"`
	Stored, Replayed, Refused int
}

func (a batchAnswer) errorCode(t *testing.T, i int) string {
	t.Helper()
	var e apitest.ErrorBody
	if err := json.Unmarshal(a.Results[i].Body, &e); err != nil || e.Error.Message == "" {
		t.Fatalf("result %d: body %s is not an error with a message", i, a.Results[i].Body)
	}
	return e.Error.Code
}

// stepBatchCases are TestStepBatch's wanted answers, one a step of its batch.
var stepBatchCases = []struct {
	name   string
	id     string
	status int
	code   string // an error's code
}{
	{"a new case", "ZJJ-BA-1-accept", 201, ""},
	{"a step code the flow lacks", "ZJJ-BA-1-bogus", 422, "unknown_step_code"},
	{"a step that is not an object", "", 400, "malformed_json"},
	{"the next step of the case, after its first", "ZJJ-BA-1-review", 201, ""},
	{"a replay of a step stored before", "ZJJ-BA-0-accept", 200, ""},
	{"a replay of a step earlier in the batch", "ZJJ-BA-1-accept", 200, ""},
	{"a stored id with another body", "ZJJ-BA-0-accept", 409, "step_id_conflict"},
	{"a bad date", "ZJJ-BA-2-x", 422, "invalid_step"},
	{"another new case after the refused ones", "ZJJ-BA-3-accept", 201, ""},
}

// A batch answers each step as POST /api/v1/steps would have: a refused
// step does not hold back the others, a replay (inside the batch or across
// batches) answers 200 with the stored answer, and a case's steps are taken
// in the batch's order.
func TestStepBatch(t *testing.T) {
	t.Parallel()
	sqlstoretest.EachDSN(t, func(t *testing.T, dsn string) {
		s, tok := startDistrict(t, dsn)
		clerk := tok[apitest.ZJJClerk]
		const day = "2026-03-02T09:30:00+08:00"
		stored := apitest.FirstStep("ZJJ-BA-0-accept", "ZJJ-BA-0", "XK-001", "accept", day)
		single := s.Must(201, "POST", "/api/v1/steps", clerk, stored)

		batch := []any{
			apitest.FirstStep("ZJJ-BA-1-accept", "ZJJ-BA-1", "XK-001", "accept", day),
			apitest.Step("ZJJ-BA-1-bogus", "ZJJ-BA-1", "publish", day),
			42,
			apitest.Step("ZJJ-BA-1-review", "ZJJ-BA-1", "review", "2026-03-03T09:30:00+08:00"),
			stored,
			apitest.FirstStep("ZJJ-BA-1-accept", "ZJJ-BA-1", "XK-001", "accept", day),
			apitest.With(stored, "handler", "李四"),
			apitest.With(apitest.Step("ZJJ-BA-2-x", "ZJJ-BA-2", "accept", day), "occurred_at", "yesterday"),
			apitest.FirstStep("ZJJ-BA-3-accept", "ZJJ-BA-3", "XK-001", "accept", day),
		}
		var first batchAnswer
		s.Must(200, "POST", "/api/v1/steps/batch", clerk, map[string]any{"steps": batch}).Decode(t, &first)
		if len(first.Results) != len(stepBatchCases) {
			t.Fatalf("%d results for %d steps", len(first.Results), len(stepBatchCases))
		}
		for i, tt := range stepBatchCases {
			t.Run(tt.name, func(t *testing.T) {
				r := first.Results[i]
				if r.ID != tt.id || r.Status != tt.status {
					t.Fatalf("result %d = %s %d, want %s %d (body %s)", i, r.ID, r.Status, tt.id, tt.status, r.Body)
				}
				if tt.code != "" {
					if got := first.errorCode(t, i); got != tt.code {
						t.Errorf("result %d: error code %s, want %s", i, got, tt.code)
					}
				}
			})
		}
		if first.Stored != 3 || first.Replayed != 2 || first.Refused != 4 {
			t.Errorf("stored, replayed, refused = %d, %d, %d; want 3, 2, 4", first.Stored, first.Replayed, first.Refused)
		}
		if got, want := string(first.Results[4].Body), string(single.Body); got != want {
			t.Errorf("replay in a batch answered %s, want the single answer %s", got, want)
		}
		if a, b := first.Results[0].Body, first.Results[5].Body; string(a) != string(b) {
			t.Errorf("replay inside the batch answered %s, want the first answer %s", b, a)
		}
		var ids []string
		for _, st := range s.Case(t, clerk, "ZJJ-BA-1").Steps {
			ids = append(ids, st.ID)
		}
		if want := []string{"ZJJ-BA-1-accept", "ZJJ-BA-1-review"}; !slices.Equal(ids, want) {
			t.Errorf("case ZJJ-BA-1 steps = %v, want %v", ids, want)
		}

		// The same batch again: what was stored is replayed, the rest
		// refused as before.
		var again batchAnswer
		s.Must(200, "POST", "/api/v1/steps/batch", clerk, map[string]any{"steps": batch}).Decode(t, &again)
		for i, r := range again.Results {
			want := first.Results[i].Status
			if want == 201 {
				want = 200
			}
			if r.Status != want {
				t.Errorf("again, result %d = %d, want %d", i, r.Status, want)
			}
			if r.Status == 200 && first.Results[i].Status == 201 && string(r.Body) != string(first.Results[i].Body) {
				t.Errorf("again, result %d answered %s, want %s", i, r.Body, first.Results[i].Body)
			}
		}
	})
}

// A batch that is not one is refused whole, and stores nothing; a step of
// another department's case is refused as a single one is.
func TestStepBatchRefused(t *testing.T) {
	t.Parallel()
	sqlstoretest.EachDSN(t, func(t *testing.T, dsn string) {
		s, tok := startDistrict(t, dsn)
		clerk := tok[apitest.ZJJClerk]
		step := apitest.FirstStep("ZJJ-BR-1-accept", "ZJJ-BR-1", "XK-001", "accept", "2026-03-02T09:30:00+08:00")
		many := make([]any, 1001)
		for i := range many {
			many[i] = apitest.FirstStep(fmt.Sprintf("ZJJ-BR-M%d-accept", i), fmt.Sprintf("ZJJ-BR-M%d", i), "XK-001", "accept", "2026-03-02T09:30:00+08:00")
		}
		tests := []struct {
			name   string
			token  string
			body   any
			status int
			code   string
		}{
			{"malformed JSON", clerk, `{"steps": [`, 400, "malformed_json"},
			{"an unknown field", clerk, map[string]any{"steps": []any{step}, "mode": "all"}, 400, "malformed_json"},
			{"no steps", clerk, map[string]any{"steps": []any{}}, 422, "empty_batch"},
			{"no steps field", clerk, `{}`, 422, "empty_batch"},
			{"over 1,000 steps", clerk, map[string]any{"steps": many}, 413, "batch_too_large"},
			{"a role that submits no steps", tok[apitest.LegalToken], map[string]any{"steps": []any{step}}, 403, "forbidden"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				apitest.WantCode(t, s.Do("POST", "/api/v1/steps/batch", tt.token, tt.body), tt.status, tt.code)
				apitest.WantCode(t, s.Do("GET", "/api/v1/cases/ZJJ-BR-1", clerk, nil), 404, "case_not_found")
			})
		}
		apitest.WantCode(t, s.Do("GET", "/api/v1/cases/ZJJ-BR-M0", clerk, nil), 404, "case_not_found")

		// SCJ's clerk may not add to ZJJ's case: as a single step, refused.
		s.Must(201, "POST", "/api/v1/steps", clerk, step)
		var a batchAnswer
		s.Must(200, "POST", "/api/v1/steps/batch", tok[apitest.SCJClerk],
			map[string]any{"steps": []any{apitest.Step("SCJ-BR-1-review", "ZJJ-BR-1", "review", "2026-03-03T09:30:00+08:00")}}).Decode(t, &a)
		single := s.Do("POST", "/api/v1/steps", tok[apitest.SCJClerk], apitest.Step("SCJ-BR-1-review", "ZJJ-BR-1", "review", "2026-03-03T09:30:00+08:00"))
		if a.Results[0].Status != single.Status || apitest.WithoutRequestID(string(a.Results[0].Body)) != single.WithoutRequestID() {
			t.Errorf("another department's step in a batch: %d %s; alone: %d %s", a.Results[0].Status, a.Results[0].Body, single.Status, single.Body)
		}
		if single.Status < 400 {
			t.Errorf("another department's step was accepted: %d %s", single.Status, single.Body)
		}
	})
}

// Steps submitted at once are stored in shared transactions, and many
// steps sent at once to one case are each stored on the case as the one
// before left it: none is lost and none is checked against a stale case.
func TestStepsSubmittedAtOnce(t *testing.T) {
	t.Parallel()
	sqlstoretest.EachDSN(t, func(t *testing.T, dsn string) {
		s, tok, store := startDistrictStore(t, dsn)
		clerk := tok[apitest.ZJJClerk]
		const day = "2026-03-02T09:30:00+08:00"

		before := store.Cases().StepWrites()
		const cases = 200
		batch := make([]any, cases)
		for i := range batch {
			batch[i] = apitest.FirstStep(fmt.Sprintf("ZJJ-AO-%d-accept", i), fmt.Sprintf("ZJJ-AO-%d", i), "XK-001", "accept", day)
		}
		var a batchAnswer
		s.Must(200, "POST", "/api/v1/steps/batch", clerk, map[string]any{"steps": batch}).Decode(t, &a)
		if a.Stored != cases {
			t.Fatalf("batch of %d new cases stored %d (refused %d)", cases, a.Stored, a.Refused)
		}
		w := store.Cases().StepWrites()
		if steps, txs := w.Steps-before.Steps, w.Transactions-before.Transactions; steps != cases || txs >= steps {
			t.Errorf("%d steps stored in %d transactions; want %d steps, in fewer transactions", steps, txs, cases)
		}

		// One case, many steps at once, singly and in batches.
		s.Must(201, "POST", "/api/v1/steps", clerk, apitest.FirstStep("ZJJ-ONE-accept", "ZJJ-ONE", "XK-001", "accept", day))
		const n = 24
		var wg sync.WaitGroup
		statuses := make([]int, n)
		for i := range n {
			wg.Go(func() {
				step := apitest.Step(fmt.Sprintf("ZJJ-ONE-r%02d", i), "ZJJ-ONE", "review", "2026-03-03T09:30:00+08:00")
				if i%6 != 1 { // four batches: an account's heavy requests at once

					statuses[i] = s.Do("POST", "/api/v1/steps", clerk, step).Status
					return
				}
				var b batchAnswer
				r := s.Do("POST", "/api/v1/steps/batch", clerk, map[string]any{"steps": []any{step}})
				if r.Status != 200 || json.Unmarshal(r.Body, &b) != nil || len(b.Results) != 1 {
					statuses[i] = r.Status
					return
				}
				statuses[i] = b.Results[0].Status
			})
		}
		wg.Wait()
		for i, st := range statuses {
			if st != 201 && st != 409 { // 409 case_busy: the case kept changing; said so, nothing stored
				t.Errorf("step %d of one case sent at once: %d, want 201", i, st)
			}
		}
		stored := 1
		for _, st := range statuses {
			if st == 201 {
				stored++
			}
		}
		c := s.Case(t, clerk, "ZJJ-ONE")
		if len(c.Steps) != stored {
			t.Errorf("case ZJJ-ONE holds %d steps, want %d", len(c.Steps), stored)
		}
		got, err := store.Cases().Case(t.Context(), "ZJJ-ONE")
		if err != nil {
			t.Fatal(err)
		}
		if got.Version != int64(stored-1) {
			t.Errorf("case ZJJ-ONE at version %d after %d steps, want %d: every step moved it once", got.Version, stored, stored-1)
		}
	})
}
