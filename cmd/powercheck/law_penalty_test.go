package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"powercheck/internal/apitest"
)

// foodItem is a penalty of 《食品安全法》第一百二十四条 kept by SCJ: goods worth
// ten thousand yuan or more are fined ten to twenty times their value.
func foodItem(t *testing.T) map[string]any {
	return apitest.ItemFixture(t, "penalty", func(it map[string]any) {
		it["name"], it["department_code"] = "对经营超过保质期食品的行政处罚", "SCJ"
		it["legal_bases"] = []any{
			map[string]any{"id": "LB1", "title": "《中华人民共和国食品安全法》", "article": "第一百二十四条"},
			map[string]any{"id": "LB2", "title": "《中华人民共和国行政处罚法》", "article": "第三十二条"},
		}
		it["steps"] = []any{
			map[string]any{"code": "file", "name": "立案"},
			map[string]any{"code": "decide", "name": "处罚决定", "ends_clock": true},
		}
		it["discretion"] = map[string]any{
			"货值一万元以上": map[string]any{"base": "goods_value", "min_multiple": 10, "max_multiple": 20},
			"货值不足一万元": map[string]any{"min": 50000, "max": 100000},
		}
	})
}

// fieldsOf returns the fields a 422 answer names.
func fieldsOf(t *testing.T, r apitest.Response) []string {
	t.Helper()
	var e struct {
		Error struct {
			Details []struct {
				Field string `json:"field"`
			} `json:"details"`
		} `json:"error"`
	}
	r.Decode(t, &e)
	var out []string
	for _, d := range e.Error.Details {
		out = append(out, d.Field)
	}
	return out
}

func rulesOf(a apitest.StepAnswer, family string) map[string]string {
	out := map[string]string{}
	for _, w := range a.Warnings {
		if strings.HasPrefix(w.Rule, family+".") {
			out[w.Rule] = w.Level
		}
	}
	return out
}

// inconsistentTiers are discretion tiers refused, each with the field named.
var inconsistentTiers = []struct {
	name  string
	tier  map[string]any
	field string
}{
	{"multiples reversed", map[string]any{"base": "goods_value", "min_multiple": 20, "max_multiple": 10}, "discretion.x.min_multiple"},
	{"multiples without a base", map[string]any{"min_multiple": 10, "max_multiple": 20}, "discretion.x.base"},
	{"multiples and amounts", map[string]any{"base": "goods_value", "min": 1, "max": 2, "min_multiple": 1, "max_multiple": 2}, "discretion.x.min"},
	{"multiples and rates", map[string]any{"base": "contract_price", "max_multiple": 2, "max_rate": 0.01}, "discretion.x"},
	{"a rate above one", map[string]any{"base": "contract_price", "min_rate": 0.5, "max_rate": 5}, "discretion.x.max_rate"},
	{"a base alone", map[string]any{"base": "goods_value"}, "discretion.x"},
}

