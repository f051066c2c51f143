package policy

import (
	"math"
	"strconv"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"

	"powercheck/internal/calendar"
	"powercheck/internal/compliance"
)

// The input document built as ast values directly: this runs for every
// step, and going through map[string]any and ast.InterfaceToValue costs a
// map and a conversion per object. It is the document Document describes
// (TestDocumentValue holds the two to the same value).

func tsTerm(t time.Time) *ast.Term {
	if t.IsZero() {
		return nullTerm
	}
	return ast.StringTerm(t.In(calendar.Shanghai).Format(time.RFC3339))
}

// numTerm keeps whole amounts integral, as number does.
func numTerm(f float64) *ast.Term {
	if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		return ast.NewTerm(ast.Number(strconv.FormatInt(int64(f), 10)))
	}
	return ast.FloatNumberTerm(f)
}

func strTerms(s []string) *ast.Term {
	if len(s) == 0 {
		return ast.InternedEmptyArray
	}
	out := make([]*ast.Term, len(s))
	for i, v := range s {
		out[i] = ast.StringTerm(v)
	}
	return ast.ArrayTerm(out...)
}

// arrayTerm shares the one empty array: the documents built here are never
// changed once built, so an empty part need not be a value of its own.
func arrayTerm(elems []*ast.Term) *ast.Term {
	if len(elems) == 0 {
		return ast.InternedEmptyArray
	}
	return ast.ArrayTerm(elems...)
}

func boolTerm(b bool) *ast.Term { return ast.InternedTerm(b) }

func intT(n int) *ast.Term { return ast.InternedTerm(n) }

// itemValue is the input form of an item version.
func itemValue(it *compliance.PowerItem) (ast.Value, error) {
	unit := it.TimeLimit.Unit
	if unit == "" {
		unit = compliance.UnitWorkday
	}
	bases := make([]*ast.Term, len(it.LegalBases))
	for i, b := range it.LegalBases {
		bases[i] = obj("id", ast.StringTerm(b.ID), "title", ast.StringTerm(b.Title), "article", ast.StringTerm(b.Article))
	}
	steps := make([]*ast.Term, len(it.Steps))
	for i, s := range it.Steps {
		su := s.TimeLimitUnit // a step's limit is in the item's unit unless it says otherwise
		if su == "" {
			su = unit
		}
		steps[i] = obj("code", ast.StringTerm(s.Code), "name", ast.StringTerm(s.Name), "time_limit_days", intT(s.TimeLimitDays),
			"time_limit_unit", ast.StringTerm(su), "risk_checkpoint", boolTerm(s.RiskCheckpoint),
			"requires_approval", ast.StringTerm(s.RequiresApproval), "ends_clock", boolTerm(s.EndsClock),
			"requires_legal_review", boolTerm(s.RequiresLegalReview), "requires_hearing_notice", boolTerm(s.RequiresHearingNotice))
	}
	tiers := make([][2]*ast.Term, 0, len(it.Discretion))
	for name, t := range it.Discretion {
		tier := []any{"min", numTerm(t.Min), "max", numTerm(t.Max), "description", ast.StringTerm(t.Description)}
		if t.Base != "" {
			// A tier set on a base has no amounts of its own: its bounds
			// are the base amount times its multiples or rates.
			tier = []any{"base", ast.StringTerm(t.Base), "description", ast.StringTerm(t.Description)}
			if t.MaxMultiple > 0 {
				tier = append(tier, "min_multiple", numTerm(t.MinMultiple), "max_multiple", numTerm(t.MaxMultiple))
			}
			if t.MaxRate > 0 {
				tier = append(tier, "min_rate", numTerm(t.MinRate), "max_rate", numTerm(t.MaxRate))
			}
		}
		tiers = append(tiers, [2]*ast.Term{ast.StringTerm(name), obj(tier...)})
	}
	kv := []any{"code", ast.StringTerm(it.Code), "version", intT(it.Version), "name", ast.StringTerm(it.Name),
		"category", ast.StringTerm(it.Category), "department_code", ast.StringTerm(it.DepartmentCode),
		"legal_bases", ast.ArrayTerm(bases...), "time_limit", obj("days", intT(it.TimeLimit.Days), "unit", ast.StringTerm(unit)),
		"steps", ast.ArrayTerm(steps...), "discretion", ast.ObjectTerm(tiers...), "status", ast.StringTerm(it.Status)}
	if sl := it.StatutoryLimit; sl != nil {
		kv = append(kv, "statutory_limit", obj("days", intT(sl.Days), "unit", ast.StringTerm(sl.Unit)))
	}
	if e := it.Extension; e != nil {
		// Zero values are left for the policies to fill from the law.
		kv = append(kv, "extension", obj("max_days", intT(e.MaxDays), "unit", ast.StringTerm(e.Unit), "times", intT(e.Times),
			"approver_role", ast.StringTerm(e.ApproverRole)))
	}
	return obj(kv...).Value, nil
}

