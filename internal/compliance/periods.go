package compliance

import "fmt"

// The fields of an item that say how its periods are counted: each step's
// unit, the statutory limit beside the promised one, and how the limit may be
// extended. The policies count the periods; this checks that an item says
// something they can count.

// MaxExtensionTimes bounds ExtensionRule.Times.
const MaxExtensionTimes = 10

func validUnit(u string) bool { return u == UnitWorkday || u == UnitCalendar }

// checkPeriods validates the shape of the period fields, filling in the units
// left empty: a step's and an extension's default to the item's, a statutory
// limit's to working days like the item's own.
func checkPeriods(v *Validation, it *PowerItem) {
	for i := range it.Steps {
		st := &it.Steps[i]
		if st.TimeLimitUnit == "" {
			continue // the item's unit, also when the item's changes later
		}
		if !validUnit(st.TimeLimitUnit) {
			v.Add(fmt.Sprintf("steps[%d].time_limit_unit", i), "环节时限单位须为 workday（工作日）或 calendar（自然日），省略则与事项办理时限相同")
		}
	}
	if sl := it.StatutoryLimit; sl != nil {
		if sl.Unit == "" {
			sl.Unit = UnitWorkday
		}
		if sl.Days <= 0 || sl.Days > 3650 {
			v.Add("statutory_limit.days", "法定时限须为 1–3650 之间的正整数天数")
		}
		if !validUnit(sl.Unit) {
			v.Add("statutory_limit.unit", "法定时限单位须为 workday（工作日）或 calendar（自然日）")
		}
	}
	if e := it.Extension; e != nil {
		if e.MaxDays < 0 || e.MaxDays > 3650 {
			v.Add("extension.max_days", "延长期限上限须为 1–3650 之间的正整数天数（不设上限则省略）")
		}
		if e.Unit != "" && !validUnit(e.Unit) {
			v.Add("extension.unit", "延长期限单位须为 workday（工作日）或 calendar（自然日），省略则与事项办理时限相同")
		}
		if e.Times < 0 || e.Times > MaxExtensionTimes {
			v.Add("extension.times", "可延长次数须为 1–%d 之间的整数（不设限制则省略）", MaxExtensionTimes)
		}
		if e.ApproverRole != "" && !Role(e.ApproverRole).Valid() {
			v.Add("extension.approver_role", "未知的延期批准角色 %s", e.ApproverRole)
		}
	}
}

// fifths is a period's length in fifths of a calendar day, the common unit in
// which limits of different units are compared: a working day counts as 7/5
// of a calendar day (five working days to the week), so 20 working days
// compare as 28 calendar days. Holidays are not known when an item is saved,
// so the comparison is the ordinary week's.
func fifths(days int, unit string) int {
	if unit == UnitCalendar {
		return 5 * days
	}
	return 7 * days
}

// checkLimits refuses an item whose promised limit exceeds its statutory
// limit, or whose flow's own step limits, up to the step that ends the clock,
// add up to more than the item's limit. It runs on an item whose fields are
// otherwise valid.
func checkLimits(it *PowerItem) error {
	if sl := it.StatutoryLimit; sl != nil && fifths(it.TimeLimit.Days, it.TimeLimit.Unit) > fifths(sl.Days, sl.Unit) {
		return (&Error{Class: ClassInvalid, Code: "time_limit_exceeds_statutory",
			Message: fmt.Sprintf("权力事项不合法：承诺时限（%s）不得超过法定时限（%s）", limitText(it.TimeLimit), limitText(*sl))}).
			WithDetails([]FieldError{{Field: "time_limit.days", Message: fmt.Sprintf("承诺时限不得超过法定时限（%s）", limitText(*sl))}})
	}
	end := len(it.Steps) - 1
	for i, st := range it.Steps {
		if st.EndsClock {
			end = i
			break
		}
	}
	sum, units := 0, map[string]int{}
	for i := 1; i <= end && i < len(it.Steps); i++ { // the first step's own limit never runs
		st := it.Steps[i]
		if st.TimeLimitDays <= 0 {
			continue
		}
		u := st.TimeLimitUnit
		if u == "" {
			u = it.TimeLimit.Unit
		}
		sum += fifths(st.TimeLimitDays, u)
		units[u] += st.TimeLimitDays
	}
	if sum > fifths(it.TimeLimit.Days, it.TimeLimit.Unit) {
		return (&Error{Class: ClassInvalid, Code: "flow_exceeds_time_limit",
			Message: fmt.Sprintf("权力事项不合法：流程时限总和不得超过承诺期限（%s）", limitText(it.TimeLimit))}).
			WithDetails([]FieldError{{Field: "steps", Message: fmt.Sprintf("流程时限总和（%s）不得超过承诺期限（%s）", sumText(units), limitText(it.TimeLimit))}})
	}
	return nil
}

func unitText(u string) string {
	if u == UnitCalendar {
		return "日"
	}
	return "个工作日"
}

func limitText(l TimeLimit) string { return fmt.Sprintf("%d %s", l.Days, unitText(l.Unit)) }

func sumText(units map[string]int) string {
	switch {
	case units[UnitWorkday] > 0 && units[UnitCalendar] > 0:
		return fmt.Sprintf("%d 个工作日又 %d 日，每个工作日按 7/5 日折算", units[UnitWorkday], units[UnitCalendar])
	case units[UnitCalendar] > 0:
		return fmt.Sprintf("%d 日", units[UnitCalendar])
	default:
		return fmt.Sprintf("%d 个工作日", units[UnitWorkday])
	}
}