// TestDiscretionAsTheLawWrites records fines set in multiples of the goods
// value, filed before and decided after the 2026 Spring Festival, with and
// without a ground for a reduced penalty.
func TestDiscretionAsTheLawWrites(t *testing.T) {
	eachDistrict(t, nil, func(t *testing.T, s *server, tok map[string]string) {
		s.Must(201, "PUT", "/api/v1/power-items/CF-SCJ-124", tok[apitest.LegalToken], foodItem(t))

		t.Run("the item shows its tiers as written", func(t *testing.T) {
			tiersAsWritten(t, s, tok[apitest.SCJClerk])
		})

		t.Run("inconsistent tiers are refused at the field", func(t *testing.T) {
			for _, tt := range inconsistentTiers {
				t.Run(tt.name, func(t *testing.T) {
					it := foodItem(t)
					it["discretion"] = map[string]any{"x": tt.tier}
					r := s.Do("PUT", "/api/v1/power-items/CF-SCJ-124", tok[apitest.LegalToken], it)
					apitest.WantCode(t, r, 422, "invalid_item")
					if fields := fieldsOf(t, r); !slices.Contains(fields, tt.field) {
						t.Errorf("fields = %v, want %s", fields, tt.field)
					}
				})
			}
			// a rate tier as 《招标投标法》 writes it is accepted
			it := foodItem(t)
			it["discretion"] = map[string]any{"合同价款": map[string]any{"base": "contract_price", "min_rate": 0.005, "max_rate": 0.01}}
			s.Must(201, "PUT", "/api/v1/power-items/CF-SCJ-RATE", tok[apitest.LegalToken], it)
		})

		// Filed on Thursday 12 February 2026, before the Spring Festival
		// (15–23 February off); decided on Friday 27 February.
		decide := func(t *testing.T, no string, discretion map[string]any) apitest.StepAnswer {
			t.Helper()
			s.Must(201, "POST", "/api/v1/steps", tok[apitest.SCJClerk], apitest.FirstStep(no+"-file", no, "CF-SCJ-124", "file", "2026-02-12T09:00:00+08:00"))
			d := apitest.Step(no+"-decide", no, "decide", "2026-02-27T10:00:00+08:00")
			d["discretion"] = discretion
			a := s.Submit(t, tok[apitest.SCJClerk], d)
			return a
		}
		t.Run("a fine within ten to twenty times the goods value", func(t *testing.T) {
			a := decide(t, "SCJ-2026-0201", map[string]any{"tier": "货值一万元以上", "amount": 300000, "base_amount": 20000})
			if got := rulesOf(a, "discretion"); len(got) != 0 {
				t.Errorf("discretion warnings = %v, want none", got)
			}
		})
		t.Run("a fine above twenty times is an alarm", func(t *testing.T) {
			a := decide(t, "SCJ-2026-0202", map[string]any{"tier": "货值一万元以上", "amount": 400001, "base_amount": 20000})
			if got := rulesOf(a, "discretion"); got["discretion.amount_out_of_range"] != "alarm" || len(got) != 1 {
				t.Errorf("discretion warnings = %v, want amount_out_of_range alarm", got)
			}
		})
		t.Run("a reduced fine on a cited ground is a prewarning", func(t *testing.T) {
			a := decide(t, "SCJ-2026-0203", map[string]any{"tier": "货值一万元以上", "amount": 120000, "base_amount": 20000,
				"mitigation": map[string]any{"kind": "减轻", "basis_ids": []string{"LB2"}, "reason": "主动消除违法行为危害后果"}})
			if got := rulesOf(a, "discretion"); got["discretion.mitigated_below_range"] != "prewarning" || len(got) != 1 {
				t.Errorf("discretion warnings = %v, want mitigated_below_range prewarning only", got)
			}
			c := s.Case(t, tok[apitest.SCJClerk], "SCJ-2026-0203")
			if m, _ := c.Steps[1].Discretion["mitigation"].(map[string]any); m["kind"] != "减轻" || c.Steps[1].Discretion["base_amount"] != 20000.0 {
				t.Errorf("stored discretion = %v", c.Steps[1].Discretion)
			}
		})
		t.Run("a reduced fine without a ground stays an alarm", func(t *testing.T) {
			a := decide(t, "SCJ-2026-0204", map[string]any{"tier": "货值一万元以上", "amount": 120000, "base_amount": 20000,
				"mitigation": map[string]any{"kind": "减轻", "basis_ids": []string{}, "reason": "初次违法"}})
			if got := rulesOf(a, "discretion"); got["discretion.amount_out_of_range"] != "alarm" || len(got) != 1 {
				t.Errorf("discretion warnings = %v, want amount_out_of_range alarm", got)
			}
		})
		t.Run("a mitigation of an unknown kind is refused", func(t *testing.T) {
			d := apitest.FirstStep("SCJ-2026-0205-file", "SCJ-2026-0205", "CF-SCJ-124", "file", "2026-02-12T09:00:00+08:00")
			d["discretion"] = map[string]any{"tier": "货值一万元以上", "amount": 1, "mitigation": map[string]any{"kind": "酌情", "basis_ids": []string{}, "reason": ""}}
			r := s.Do("POST", "/api/v1/steps", tok[apitest.SCJClerk], d)
			apitest.WantCode(t, r, 422, "invalid_step")
			if fields := fieldsOf(t, r); !slices.Contains(fields, "discretion.mitigation.kind") {
				t.Errorf("fields = %v", fields)
			}
		})
	})
}

