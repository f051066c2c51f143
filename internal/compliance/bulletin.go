package compliance

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"time"

	"powercheck/internal/calendar"
)

// ScoreFormula documents how a department's quarterly score is computed;
// it is sent with every bulletin.
//
// score = 100 − 2×A − 1×P − 10×M − 5×L − 20×(1 − C) + 10×R, bounded to
// [0, 100] and rounded to 2 decimals, where A and P are the alarms and
// prewarnings found in the quarter per 100 cases accepted in it (the cases
// counted as at least 1), M and L the missing and late monthly
// explanations, C the patrol compliance and R the rectification rate.
// Departments are ranked by score, highest first; equal scores share a
// rank (1, 2, 2, 4).
const ScoreFormula = "得分 = 100 − 2×每百件报警数 − 1×每百件预警数 − 10×缺报书面说明数 − 5×迟报书面说明数 − 20×(1 − 巡查合规率) + 10×整改率，" +
	"限定在 0–100 之间，保留两位小数；每百件按本季度受理办件数计（不足 1 件按 1 件计）；得分相同者名次相同。"

// QuarterlyBulletin is the quarterly bulletin (季度通报) that the office sends
// to the district leadership: one row per department, ranked by score.
type QuarterlyBulletin struct {
	// Title names the district: "仁和区行政权力运行监察季度通报（2026 年第 1 季度）".
	Title string `json:"title"`
	// DistrictName and Issuer (the government services office that sends
	// it) are the district's settings when the bulletin was made.
	DistrictName string        `json:"district_name"`
	Issuer       string        `json:"issuer"`
	Quarter      string        `json:"quarter"`
	From         string        `json:"from"` // first day, YYYY-MM-DD (Asia/Shanghai)
	To           string        `json:"to"`   // last day
	GeneratedAt  time.Time     `json:"generated_at"`
	Rows         []BulletinRow `json:"rows"`
	ScoreFormula string        `json:"score_formula"`
}

// BulletinRow is one department's quarter.
//
//   - ItemsInForce: catalog items of the department whose latest version at
//     the end of the quarter (today for the current quarter) is active.
//   - ItemsChanged: distinct items with a version created in the quarter.
//   - CasesAccepted: cases accepted in the quarter (handled online).
//   - Prewarnings, Alarms: warnings created in the quarter, by level.
//   - WarningsHandled: of those, the ones no longer open.
//   - WarningsRectified: of those, the ones now rectified, verified or closed.
//   - RectificationRate = WarningsRectified / (Prewarnings + Alarms), 0 when none.
//   - Patrol, PatrolCompliance: the patrol ledger's working days of the
//     quarter up to today, from the day the department was set up;
//     compliance = ok days / working days (1 when none).
//   - ZeroCaseMonths: months of the quarter that are over with no case
//     accepted, of those the department existed for in whole.
//   - LateExplanations: months of the quarter whose explanation was required
//     and was submitted after its due date.
//   - MissingExplanations: months of the quarter whose explanation was
//     required (any warning, or no case in a month the department existed
//     for in whole) and is past due without one.
//
// A month's explanation due date is worked out only when it decides
// something, so that a bulletin does not need next year's holiday schedule
// before a due date falls in it.
type BulletinRow struct {
	Rank                int              `json:"rank"`
	DepartmentCode      string           `json:"department_code"`
	DepartmentName      string           `json:"department_name"`
	ItemsInForce        int              `json:"items_in_force"`
	ItemsChanged        int              `json:"items_changed"`
	CasesAccepted       int64            `json:"cases_accepted"`
	Prewarnings         int64            `json:"prewarnings"`
	Alarms              int64            `json:"alarms"`
	WarningsHandled     int64            `json:"warnings_handled"`
	WarningsRectified   int64            `json:"warnings_rectified"`
	RectificationRate   float64          `json:"rectification_rate"`
	Patrol              PatrolCompliance `json:"patrol"`
	PatrolCompliance    float64          `json:"patrol_compliance"`
	ZeroCaseMonths      int              `json:"zero_case_months"`
	LateExplanations    int              `json:"late_explanations"`
	MissingExplanations int              `json:"missing_explanations"`
	Score               float64          `json:"score"`
}

// BulletinMonth are the stored counts of one department's month (YYYY-MM,
// Asia/Shanghai): cases accepted and warnings created in it.
type BulletinMonth struct {
	DepartmentCode string
	Month          string
	CasesAccepted  int64
	Prewarnings    int64
	Alarms         int64
	Handled        int64 // no longer open
	Rectified      int64 // rectified, verified or closed
}

