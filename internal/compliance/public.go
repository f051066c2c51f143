package compliance

import (
	"context"
	"crypto/subtle"
	"errors"
	"sort"
	"strings"
	"time"

	"powercheck/internal/calendar"
)

// The public side (公开): the power list, one item, a case's progress for its
// applicant and the monthly figures, for everyone without signing in
// (《行政许可法》第三十条, 《政府信息公开条例》第二十条). Public answers are
// built from their own types, field by field: nothing an official types
// about people (handlers, inspectors, opinions, warning texts) can reach
// them by a field added elsewhere.

// PublicItemSummary is an item in force as the power list shows it.
type PublicItemSummary struct {
	Code           string     `json:"code"`
	Name           string     `json:"name"`
	Category       string     `json:"category"`
	DepartmentCode string     `json:"department_code"`
	DepartmentName string     `json:"department_name"`
	TimeLimit      TimeLimit  `json:"time_limit"`
	StatutoryLimit *TimeLimit `json:"statutory_limit"`
}

// PublicItem is an item in force as the public sees it.
type PublicItem struct {
	PublicItemSummary
	Version        int             `json:"version"`
	LegalBases     []LegalBasis    `json:"legal_bases"`
	Conditions     string          `json:"conditions"`
	Materials      []Material      `json:"materials"`
	Fees           string          `json:"fees"`
	Contact        Contact         `json:"contact"`
	ServiceChannel string          `json:"service_channel"`
	Discretion     map[string]Tier `json:"discretion"`
	Steps          []PublicStep    `json:"steps"`
}

// PublicStep is one step of an item's flow, for its flowchart.
type PublicStep struct {
	Code           string `json:"code"`
	Name           string `json:"name"`
	TimeLimitDays  int    `json:"time_limit_days"`
	TimeLimitUnit  string `json:"time_limit_unit"`
	RiskCheckpoint bool   `json:"risk_checkpoint"`
	EndsClock      bool   `json:"ends_clock"`
}

// PublicCase is a case's progress for its applicant: no handler, no
// warning, no applicant's name.
type PublicCase struct {
	CaseNo         string           `json:"case_no"`
	Item           PublicItemRef    `json:"item"`
	DepartmentName string           `json:"department_name"`
	AcceptedAt     string           `json:"accepted_at"` // YYYY-MM-DD
	DueDate        *string          `json:"due_date"`    // YYYY-MM-DD; nil while it cannot be said
	Status         string           `json:"status"`
	Steps          []PublicCaseStep `json:"steps"`
}

// PublicItemRef names a case's item.
type PublicItemRef struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// PublicCaseStep is a step done on a case: its name and date.
type PublicCaseStep struct {
	Name string `json:"name"`
	Date string `json:"date"`
}

// PublicStats are the figures of one month, per department.
type PublicStats struct {
	Month       string                  `json:"month"`
	Departments []PublicDepartmentStats `json:"departments"`
}

// PublicDepartmentStats are one department's figures of a month.
//   - CasesAccepted: cases accepted in the month;
//   - CasesClosed: cases closed in the month (by their last step);
//   - OnTimeRate: of those closed, the share without an overdue alarm
//     (deadline.*_overdue); nil when none closed;
//   - AlarmsRaised: alarms raised in the month; AlarmsRectified: of those,
//     the ones rectified, verified or closed by now.
type PublicDepartmentStats struct {
	DepartmentCode  string   `json:"department_code"`
	DepartmentName  string   `json:"department_name"`
	CasesAccepted   int64    `json:"cases_accepted"`
	CasesClosed     int64    `json:"cases_closed"`
	OnTimeRate      *float64 `json:"on_time_rate"`
	AlarmsRaised    int64    `json:"alarms_raised"`
	AlarmsRectified int64    `json:"alarms_rectified"`
}

// PublicStore is what the public side reads beyond the core store.
type PublicStore interface {
	// InForceItems returns the latest approved version of every item of
	// one department ("" for all).
	InForceItems(ctx context.Context, dept string) ([]PowerItem, error)
	// ClosedCounts counts, per department, the cases closed in [from, to)
	// and, of those, the ones with an overdue alarm.
	ClosedCounts(ctx context.Context, from, to time.Time) (map[string][2]int64, error)
	// DepartmentCounts: see StatsStore.
	DepartmentCounts(ctx context.Context, f StatsFilter) ([]DepartmentCounts, error)
	// QueryCodeKey returns the district's key for query codes, creating it
	// on first use.
	QueryCodeKey(ctx context.Context) ([]byte, error)
}