// tiersAsWritten checks that CF-SCJ-124 shows its tiers as the law writes them.
func tiersAsWritten(t *testing.T, s *server, clerk string) {
	var it struct {
		Discretion map[string]map[string]any `json:"discretion"`
	}
	s.Must(200, "GET", "/api/v1/power-items/CF-SCJ-124", clerk, nil).Decode(t, &it)
	got := it.Discretion["货值一万元以上"]
	if got["base"] != "goods_value" || got["min_multiple"] != 10.0 || got["max_multiple"] != 20.0 || got["min"] != nil {
		t.Errorf("multiple tier = %v", got)
	}
	if amounts := it.Discretion["货值不足一万元"]; amounts["min"] != 50000.0 || amounts["max"] != 100000.0 {
		t.Errorf("amount tier = %v", amounts)
	}
}

type liftedWarning struct {
	ID          int64  `json:"id"`
	Rule        string `json:"rule"`
	Level       string `json:"level"`
	Status      string `json:"status"`
	CaseNo      string `json:"case_no"`
	Transitions []struct {
		Action string `json:"action"`
		From   string `json:"from"`
		To     string `json:"to"`
		Actor  string `json:"actor"`
		Role   string `json:"role"`
		Note   string `json:"note"`
	} `json:"transitions"`
}

// TestPrewarningLifted: a due-soon pre-warning is lifted by the system once
// the step is done in time; an alarm is not.
func TestPrewarningLifted(t *testing.T) {
	eachDistrict(t, nil, func(t *testing.T, s *server, tok map[string]string) {
		s.EnterCurrentYears(t)
		item := apitest.ItemFixture(t, "licensing", func(it map[string]any) {
			it["time_limit"] = map[string]any{"days": 3, "unit": "workday"}
			it["steps"] = []any{
				map[string]any{"code": "accept", "name": "受理"},
				map[string]any{"code": "decide", "name": "决定", "ends_clock": true},
			}
		})
		s.Must(201, "PUT", "/api/v1/power-items/XK-LIFT", tok[apitest.LegalToken], item)
		now := time.Now().Add(-time.Minute).Format(time.RFC3339)

		// Accepted now with 3 working days: due soon from the start.
		a := s.Submit(t, tok[apitest.ZJJClerk], apitest.FirstStep("L1-accept", "ZJJ-2026-0501", "XK-LIFT", "accept", now))
		if got := rulesOf(a, "deadline"); got["deadline.item_due_soon"] != "prewarning" {
			t.Fatalf("deadline warnings at acceptance = %v, want item_due_soon", got)
		}
		// Accepted a month ago: overdue from the start.
		old := time.Now().AddDate(0, -1, 0).Format(time.RFC3339)
		s.Must(201, "POST", "/api/v1/steps", tok[apitest.ZJJClerk], apitest.FirstStep("L2-accept", "ZJJ-2026-0502", "XK-LIFT", "accept", old)).Decode(t, &a)
		if got := rulesOf(a, "deadline"); got["deadline.item_overdue"] != "alarm" {
			t.Fatalf("deadline warnings at a late acceptance = %v, want item_overdue", got)
		}

		s.Must(201, "POST", "/api/v1/steps", tok[apitest.ZJJClerk], apitest.Step("L1-decide", "ZJJ-2026-0501", "decide", now))
		s.Must(201, "POST", "/api/v1/steps", tok[apitest.ZJJClerk], apitest.Step("L2-decide", "ZJJ-2026-0502", "decide", now))

		t.Run("the prewarning is lifted by the system, with the reason", func(t *testing.T) {
			liftedBySystem(t, s, tok)
		})
		t.Run("the alarm stays open", func(t *testing.T) {
			got := liftedList(t, s, tok, "case_no=ZJJ-2026-0502&level=alarm&rule=deadline.item_overdue")
			if len(got) != 1 || got[0].Status != "open" {
				t.Errorf("alarms of ZJJ-2026-0502 = %+v, want one open item_overdue", got)
			}
		})
		t.Run("nobody lifts by hand", func(t *testing.T) {
			alarm := liftedList(t, s, tok, "case_no=ZJJ-2026-0502&level=alarm")[0]
			r := s.Do("POST", fmt.Sprintf("/api/v1/warnings/%d/transitions", alarm.ID), tok[apitest.SupervisionToken], map[string]string{"action": "lift", "note": "x"})
			apitest.WantCode(t, r, 403, "forbidden")
		})
		t.Run("the export lists it as 已解除", func(t *testing.T) {
			r := s.Must(200, "GET", "/api/v1/warnings/export?format=csv&status=lifted", tok[apitest.SupervisionToken], nil)
			if body := string(r.Body); !strings.Contains(body, "已解除") || !strings.Contains(body, "ZJJ-2026-0501") || strings.Contains(body, "ZJJ-2026-0502") {
				t.Errorf("export = %s", body)
			}
		})
		t.Run("the audit log accounts for the lift", func(t *testing.T) {
			var v struct {
				OK       bool     `json:"ok"`
				Problems []string `json:"problems"`
			}
			s.Must(200, "GET", "/api/v1/audit/verify", apitest.AdminToken, nil).Decode(t, &v)
			if !v.OK {
				t.Errorf("audit verify: %v", v.Problems)
			}
		})
	})
}