// ItemVersionFact is one stored version of a catalog item.
type ItemVersionFact struct {
	Code           string
	Version        int
	DepartmentCode string
	Status         string
	CreatedAt      time.Time
}

// BulletinStore gives the facts of a quarterly bulletin, aggregated by the
// database.
type BulletinStore interface {
	// BulletinMonths counts cases accepted and warnings created in [from, to)
	// by department and month.
	BulletinMonths(ctx context.Context, from, to time.Time) ([]BulletinMonth, error)
	// BulletinItemVersions returns every item version created before t.
	BulletinItemVersions(ctx context.Context, before time.Time) ([]ItemVersionFact, error)
	// BulletinExplanations returns the explanations of the given months.
	BulletinExplanations(ctx context.Context, months []string) ([]Explanation, error)
}

var quarterPattern = regexp.MustCompile(`^([0-9]{4})-Q([1-4])$`)

// parseQuarter reads YYYY-Qn and returns its first day.
func parseQuarter(q string) (calendar.Date, error) {
	m := quarterPattern.FindStringSubmatch(q)
	if m == nil {
		return 0, Errorf(KindInvalid, "invalid_quarter", "quarter 须为 YYYY-Qn 格式的季度，如 2026-Q1")
	}
	y, _ := strconv.Atoi(m[1])
	n, _ := strconv.Atoi(m[2])
	if y < 2000 || y > 2100 {
		return 0, Errorf(KindInvalid, "invalid_quarter", "季度年份须在 2000–2100 之间")
	}
	return calendar.MakeDate(y, time.Month(3*(n-1)+1), 1), nil
}

// QuarterlyBulletin builds the bulletin of a quarter (YYYY-Qn, Asia/Shanghai)
// for every department. A quarter not yet begun is refused.
func (s *Reports) QuarterlyBulletin(ctx context.Context, who *Account, quarter string) (QuarterlyBulletin, error) {
	if err := Authorize(who, ActReadBulletin, ""); err != nil {
		return QuarterlyBulletin{}, err
	}
	first, err := parseQuarter(quarter)
	if err != nil {
		return QuarterlyBulletin{}, err
	}
	now := s.now()
	today := calendar.DateOf(now)
	if first > today {
		return QuarterlyBulletin{}, Errorf(KindInvalid, "quarter_not_started", "%s 尚未开始", quarter)
	}
	bs := s.store
	months := []calendar.Date{first, nextMonth(first), nextMonth(nextMonth(first))}
	next := nextMonth(months[2])
	last := next - 1
	names := s.accounts.DistrictSettings(ctx).Settings
	b := QuarterlyBulletin{Quarter: quarter, From: first.String(), To: last.String(), GeneratedAt: now.UTC(),
		Rows: []BulletinRow{}, ScoreFormula: ScoreFormula, DistrictName: names.DistrictName, Issuer: names.Offices.Oversight,
		Title: fmt.Sprintf("%s行政权力运行监察季度通报（%s 年第 %s 季度）", names.DistrictName, quarter[:4], quarter[6:])}

	depts, err := s.store.ListDepartments(ctx)
	if err != nil {
		return b, err
	}
	counts, err := bs.BulletinMonths(ctx, first.Start(), next.Start())
	if err != nil {
		return b, err
	}
	perMonth := map[string]BulletinMonth{} // dept|month
	for _, c := range counts {
		perMonth[c.DepartmentCode+"|"+c.Month] = c
	}
	end := next.Start()
	if now.Before(end) {
		end = now
	}
	versions, err := bs.BulletinItemVersions(ctx, end)
	if err != nil {
		return b, err
	}
	inForce, changed := itemFigures(versions, first.Start(), end)
	monthNames := make([]string, len(months))
	for i, m := range months {
		monthNames[i] = m.Start().Format("2006-01")
	}
	exps, err := bs.BulletinExplanations(ctx, monthNames)
	if err != nil {
		return b, err
	}
	explained := map[string]Explanation{}
	for _, e := range exps {
		explained[e.DepartmentCode+"|"+e.Month] = e
	}
	dues := make([]string, len(months)) // worked out when first needed
	due := func(i int) (string, error) {
		if dues[i] == "" {
			dues[i], err = s.ExplanationDue(monthNames[i])
		}
		return dues[i], err
	}

	for _, d := range depts {
		r := BulletinRow{DepartmentCode: d.Code, DepartmentName: d.Name, ItemsInForce: inForce[d.Code], ItemsChanged: changed[d.Code]}
		for i, m := range months {
			c := perMonth[d.Code+"|"+monthNames[i]]
			r.CasesAccepted += c.CasesAccepted
			r.Prewarnings += c.Prewarnings
			r.Alarms += c.Alarms
			r.WarningsHandled += c.Handled
			r.WarningsRectified += c.Rectified
			if nextMonth(m) > today {
				continue // not over: no zero-case month, no explanation yet
			}
			zero := c.CasesAccepted == 0 && wholeMonth(d, m)
			if zero {
				r.ZeroCaseMonths++
			}
			if !zero && c.Prewarnings+c.Alarms == 0 {
				continue // no explanation required
			}
			e, ok := explained[d.Code+"|"+monthNames[i]]
			// The due date is the 3rd of the next month or later: an
			// explanation by then, or a today before then, settles it.
			earliest := nextMonth(m) + calendar.Date(s.RuleParams().ExplanationDueDay) - 1
			if (ok && calendar.DateOf(e.SubmittedAt) <= earliest) || (!ok && today <= earliest) {
				continue
			}
			dd, err := due(i)
			if err != nil {
				return b, err
			}
			switch {
			case ok && calendar.DateOf(e.SubmittedAt).String() > dd:
				r.LateExplanations++
			case !ok && today.String() > dd:
				r.MissingExplanations++
			}
		}
		r.RectificationRate = ratio(r.WarningsRectified, r.Prewarnings+r.Alarms)
		from := first
		if created := calendar.DateOf(d.CreatedAt); !d.CreatedAt.IsZero() && created > from {
			from = created // no patrol was owed before the department existed
		}
		days, err := s.patrols.patrolDays(ctx, d.Code, from, min(last, today))
		if err != nil {
			return b, err
		}
		r.Patrol = patrolCompliance(days)
		r.PatrolCompliance = 1
		if r.Patrol.WorkingDays > 0 {
			r.PatrolCompliance = ratio(int64(r.Patrol.OKDays), int64(r.Patrol.WorkingDays))
		}
		r.Score = BulletinScore(r)
		b.Rows = append(b.Rows, r)
	}
	slices.SortFunc(b.Rows, func(a, c BulletinRow) int {
		if x := cmp.Compare(c.Score, a.Score); x != 0 {
			return x
		}
		return cmp.Compare(a.DepartmentCode, c.DepartmentCode)
	})
	for i := range b.Rows {
		if i > 0 && b.Rows[i].Score == b.Rows[i-1].Score {
			b.Rows[i].Rank = b.Rows[i-1].Rank
		} else {
			b.Rows[i].Rank = i + 1
		}
	}
	return b, nil
}

