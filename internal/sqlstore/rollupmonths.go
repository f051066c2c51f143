package sqlstore

import (
	"context"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"powercheck/internal/compliance"
)

// warningSpans is what the warning counters of a period read: its whole
// months [mFrom, mTo) (YYYY-MM, none when equal) and the months it holds
// most of (most) from the month counters, the days it lacks of the latter
// taken off (minus), and the days of the months it holds half of or less
// (plus), so that no month costs more than half its days.
type warningSpans struct {
	mFrom, mTo  string
	most        []string
	plus, minus [][2]string
}

// spansOf returns the spans of the days [from, to) (YYYY-MM-DD).
func spansOf(from, to string) (warningSpans, error) {
	start, err := time.Parse(time.DateOnly, from)
	if err != nil {
		return warningSpans{}, err
	}
	end, err := time.Parse(time.DateOnly, to)
	if err != nil {
		return warningSpans{}, err
	}
	var sp warningSpans
	day := func(t time.Time) string { return t.Format(time.DateOnly) }
	add := func(r *[][2]string, a, b time.Time) {
		if n := len(*r); n > 0 && (*r)[n-1][1] == day(a) {
			(*r)[n-1][1] = day(b) // adjacent to the last: one range
			return
		}
		*r = append(*r, [2]string{day(a), day(b)})
	}
	for m := start.AddDate(0, 0, 1-start.Day()); m.Before(end); m = m.AddDate(0, 1, 0) {
		next := m.AddDate(0, 1, 0)
		a, b := m, next // the days of the month that the period holds
		if a.Before(start) {
			a = start
		}
		if end.Before(b) {
			b = end
		}
		switch held, all := b.Sub(a), next.Sub(m); {
		case held == all: // whole months are the period's middle: one range
			if sp.mFrom == "" {
				sp.mFrom = m.Format("2006-01")
			}
			sp.mTo = next.Format("2006-01")
		case held*2 > all:
			sp.most = append(sp.most, m.Format("2006-01"))
			if m.Before(a) {
				add(&sp.minus, m, a)
			}
			if b.Before(next) {
				add(&sp.minus, b, next)
			}
		default:
			add(&sp.plus, a, b)
		}
	}
	return sp, nil
}

// addUpSums adds up the sums of parts (nil for none) by by, the groups
// with a count only.
func addUpSums(db *gorm.DB, by []string, sums []counterSum, parts []*gorm.DB) *gorm.DB {
	var vars []any
	for _, q := range parts {
		if q != nil {
			vars = append(vars, q)
		}
	}
	if len(vars) == 1 {
		return vars[0].(*gorm.DB).Having("SUM(n) > 0")
	}
	cols := append(slices.Clone(by), "SUM(n) AS n")
	for _, x := range sums {
		cols = append(cols, "SUM("+x.as+") AS "+x.as)
	}
	return db.Table("("+strings.Repeat("? UNION ALL ", len(vars)-1)+"?) AS w", vars...).
		Select(strings.Join(cols, ", ")).Group(strings.Join(by, ", ")).Having("SUM(n) > 0")
}

// counterSum is a sum over the counters' columns, named as.
type counterSum struct {
	as, expr string
	args     []any
}

// spanCounters are the day and month counters of one kind (warnings or
// rectifications) and whether the months are filled.
type spanCounters struct {
	days, months any // models
	filled       bool
}

// warningSums sums the warning counters of the period p; see spanSums.
func (s *Dashboard) warningSums(ctx context.Context, f compliance.StatsFilter, p rollupPeriod, by []string, sums ...counterSum) *gorm.DB {
	return s.spanSums(ctx, f, p, spanCounters{&warningDayRow{}, &warningMonthRow{}, p.months}, by, sums...)
}

// spanSums sums counters c of f's departments over the period p by the
// columns by ("month" is the YYYY-MM), the groups with a count only: n,
// the count, and sums. When the month counters are filled, the period is
// read as its spans (spansOf), each summed on its own and the sums added
// up: a year of the district reads its twelve months and a few days
// instead of 365 days. (Adding up the rows of all spans at once would copy
// them all to a temporary table first.)
func (s *Dashboard) spanSums(ctx context.Context, f compliance.StatsFilter, p rollupPeriod, c spanCounters, by []string, sums ...counterSum) *gorm.DB {
	db := s.db.WithContext(ctx)
	// sumsOf selects and groups q's counters by by, month the SQL of their
	// month, sign "-" to take them off.
	sumsOf := func(q *gorm.DB, month, sign string) *gorm.DB {
		var cols, group []string
		for _, c := range by {
			if c == "month" {
				cols, group = append(cols, month+" AS month"), append(group, month)
			} else {
				cols, group = append(cols, c), append(group, c)
			}
		}
		cols = append(cols, sign+"SUM(n) AS n")
		var args []any
		for _, x := range sums {
			cols, args = append(cols, sign+"("+x.expr+") AS "+x.as), append(args, x.args...)
		}
		return inDepartments(q, "department_code", f.Departments).Select(strings.Join(cols, ", "), args...).Group(strings.Join(group, ", "))
	}
	const dayMonth = "SUBSTR(day, 1, 7)"
	sp, err := spansOf(p.from, p.to)
	if !c.filled || err != nil || (sp.mFrom == sp.mTo && len(sp.most) == 0) {
		return sumsOf(db.Model(c.days).Where("day >= ? AND day < ?", p.from, p.to), dayMonth, "").Having("SUM(n) > 0")
	}
	days := func(ranges [][2]string, sign string) *gorm.DB {
		if len(ranges) == 0 {
			return nil
		}
		var conds []string
		var args []any
		for _, r := range ranges {
			conds, args = append(conds, "(day >= ? AND day < ?)"), append(args, r[0], r[1])
		}
		return sumsOf(db.Model(c.days).Where("("+strings.Join(conds, " OR ")+")", args...), dayMonth, sign)
	}
	var whole, most *gorm.DB
	if sp.mFrom < sp.mTo {
		whole = sumsOf(db.Model(c.months).Where("month >= ? AND month < ?", sp.mFrom, sp.mTo), "month", "")
	}
	if len(sp.most) > 0 {
		most = sumsOf(db.Model(c.months).Where("month IN ?", sp.most), "month", "")
	}
	plus, minus := days(sp.plus, ""), days(sp.minus, "-")
	// addUp adds up the sums of parts (nil for none) by by.
	addUp := func(parts ...*gorm.DB) *gorm.DB { return addUpSums(db, by, sums, parts) }
	if !slices.Contains(by, "month") {
		return addUp(whole, most, plus, minus)
	}
	// By month, the whole months, those read by their days and those read
	// less the days the period lacks never share a group: only the last
	// need adding up, and the rest are returned as they come.
	var parts []any
	for _, q := range []*gorm.DB{whole, plus} {
		if q != nil {
			parts = append(parts, q.Having("SUM(n) > 0"))
		}
	}
	if most != nil {
		parts = append(parts, addUp(most, minus))
	}
	if len(parts) == 1 {
		return parts[0].(*gorm.DB)
	}
	return db.Raw(strings.Repeat("? UNION ALL ", len(parts)-1)+"?", parts...)
}
