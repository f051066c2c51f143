package compliance

// RuleParams returns the rule parameters in force: those of the active
// policy revision, or the shipped ones when no source is configured.
func (s *Core) RuleParams() RuleParams {
	p := DefaultRuleParams
	if s.params != nil {
		got := s.params.RuleParams()
		if got.PatrolsPerWorkday > 0 {
			p.PatrolsPerWorkday = got.PatrolsPerWorkday
		}
		if got.PatrolEntryHours > 0 {
			p.PatrolEntryHours = got.PatrolEntryHours
		}
		if got.ExplanationDueDay > 0 {
			p.ExplanationDueDay = got.ExplanationDueDay
		}
	}
	return p
}
