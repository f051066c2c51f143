package policy

import (
	"math"
	"time"

	"powercheck/internal/calendar"
	"powercheck/internal/compliance"
)

// Input documents are built by hand rather than through encoding/json: this
// runs for every step, and the shapes are small and fixed.

func ts(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.In(calendar.Shanghai).Format(time.RFC3339)
}

// number keeps whole amounts integral, so that policies print 2500000, not 2.5e+06.
func number(f float64) any {
	if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		return int64(f)
	}
	return f
}

func strings2any(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

func itemDoc(it *compliance.PowerItem) map[string]any {
	bases := make([]any, len(it.LegalBases))
	for i, b := range it.LegalBases {
		bases[i] = map[string]any{"id": b.ID, "title": b.Title, "article": b.Article}
	}
	unit := it.TimeLimit.Unit
	if unit == "" {
		unit = compliance.UnitWorkday
	}
	steps := make([]any, len(it.Steps))
	for i, s := range it.Steps {
		su := s.TimeLimitUnit // a step's limit is in the item's unit unless it says otherwise
		if su == "" {
			su = unit
		}
		steps[i] = map[string]any{
			"code": s.Code, "name": s.Name, "time_limit_days": s.TimeLimitDays, "time_limit_unit": su,
			"risk_checkpoint": s.RiskCheckpoint, "requires_approval": s.RequiresApproval,
			"ends_clock": s.EndsClock, "requires_legal_review": s.RequiresLegalReview,
			"requires_hearing_notice": s.RequiresHearingNotice,
		}
	}
	tiers := make(map[string]any, len(it.Discretion))
	for name, t := range it.Discretion {
		tier := map[string]any{"min": number(t.Min), "max": number(t.Max), "description": t.Description}
		if t.Base != "" {
			// A tier set on a base has no amounts of its own: its bounds
			// are the base amount times its multiples or rates.
			tier = map[string]any{"base": t.Base, "description": t.Description}
			if t.MaxMultiple > 0 {
				tier["min_multiple"], tier["max_multiple"] = number(t.MinMultiple), number(t.MaxMultiple)
			}
			if t.MaxRate > 0 {
				tier["min_rate"], tier["max_rate"] = number(t.MinRate), number(t.MaxRate)
			}
		}
		tiers[name] = tier
	}
	doc := map[string]any{
		"code": it.Code, "version": it.Version, "name": it.Name, "category": it.Category,
		"department_code": it.DepartmentCode, "legal_bases": bases,
		"time_limit": map[string]any{"days": it.TimeLimit.Days, "unit": unit},
		"steps":      steps, "discretion": tiers, "status": it.Status,
	}
	if sl := it.StatutoryLimit; sl != nil {
		doc["statutory_limit"] = map[string]any{"days": sl.Days, "unit": sl.Unit}
	}
	if e := it.Extension; e != nil {
		// Zero values are left for the policies to fill from the law.
		doc["extension"] = map[string]any{"max_days": e.MaxDays, "unit": e.Unit, "times": e.Times, "approver_role": e.ApproverRole}
	}
	return doc
}

func stepDoc(s *compliance.Step) map[string]any {
	approvals := make([]any, len(s.Approvals))
	for i, a := range s.Approvals {
		approvals[i] = map[string]any{"role": a.Role, "by": a.By, "at": ts(a.At)}
	}
	attrs := s.Attributes
	if attrs == nil {
		attrs = map[string]any{}
	}
	doc := map[string]any{
		"id": s.ID, "case_no": s.CaseNo, "step_code": s.StepCode, "handler": s.Handler,
		"occurred_at": ts(s.OccurredAt), "recorded_at": ts(s.RecordedAt),
		"legal_basis_ids": strings2any(s.LegalBasisIDs), "approvals": approvals,
		"attributes": attrs, "recorded_by": s.RecordedBy,
	}
	if s.HandlerKnown != nil {
		doc["handler_known"] = *s.HandlerKnown
	}
	if s.Discretion != nil {
		d := map[string]any{"tier": s.Discretion.Tier, "amount": number(s.Discretion.Amount)}
		if s.Discretion.BaseAmount != nil {
			d["base_amount"] = number(*s.Discretion.BaseAmount)
		}
		if m := s.Discretion.Mitigation; m != nil {
			d["mitigation"] = map[string]any{"kind": m.Kind, "basis_ids": strings2any(m.BasisIDs), "reason": m.Reason}
		}
		doc["discretion"] = d
	}
	return doc
}

// Document returns the input document of in, as policies see it.
func Document(in *compliance.Input) map[string]any {
	doc := map[string]any{
		"event":      in.Event,
		"now":        ts(in.Now),
		"department": map[string]any{"code": in.Department.Code, "name": in.Department.Name},
	}
	if in.Item != nil {
		doc["item"] = itemDoc(in.Item)
	}
	if in.Case != nil {
		steps := make([]any, len(in.Steps))
		for i := range in.Steps {
			steps[i] = stepDoc(&in.Steps[i])
		}
		warnings := make([]any, len(in.Warnings))
		for i, w := range in.Warnings {
			warnings[i] = map[string]any{"id": w.ID, "rule": w.Rule, "level": w.Level, "status": w.Status,
				"key": w.Key, "step_id": w.StepID, "created_at": ts(w.CreatedAt)}
		}
		approvals := make([]any, len(in.Approvals))
		for i, a := range in.Approvals {
			approvals[i] = map[string]any{"id": a.ID, "step_code": a.StepCode, "decision": a.Decision, "opinion": a.Opinion,
				"role": string(a.Role), "username": a.Username, "real_name": a.RealName, "at": ts(a.At)}
		}
		doc["case"] = map[string]any{
			"case_no": in.Case.CaseNo, "applicant": in.Case.Applicant,
			"accepted_at": ts(in.Case.AcceptedAt), "status": in.Case.Status,
			"department_code": in.Case.DepartmentCode, "steps": steps, "warnings": warnings,
			"approvals": approvals,
		}
	}
	if in.Step != nil {
		doc["step"] = stepDoc(in.Step)
	}
	for k, v := range otherFacts(in) {
		doc[k] = v
	}
	return doc
}

// otherFacts are the facts of the events other than step and tick.
func otherFacts(in *compliance.Input) map[string]any {
	doc := map[string]any{}
	if in.Day != nil {
		doc["day"] = map[string]any{"date": in.Day.Date, "kind": in.Day.Kind, "patrols": in.Day.Patrols}
	}
	if in.Patrol != nil {
		doc["patrol"] = map[string]any{"inspector": in.Patrol.Inspector, "at": ts(in.Patrol.At),
			"recorded_at": ts(in.Patrol.RecordedAt)}
	}
	if in.Month != nil {
		doc["month"] = monthDoc(in.Month)
	}
	if in.Catalog != nil {
		doc["catalog"] = catalogDoc(in.Catalog)
	}
	return doc
}

func monthDoc(m *compliance.MonthFacts) map[string]any {
	var expl any
	if m.ExplanationSubmittedAt != nil {
		expl = map[string]any{"submitted_at": ts(*m.ExplanationSubmittedAt)}
	}
	var created any
	if m.DepartmentCreatedOn != "" {
		created = m.DepartmentCreatedOn
	}
	return map[string]any{
		"month": m.Month, "cases_accepted": m.CasesAccepted, "warnings": m.Warnings,
		"explanation_required": m.ExplanationRequired, "explanation_due": m.ExplanationDue,
		"explanation": expl, "zero_case_months_in_a_row": m.ZeroCaseMonthsInARow,
		"department_created_on": created,
	}
}

func catalogDoc(c *compliance.CatalogFacts) map[string]any {
	var last, created any
	if c.LastCaseAt != nil {
		last = ts(*c.LastCaseAt)
	}
	if !c.ItemCreatedAt.IsZero() {
		created = ts(c.ItemCreatedAt)
	}
	return map[string]any{"last_case_at": last, "cases_total": c.CasesTotal, "item_created_at": created}
}