func stepValue(s *compliance.Step) (*ast.Term, error) {
	approvals := make([]*ast.Term, len(s.Approvals))
	for i, a := range s.Approvals {
		approvals[i] = obj("role", ast.StringTerm(string(a.Role)), "by", ast.StringTerm(a.By), "at", tsTerm(a.At))
	}
	attrs := ast.InternedEmptyObject
	if len(s.Attributes) > 0 {
		v, err := ast.InterfaceToValue(s.Attributes)
		if err != nil {
			return nil, err
		}
		attrs = ast.NewTerm(v)
	}
	kv := []any{"id", ast.StringTerm(s.ID), "case_no", ast.StringTerm(s.CaseNo), "step_code", ast.StringTerm(s.StepCode),
		"handler", ast.StringTerm(s.Handler), "occurred_at", tsTerm(s.OccurredAt), "recorded_at", tsTerm(s.RecordedAt),
		"legal_basis_ids", strTerms(s.LegalBasisIDs), "approvals", arrayTerm(approvals),
		"attributes", attrs, "recorded_by", ast.StringTerm(s.RecordedBy)}
	if s.HandlerKnown != nil {
		kv = append(kv, "handler_known", boolTerm(*s.HandlerKnown))
	}
	if d := s.Discretion; d != nil {
		dk := []any{"tier", ast.StringTerm(d.Tier), "amount", numTerm(d.Amount)}
		if d.BaseAmount != nil {
			dk = append(dk, "base_amount", numTerm(*d.BaseAmount))
		}
		if m := d.Mitigation; m != nil {
			dk = append(dk, "mitigation", obj("kind", ast.StringTerm(m.Kind), "basis_ids", strTerms(m.BasisIDs), "reason", ast.StringTerm(m.Reason)))
		}
		kv = append(kv, "discretion", obj(dk...))
	}
	return obj(kv...), nil
}

// documentValue is the input document of in; item is the item's value
// (nil: built here), settings input.settings (nil: none).
func documentValue(in *compliance.Input, item, settings ast.Value) (ast.Object, error) {
	kv := []any{"event", ast.StringTerm(in.Event), "now", tsTerm(in.Now),
		"department", obj("code", ast.StringTerm(in.Department.Code), "name", ast.StringTerm(in.Department.Name))}
	if settings != nil {
		kv = append(kv, "settings", ast.NewTerm(settings))
	}
	if in.Item != nil {
		if item == nil {
			v, err := itemValue(in.Item)
			if err != nil {
				return nil, err
			}
			item = v
		}
		kv = append(kv, "item", ast.NewTerm(item))
	}
	if in.Case != nil {
		c, err := caseValue(in)
		if err != nil {
			return nil, err
		}
		kv = append(kv, "case", c)
	}
	if in.Step != nil {
		s, err := stepValue(in.Step)
		if err != nil {
			return nil, err
		}
		kv = append(kv, "step", s)
	}
	// The other events' facts are small and rare: their map form is
	// converted as it is.
	for k, v := range otherFacts(in) {
		val, err := ast.InterfaceToValue(v)
		if err != nil {
			return nil, err
		}
		kv = append(kv, k, ast.NewTerm(val))
	}
	return obj(kv...).Value.(ast.Object), nil
}

func caseValue(in *compliance.Input) (*ast.Term, error) {
	steps := make([]*ast.Term, len(in.Steps))
	for i := range in.Steps {
		s, err := stepValue(&in.Steps[i])
		if err != nil {
			return nil, err
		}
		steps[i] = s
	}
	warnings := make([]*ast.Term, len(in.Warnings))
	for i, w := range in.Warnings {
		warnings[i] = obj("id", ast.NewTerm(ast.Number(strconv.FormatInt(w.ID, 10))), "rule", ast.StringTerm(w.Rule),
			"level", ast.StringTerm(w.Level), "status", ast.StringTerm(w.Status), "key", ast.StringTerm(w.Key),
			"step_id", ast.StringTerm(w.StepID), "created_at", tsTerm(w.CreatedAt))
	}
	approvals := make([]*ast.Term, len(in.Approvals))
	for i, a := range in.Approvals {
		approvals[i] = obj("id", ast.NewTerm(ast.Number(strconv.FormatInt(a.ID, 10))), "step_code", ast.StringTerm(a.StepCode),
			"decision", ast.StringTerm(a.Decision), "opinion", ast.StringTerm(a.Opinion), "role", ast.StringTerm(string(a.Role)),
			"username", ast.StringTerm(a.Username), "real_name", ast.StringTerm(a.RealName), "at", tsTerm(a.At))
	}
	c := in.Case
	return obj("case_no", ast.StringTerm(c.CaseNo), "applicant", ast.StringTerm(c.Applicant), "accepted_at", tsTerm(c.AcceptedAt),
		"status", ast.StringTerm(c.Status), "department_code", ast.StringTerm(c.DepartmentCode),
		"steps", arrayTerm(steps), "warnings", arrayTerm(warnings), "approvals", arrayTerm(approvals)), nil
}

// DocumentValue is Document built as an ast value, without the counted
// facts the engine adds.
func DocumentValue(in *compliance.Input) (ast.Value, error) {
	return documentValue(in, nil, nil)
}

// InputDocument is the input document of in as the engine evaluates it,
// the counted facts included (counted with cal), as JSON values: what an
// OPA server is given to decide as the engine does (cmd/pcopa).
func InputDocument(in *compliance.Input, cal *calendar.Calendar) (any, error) {
	doc, err := documentValue(in, nil, nil)
	if err != nil {
		return nil, err
	}
	return ast.JSON(withFacts(cal, doc))
}
