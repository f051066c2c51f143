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
		return 0, Errorf(ClassInvalid, "invalid_quarter", "quarter 须为 YYYY-Qn 格式的季度，如 2026-Q1")
	}
	y, _ := strconv.Atoi(m[1])
	n, _ := strconv.Atoi(m[2])
	if y < 2000 || y > 2100 {
		return 0, Errorf(ClassInvalid, "invalid_quarter", "季度年份须在 2000–2100 之间")
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
	if first > calendar.DateOf(now) {
		return QuarterlyBulletin{}, Errorf(ClassInvalid, "quarter_not_started", "%s 尚未开始", quarter)
	}
	names := s.accounts.DistrictSettings(ctx).Settings
	q := newBulletinQuarter(first, now)
	b := QuarterlyBulletin{Quarter: quarter, From: first.String(), To: q.last.String(), GeneratedAt: now.UTC(),
		Rows: []BulletinRow{}, ScoreFormula: ScoreFormula, DistrictName: names.DistrictName, Issuer: names.Offices.Oversight,
		Title: fmt.Sprintf("%s行政权力运行监察季度通报（%s 年第 %s 季度）", names.DistrictName, quarter[:4], quarter[6:])}

	depts, err := s.store.ListDepartments(ctx)
	if err != nil {
		return b, err
	}
	if err := s.readQuarter(ctx, q, now); err != nil {
		return b, err
	}
	for _, d := range depts {
		r, err := s.bulletinRow(ctx, q, d)
		if err != nil {
			return b, err
		}
		b.Rows = append(b.Rows, r)
	}
	rankBulletin(b.Rows)
	return b, nil
}

// bulletinQuarter is a quarter and the stored facts of it that every
// department's row of the bulletin reads.
type bulletinQuarter struct {
	first, last, today calendar.Date
	months             [3]calendar.Date         // their first days
	monthNames         [3]string                // YYYY-MM
	perMonth           map[string]BulletinMonth // department|month
	explained          map[string]Explanation   // department|month
	inForce, changed   map[string]int           // by department
	// dues are the months' explanation due dates, worked out when first
	// needed.
	dues [3]string
}

func newBulletinQuarter(first calendar.Date, now time.Time) *bulletinQuarter {
	q := &bulletinQuarter{first: first, today: calendar.DateOf(now),
		months: [3]calendar.Date{first, nextMonth(first), nextMonth(nextMonth(first))}}
	q.last = nextMonth(q.months[2]) - 1
	for i, m := range q.months {
		q.monthNames[i] = m.Start().Format("2006-01")
	}
	return q
}

// readQuarter reads the quarter's counts, item versions and explanations.
func (s *Reports) readQuarter(ctx context.Context, q *bulletinQuarter, now time.Time) error {
	next := q.last + 1
	counts, err := s.store.BulletinMonths(ctx, q.first.Start(), next.Start())
	if err != nil {
		return err
	}
	q.perMonth = map[string]BulletinMonth{}
	for _, c := range counts {
		q.perMonth[c.DepartmentCode+"|"+c.Month] = c
	}
	end := next.Start()
	if now.Before(end) {
		end = now
	}
	versions, err := s.store.BulletinItemVersions(ctx, end)
	if err != nil {
		return err
	}
	q.inForce, q.changed = itemFigures(versions, q.first.Start(), end)
	exps, err := s.store.BulletinExplanations(ctx, q.monthNames[:])
	if err != nil {
		return err
	}
	q.explained = map[string]Explanation{}
	for _, e := range exps {
		q.explained[e.DepartmentCode+"|"+e.Month] = e
	}
	return nil
}

// bulletinRow is department d's row of the quarter's bulletin, unranked.
func (s *Reports) bulletinRow(ctx context.Context, q *bulletinQuarter, d Department) (BulletinRow, error) {
	r := BulletinRow{DepartmentCode: d.Code, DepartmentName: d.Name, ItemsInForce: q.inForce[d.Code], ItemsChanged: q.changed[d.Code]}
	for i := range q.months {
		if err := s.addBulletinMonth(q, i, d, &r); err != nil {
			return r, err
		}
	}
	r.RectificationRate = ratio(r.WarningsRectified, r.Prewarnings+r.Alarms)
	from := q.first
	if created := calendar.DateOf(d.CreatedAt); !d.CreatedAt.IsZero() && created > from {
		from = created // no patrol was owed before the department existed
	}
	days, err := s.patrols.patrolDays(ctx, d.Code, from, min(q.last, q.today))
	if err != nil {
		return r, err
	}
	r.Patrol = patrolCompliance(days)
	r.PatrolCompliance = 1
	if r.Patrol.WorkingDays > 0 {
		r.PatrolCompliance = ratio(int64(r.Patrol.OKDays), int64(r.Patrol.WorkingDays))
	}
	r.Score = BulletinScore(r)
	return r, nil
}

// addBulletinMonth adds the quarter's i-th month to department d's row r:
// its counts and, once the month is over, whether it had no case and
// whether an explanation it required came late or not at all.
func (s *Reports) addBulletinMonth(q *bulletinQuarter, i int, d Department, r *BulletinRow) error {
	m, key := q.months[i], d.Code+"|"+q.monthNames[i]
	c := q.perMonth[key]
	r.CasesAccepted += c.CasesAccepted
	r.Prewarnings += c.Prewarnings
	r.Alarms += c.Alarms
	r.WarningsHandled += c.Handled
	r.WarningsRectified += c.Rectified
	if nextMonth(m) > q.today {
		return nil // not over: no zero-case month, no explanation yet
	}
	zero := c.CasesAccepted == 0 && wholeMonth(d, m)
	if zero {
		r.ZeroCaseMonths++
	}
	if !zero && c.Prewarnings+c.Alarms == 0 {
		return nil // no explanation required
	}
	e, ok := q.explained[key]
	// The due date is the 3rd of the next month or later: an explanation
	// by then, or a today before then, settles it.
	earliest := nextMonth(m) + calendar.Date(s.RuleParams().ExplanationDueDay) - 1
	if (ok && calendar.DateOf(e.SubmittedAt) <= earliest) || (!ok && q.today <= earliest) {
		return nil
	}
	due, err := s.quarterDue(q, i)
	if err != nil {
		return err
	}
	switch {
	case ok && calendar.DateOf(e.SubmittedAt).String() > due:
		r.LateExplanations++
	case !ok && q.today.String() > due:
		r.MissingExplanations++
	}
	return nil
}

// quarterDue is the explanation due date of the quarter's i-th month.
func (s *Reports) quarterDue(q *bulletinQuarter, i int) (string, error) {
	if q.dues[i] == "" {
		due, err := s.ExplanationDue(q.monthNames[i])
		if err != nil {
			return "", err
		}
		q.dues[i] = due
	}
	return q.dues[i], nil
}

// rankBulletin orders rows by score, highest first, and ranks them; equal
// scores share a rank (1, 2, 2, 4).
func rankBulletin(rows []BulletinRow) {
	slices.SortFunc(rows, func(a, c BulletinRow) int {
		if x := cmp.Compare(c.Score, a.Score); x != 0 {
			return x
		}
		return cmp.Compare(a.DepartmentCode, c.DepartmentCode)
	})
	for i := range rows {
		if i > 0 && rows[i].Score == rows[i-1].Score {
			rows[i].Rank = rows[i-1].Rank
		} else {
			rows[i].Rank = i + 1
		}
	}
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
