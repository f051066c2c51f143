package sqlstore

import (
	"time"

	"powercheck/internal/compliance"
)

// Conversions between rows and domain types. Times are stored in UTC, to the
// millisecond (MySQL's DATETIME(3)), so that they compare the same in SQL on
// every driver.

func utc(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }

func toDepartment(r departmentRow) compliance.Department {
	return compliance.Department{Code: r.Code, Name: r.Name, CreatedAt: r.CreatedAt}
}

func toAccount(r accountRow) compliance.Account {
	return compliance.Account{ID: r.ID, Username: r.Username, RealName: r.RealName, Role: compliance.Role(r.Role),
		DepartmentCode: r.DepartmentCode, AllowedCIDRs: r.AllowedCIDRs, Disabled: r.Disabled, CreatedAt: r.CreatedAt}
}

func fromItem(it compliance.PowerItem) itemRow {
	spec := itemSpec{TimeLimit: timeLimitJSON{Days: it.TimeLimit.Days, Unit: it.TimeLimit.Unit},
		LegalBases: []legalBasisJSON{}, Steps: []flowStepJSON{}, Discretion: map[string]tierJSON{}, Disclosure: it.Disclosure}
	if it.StatutoryLimit != nil {
		spec.Statutory = &timeLimitJSON{Days: it.StatutoryLimit.Days, Unit: it.StatutoryLimit.Unit}
	}
	if it.Extension != nil {
		e := extensionJSON(*it.Extension)
		spec.Extension = &e
	}
	for _, b := range it.LegalBases {
		spec.LegalBases = append(spec.LegalBases, legalBasisJSON(b))
	}
	for _, s := range it.Steps {
		spec.Steps = append(spec.Steps, flowStepJSON(s))
	}
	for k, t := range it.Discretion {
		spec.Discretion[k] = tierJSON(t)
	}
	return itemRow{Code: it.Code, Version: it.Version, Name: it.Name, Category: it.Category,
		DepartmentCode: it.DepartmentCode, Status: it.Status, Spec: spec, CreatedBy: it.CreatedBy,
		CreatedAt: utc(it.CreatedAt)}
}

func toItem(r itemRow) compliance.PowerItem {
	it := compliance.PowerItem{Code: r.Code, Version: r.Version, Name: r.Name, Category: r.Category,
		DepartmentCode: r.DepartmentCode, Status: r.Status, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt,
		TimeLimit:  compliance.TimeLimit{Days: r.Spec.TimeLimit.Days, Unit: r.Spec.TimeLimit.Unit},
		LegalBases: []compliance.LegalBasis{}, Steps: []compliance.FlowStep{}, Discretion: map[string]compliance.Tier{}, Disclosure: r.Spec.Disclosure}
	if r.Spec.Statutory != nil {
		it.StatutoryLimit = &compliance.TimeLimit{Days: r.Spec.Statutory.Days, Unit: r.Spec.Statutory.Unit}
	}
	if r.Spec.Extension != nil {
		e := compliance.ExtensionRule(*r.Spec.Extension)
		it.Extension = &e
	}
	for _, b := range r.Spec.LegalBases {
		it.LegalBases = append(it.LegalBases, compliance.LegalBasis(b))
	}
	for _, s := range r.Spec.Steps {
		it.Steps = append(it.Steps, compliance.FlowStep(s))
	}
	for k, t := range r.Spec.Discretion {
		it.Discretion[k] = compliance.Tier(t)
	}
	return it
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := utc(*t)
	return &u
}

func fromCase(c compliance.Case) caseRow {
	return caseRow{NextCheckAt: utcPtr(c.NextCheckAt), CaseNo: c.CaseNo, ItemCode: c.ItemCode, ItemVersion: c.ItemVersion, DepartmentCode: c.DepartmentCode,
		Status: c.Status, Applicant: c.Applicant, AcceptedAt: utc(c.AcceptedAt), CreatedAt: utc(c.CreatedAt), UpdatedAt: utc(c.UpdatedAt),
		Version: c.Version, NextCheckpoint: c.NextCheckpoint, NextCheckpointRole: string(c.NextCheckpointRole)}
}

func toCase(r caseRow) compliance.Case {
	return compliance.Case{NextCheckAt: r.NextCheckAt, CaseNo: r.CaseNo, ItemCode: r.ItemCode, ItemVersion: r.ItemVersion, DepartmentCode: r.DepartmentCode,
		Status: r.Status, Applicant: r.Applicant, AcceptedAt: r.AcceptedAt, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
		Version: r.Version, NextCheckpoint: r.NextCheckpoint, NextCheckpointRole: compliance.Role(r.NextCheckpointRole)}
}

func fromStep(s compliance.Step, dept, digest string) stepRow {
	d := stepDetail{LegalBasisIDs: s.LegalBasisIDs, Approvals: []approvalJSON{}, Attributes: s.Attributes}
	if s.Discretion != nil {
		d.Discretion = &discretionJSON{Tier: s.Discretion.Tier, Amount: s.Discretion.Amount, BaseAmount: s.Discretion.BaseAmount}
		if m := s.Discretion.Mitigation; m != nil {
			d.Discretion.Mitigation = &mitigationJSON{Kind: m.Kind, BasisIDs: m.BasisIDs, Reason: m.Reason}
		}
	}
	for _, a := range s.Approvals {
		d.Approvals = append(d.Approvals, approvalJSON{Role: a.Role, By: a.By, At: utc(a.At)})
	}
	return stepRow{ID: s.ID, CaseNo: s.CaseNo, DepartmentCode: dept, StepCode: s.StepCode, Handler: s.Handler,
		OccurredAt: utc(s.OccurredAt), RecordedAt: utc(s.RecordedAt), Detail: d, Digest: digest,
		CheckStatus: s.CheckStatus, CheckError: s.CheckError, PolicyRevision: s.PolicyRevision, RecordedBy: s.RecordedBy}
}

func toStep(r stepRow) compliance.Step {
	s := compliance.Step{ID: r.ID, CaseNo: r.CaseNo, StepCode: r.StepCode, Handler: r.Handler,
		OccurredAt: r.OccurredAt, RecordedAt: r.RecordedAt, LegalBasisIDs: orEmpty(r.Detail.LegalBasisIDs),
		Approvals: []compliance.Approval{}, Attributes: r.Detail.Attributes,
		CheckStatus: r.CheckStatus, CheckError: r.CheckError, PolicyRevision: r.PolicyRevision, RecordedBy: r.RecordedBy}
	if s.Attributes == nil {
		s.Attributes = map[string]any{}
	}
	if d := r.Detail.Discretion; d != nil {
		s.Discretion = &compliance.Discretion{Tier: d.Tier, Amount: d.Amount, BaseAmount: d.BaseAmount}
		if m := d.Mitigation; m != nil {
			s.Discretion.Mitigation = &compliance.Mitigation{Kind: m.Kind, BasisIDs: m.BasisIDs, Reason: m.Reason}
		}
	}
	for _, a := range r.Detail.Approvals {
		s.Approvals = append(s.Approvals, compliance.Approval{Role: a.Role, By: a.By, At: a.At})
	}
	return s
}

func toWarning(r warningRow) compliance.Warning {
	return compliance.Warning{ID: r.ID, Rule: r.Rule, Family: r.Family, Level: r.Level, Message: r.Message,
		Basis: r.Basis, Key: r.Key, DepartmentCode: r.DepartmentCode, CaseNo: r.CaseNo, StepID: r.StepID,
		PolicyRevision: r.PolicyRevision, Status: r.Status, CreatedAt: r.CreatedAt}
}