// BulletinScore is a row's score by ScoreFormula.
func BulletinScore(r BulletinRow) float64 {
	cases := float64(max(r.CasesAccepted, 1))
	score := 100 - 2*float64(r.Alarms)*100/cases - float64(r.Prewarnings)*100/cases -
		10*float64(r.MissingExplanations) - 5*float64(r.LateExplanations) -
		20*(1-r.PatrolCompliance) + 10*r.RectificationRate
	score = min(max(score, 0), 100)
	return math.Round(score*100) / 100
}

// patrolCompliance sums the working days of ledger days.
func patrolCompliance(days []PatrolDay) PatrolCompliance {
	var pc PatrolCompliance
	for _, d := range days {
		switch d.Status {
		case PatrolOK:
			pc.OKDays++
		case PatrolInsufficient:
			pc.InsufficientDays++
		case PatrolMissing:
			pc.MissingDays++
		default:
			continue
		}
		pc.WorkingDays++
	}
	return pc
}

// itemFigures counts, per department, the items whose latest version
// created before end is active, and the items with a version created in
// [from, end).
func itemFigures(versions []ItemVersionFact, from, end time.Time) (inForce, changed map[string]int) {
	latest := map[string]ItemVersionFact{}
	changedItems := map[string]string{} // code → department
	for _, v := range versions {
		if !v.CreatedAt.Before(end) {
			continue
		}
		if l, ok := latest[v.Code]; !ok || v.Version > l.Version {
			latest[v.Code] = v
		}
		if !v.CreatedAt.Before(from) {
			changedItems[v.Code] = v.DepartmentCode
		}
	}
	inForce, changed = map[string]int{}, map[string]int{}
	for _, v := range latest {
		if v.Status == ItemActive {
			inForce[v.DepartmentCode]++
		}
	}
	for _, dept := range changedItems {
		changed[dept]++
	}
	return inForce, changed
}