// liftedList lists the warnings query selects, as supervision.
func liftedList(t *testing.T, s *server, tok map[string]string, query string) []liftedWarning {
	t.Helper()
	var l struct {
		Items []liftedWarning `json:"items"`
	}
	s.Must(200, "GET", "/api/v1/warnings?"+query, tok[apitest.SupervisionToken], nil).Decode(t, &l)
	return l.Items
}

// liftedBySystem checks that ZJJ-2026-0501's due-soon pre-warning was lifted
// by the system, with the reason, and that no one may act on it any more.
func liftedBySystem(t *testing.T, s *server, tok map[string]string) {
	got := liftedList(t, s, tok, "status=lifted")
	if len(got) != 1 || got[0].CaseNo != "ZJJ-2026-0501" || got[0].Rule != "deadline.item_due_soon" || got[0].Level != "prewarning" {
		t.Fatalf("lifted warnings = %+v, want the due-soon prewarning of ZJJ-2026-0501", got)
	}
	var w liftedWarning
	s.Must(200, "GET", fmt.Sprintf("/api/v1/warnings/%d", got[0].ID), tok[apitest.ZJJAdmin], nil).Decode(t, &w)
	if w.Status != "lifted" || len(w.Transitions) != 1 {
		t.Fatalf("warning = %+v", w)
	}
	tr := w.Transitions[0]
	if tr.Action != "lift" || tr.From != "open" || tr.To != "lifted" || tr.Actor != "system" || tr.Role != "system" ||
		!strings.Contains(tr.Note, "办结") {
		t.Errorf("transition = %+v", tr)
	}
	// No one may act on it any more, nor lift another by hand.
	r := s.Do("POST", fmt.Sprintf("/api/v1/warnings/%d/transitions", w.ID), tok[apitest.ZJJAdmin], map[string]string{"action": "explain", "note": "已办结"})
	apitest.WantCode(t, r, 409, "illegal_transition")
}