// PublicItems lists the active items in force, by department, category and
// a keyword in the code or name, ordered by department and code.
func (s *Public) PublicItems(ctx context.Context, dept, category, q string) ([]PublicItemSummary, error) {
	ps := s.store
	items, err := ps.InForceItems(ctx, dept)
	if err != nil {
		return nil, err
	}
	q = strings.ToLower(strings.TrimSpace(q))
	out := make([]PublicItemSummary, 0, len(items))
	for _, it := range items {
		if it.Status != ItemActive || (category != "" && it.Category != category) ||
			(q != "" && !strings.Contains(strings.ToLower(it.Code+" "+it.Name), q)) {
			continue
		}
		sum, err := s.publicSummary(ctx, &it)
		if err != nil {
			return nil, err
		}
		out = append(out, sum)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].DepartmentCode != out[j].DepartmentCode {
			return out[i].DepartmentCode < out[j].DepartmentCode
		}
		return out[i].Code < out[j].Code
	})
	return out, nil
}

func (s *Public) publicSummary(ctx context.Context, it *PowerItem) (PublicItemSummary, error) {
	d, err := s.department(ctx, it.DepartmentCode)
	if err != nil {
		return PublicItemSummary{}, err
	}
	return PublicItemSummary{Code: it.Code, Name: it.Name, Category: it.Category, DepartmentCode: it.DepartmentCode,
		DepartmentName: d.Name, TimeLimit: it.TimeLimit, StatutoryLimit: it.StatutoryLimit}, nil
}

var errPublicItemNotFound = Errorf(ClassNotFound, "not_found", "未找到该权力事项")

// PublicItem returns an active item in force as the public sees it.
func (s *Public) PublicItem(ctx context.Context, code string) (PublicItem, error) {
	if !itemCodePattern.MatchString(code) {
		return PublicItem{}, errPublicItemNotFound
	}
	it, err := s.catalog.itemInForce(ctx, code)
	if errors.Is(err, ErrNotFound) || (err == nil && it.Status != ItemActive) {
		return PublicItem{}, errPublicItemNotFound
	}
	if err != nil {
		return PublicItem{}, err
	}
	return s.publicItem(ctx, &it)
}

func (s *Public) publicItem(ctx context.Context, it *PowerItem) (PublicItem, error) {
	sum, err := s.publicSummary(ctx, it)
	if err != nil {
		return PublicItem{}, err
	}
	out := PublicItem{PublicItemSummary: sum, Version: it.Version, LegalBases: nonNil(it.LegalBases),
		Conditions: it.Conditions, Materials: nonNil(it.Materials), Fees: it.Fees, ServiceChannel: it.ServiceChannel,
		Discretion: it.Discretion, Steps: make([]PublicStep, 0, len(it.Steps))}
	if it.Contact != nil {
		out.Contact = *it.Contact
	}
	if out.Discretion == nil {
		out.Discretion = map[string]Tier{}
	}
	for _, st := range it.Steps {
		unit := st.TimeLimitUnit
		if unit == "" {
			unit = it.TimeLimit.Unit
		}
		out.Steps = append(out.Steps, PublicStep{Code: st.Code, Name: st.Name, TimeLimitDays: st.TimeLimitDays,
			TimeLimitUnit: unit, RiskCheckpoint: st.RiskCheckpoint, EndsClock: st.EndsClock})
	}
	return out, nil
}

// PublicCatalog returns every active item in force as the public sees it,
// ordered by department and code, and when the newest of them was made.
func (s *Public) PublicCatalog(ctx context.Context) ([]PublicItem, time.Time, error) {
	ps := s.store
	items, err := ps.InForceItems(ctx, "")
	if err != nil {
		return nil, time.Time{}, err
	}
	var newest time.Time
	out := make([]PublicItem, 0, len(items))
	for _, it := range items {
		if it.Status != ItemActive {
			continue
		}
		if it.CreatedAt.After(newest) {
			newest = it.CreatedAt
		}
		p, err := s.publicItem(ctx, &it)
		if err != nil {
			return nil, time.Time{}, err
		}
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].DepartmentCode != out[j].DepartmentCode {
			return out[i].DepartmentCode < out[j].DepartmentCode
		}
		return out[i].Code < out[j].Code
	})
	return out, newest, nil
}

// ErrPublicCaseNotFound answers an unknown case and a wrong code alike.
var ErrPublicCaseNotFound = Errorf(ClassNotFound, "not_found", "未找到该办件，请核对办件编号和查询码")

// PublicCase returns a case's progress to whoever holds its query code. The
// code is checked before the case is looked up, so that an unknown case and
// a wrong code take the same path and the same time.
func (s *Public) PublicCase(ctx context.Context, caseNo, code string) (PublicCase, error) {
	key, err := s.queryKey(ctx)
	if err != nil {
		return PublicCase{}, err
	}
	want := queryCode(key, caseNo)
	got := strings.ToUpper(strings.TrimSpace(code))
	if len(got) != len(want) || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return PublicCase{}, ErrPublicCaseNotFound
	}
	c, err := s.store.Case(ctx, caseNo)
	if errors.Is(err, ErrNotFound) {
		return PublicCase{}, ErrPublicCaseNotFound
	}
	if err != nil {
		return PublicCase{}, err
	}
	item, dept, err := s.heldTo(ctx, c)
	if err != nil {
		return PublicCase{}, err
	}
	steps, err := s.store.CaseSteps(ctx, caseNo)
	if err != nil {
		return PublicCase{}, err
	}
	out := PublicCase{CaseNo: c.CaseNo, Item: PublicItemRef{Code: item.Code, Name: item.Name}, DepartmentName: dept.Name,
		AcceptedAt: calendar.DateOf(c.AcceptedAt).String(), Status: c.Status, Steps: make([]PublicCaseStep, 0, len(steps))}
	names := map[string]string{StepSuspend: "中止计时", StepResume: "恢复计时", StepExtend: "延长期限"}
	for _, st := range item.Steps {
		names[st.Code] = st.Name
	}
	for _, st := range steps {
		name, ok := names[st.StepCode]
		if !ok {
			name = "其他环节"
		}
		out.Steps = append(out.Steps, PublicCaseStep{Name: name, Date: calendar.DateOf(st.OccurredAt).String()})
	}
	now := s.now()
	signed, err := signedApprovals(ctx, s.store, c.CaseNo, now)
	if err != nil {
		return PublicCase{}, err
	}
	tv, err := s.eval.View(ctx, &Input{Event: EventView, Now: now, Department: dept, Item: item, Case: &c, Steps: steps, Approvals: signed})
	if err == nil {
		for _, d := range tv.Deadlines {
			if d.Key == "item" && d.Due != "" {
				due := d.Due
				out.DueDate = &due
			}
		}
	}
	return out, nil
}

// PublicStats returns the figures of month (YYYY-MM, Asia/Shanghai) for
// every department.
func (s *Public) PublicStats(ctx context.Context, month string) (PublicStats, error) {
	start, err := time.ParseInLocation("2006-01", month, calendar.Shanghai)
	if err != nil {
		return PublicStats{}, Errorf(ClassBadRequest, "invalid_month", "month 须为 YYYY-MM 格式的年月")
	}
	if start.After(s.now()) {
		return PublicStats{}, Errorf(ClassBadRequest, "invalid_month", "尚未到 %s", month)
	}
	end := start.AddDate(0, 1, 0)
	ps := s.store
	depts, err := s.store.ListDepartments(ctx)
	if err != nil {
		return PublicStats{}, err
	}
	counts, err := ps.DepartmentCounts(ctx, StatsFilter{From: start, To: end})
	if err != nil {
		return PublicStats{}, err
	}
	closed, err := ps.ClosedCounts(ctx, start, end)
	if err != nil {
		return PublicStats{}, err
	}
	byDept := map[string]DepartmentCounts{}
	for _, c := range counts {
		byDept[c.DepartmentCode] = c
	}
	out := PublicStats{Month: month, Departments: []PublicDepartmentStats{}}
	for _, d := range depts {
		if !d.CreatedAt.IsZero() && !d.CreatedAt.Before(end) {
			continue // not yet there in that month
		}
		c := byDept[d.Code]
		row := PublicDepartmentStats{DepartmentCode: d.Code, DepartmentName: d.Name, CasesAccepted: c.Cases,
			CasesClosed: closed[d.Code][0], AlarmsRaised: c.Alarms, AlarmsRectified: c.AlarmsRectified}
		if row.CasesClosed > 0 {
			r := float64(row.CasesClosed-closed[d.Code][1]) / float64(row.CasesClosed)
			r = float64(int64(r*10000+0.5)) / 10000
			row.OnTimeRate = &r
		}
		out.Departments = append(out.Departments, row)
	}
	return out, nil
}
