package compliance

import (
	"context"
	"slices"
	"strings"
	"time"

	"powercheck/internal/calendar"
)

// CaseListStore lists cases and counts their open warnings.
type CaseListStore interface {
	// ListCases returns the cases f selects, newest accepted first.
	ListCases(ctx context.Context, f CaseFilter) ([]Case, error)
	// OpenWarningCounts counts, per case, the warnings not yet settled
	// (every status before verified, closed or lifted) by level.
	OpenWarningCounts(ctx context.Context, caseNos []string) (map[string]LevelCounts, error)
	// CountOpenWarnings counts the warnings of the departments (all when
	// empty) by level and status, leaving out the settled ones.
	CountOpenWarnings(ctx context.Context, departments []string) ([]StatusCount, error)
	// CasesWithOpenWarnings returns up to limit case numbers of the
	// departments that have an unsettled warning of the family and level.
	CasesWithOpenWarnings(ctx context.Context, departments []string, family, level string, limit int) ([]string, error)
}

// LevelCounts counts warnings by level.
type LevelCounts struct {
	Alarms      int `json:"alarms"`
	Prewarnings int `json:"prewarnings"`
}

// StatusCount is a number of warnings of one level and status.
type StatusCount struct {
	Level  string
	Status string
	N      int64
}

// UnsettledStatuses are the statuses of a warning that someone must still act on.
var UnsettledStatuses = []string{WarningOpen, WarningExplained, WarningRectifying, WarningRectified, WarningReferred}

// CaseFilter selects cases; zero fields do not filter.
type CaseFilter struct {
	Departments []string
	Status      string
	ItemCode    string
	// Query matches a case number prefix or a part of the applicant.
	Query   string
	CaseNos []string
	// From and To bound accepted_at: [From, To).
	From, To time.Time
	// After continues a listing after the case it names.
	After *CaseKey
	Limit int
}

// CaseKey is a case's place in a listing: newest accepted first.
type CaseKey struct {
	AcceptedAt time.Time
	CaseNo     string
}

// CaseSummary is a case as a list shows it: its item, where its deadline
// stands (as the policies' view says) and its unsettled warnings.
type CaseSummary struct {
	Case
	ItemName        string  `json:"item_name"`
	DueDate         *string `json:"due_date"`
	WorkdaysLeft    *int    `json:"workdays_left"`
	DeadlineState   string  `json:"deadline_state"`
	OpenAlarms      int     `json:"open_alarms"`
	OpenPrewarnings int     `json:"open_prewarnings"`
	LastStepCode    string  `json:"last_step_code"`
}

// ListCases lists the cases the account may see.
func (s *Cases) ListCases(ctx context.Context, who *Account, f CaseFilter) ([]CaseSummary, error) {
	cs := s.store
	if who.Role.DepartmentScoped() {
		if len(f.Departments) > 0 && !slices.Equal(f.Departments, []string{who.DepartmentCode}) {
			return nil, Errorf(ClassForbidden, "other_department", "只能查看本部门的办件")
		}
		f.Departments = []string{who.DepartmentCode}
	}
	var v Validation
	if f.Status != "" && f.Status != CaseOpen && f.Status != CaseSuspended && f.Status != CaseClosed {
		v.Add("status", "办件状态须为 open、suspended 或 closed")
	}
	if f.ItemCode != "" && !itemCodePattern.MatchString(f.ItemCode) {
		v.Add("item", "事项编码格式不正确")
	}
	f.Query = strings.TrimSpace(f.Query)
	if len([]rune(f.Query)) > 64 {
		v.Add("q", "查询内容不能超过 64 个字")
	}
	if err := v.Err("invalid_filter", "查询条件不合法"); err != nil {
		return nil, err
	}
	if f.Limit <= 0 || f.Limit > MaxPageSize {
		return nil, Errorf(ClassBadRequest, "invalid_limit", "limit 须在 1–%d 之间", MaxPageSize)
	}
	cases, err := cs.ListCases(ctx, f)
	if err != nil {
		return nil, err
	}
	return s.summarize(ctx, cs, cases)
}

// summarize adds to each case its item's name, its deadline as the
// policies see it now and its unsettled warnings.
func (s *Cases) summarize(ctx context.Context, cs CaseListStore, cases []Case) ([]CaseSummary, error) {
	nos := caseNos(cases)
	counts, err := cs.OpenWarningCounts(ctx, nos)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := make([]CaseSummary, len(cases))
	for i := range cases {
		c := &cases[i]
		sum := CaseSummary{Case: *c, OpenAlarms: counts[c.CaseNo].Alarms, OpenPrewarnings: counts[c.CaseNo].Prewarnings}
		item, err := s.item(ctx, c.ItemCode, c.ItemVersion)
		if err != nil {
			return nil, err
		}
		sum.ItemName = item.Name
		steps, err := s.store.CaseSteps(ctx, c.CaseNo)
		if err != nil {
			return nil, err
		}
		if len(steps) > 0 {
			sum.LastStepCode = steps[len(steps)-1].StepCode
		}
		dept, err := s.department(ctx, c.DepartmentCode)
		if err != nil {
			return nil, err
		}
		// A case whose deadline cannot be computed is listed without it;
		// its page says why.
		signed, err := signedApprovals(ctx, s.store, c.CaseNo, now)
		if err != nil {
			return nil, err
		}
		tv, err := s.eval.View(ctx, &Input{Event: EventView, Now: now, Department: dept, Item: item, Case: c, Steps: steps, Approvals: signed})
		if err != nil {
			s.log.WarnContext(ctx, "case time view failed", "case", c.CaseNo, "error", err)
		} else {
			for _, d := range tv.Deadlines {
				if d.Key == "item" {
					if d.Due != "" {
						due := d.Due
						sum.DueDate = &due
					}
					sum.WorkdaysLeft = d.RemainingWorkdays
					sum.DeadlineState = d.State
				}
			}
		}
		out[i] = sum
	}
	return out, nil
}

// Workbench is what a signed-in account has to do, at a glance.
type Workbench struct {
	OpenAlarms      int64 `json:"open_alarms"`
	OpenPrewarnings int64 `json:"open_prewarnings"`
	// WarningsToAnswer are the unsettled warnings whose next move is the
	// account's role's: the department's open ones, the office's to verify,
	// the bureau's referred ones.
	WarningsToAnswer   int64           `json:"warnings_to_answer"`
	ApprovalsPending   int             `json:"approvals_pending"`
	PatrolsToday       *PatrolsToday   `json:"patrols_today"`
	Explanation        *ExplanationDue `json:"explanation"`
	AdjustmentsPending int             `json:"adjustments_pending"`
	CasesDueSoon       []CaseSummary   `json:"cases_due_soon"`
}

// PatrolsToday is today's patrols of a department against what is required.
type PatrolsToday struct {
	Date     string `json:"date"`
	Kind     string `json:"kind"`
	Done     int    `json:"done"`
	Required int    `json:"required"`
	Status   string `json:"status"`
}

// ExplanationDue tells a department admin about last month's explanation.
type ExplanationDue struct {
	Month     string `json:"month"`
	Required  bool   `json:"required"`
	Due       string `json:"due"`
	Submitted bool   `json:"submitted"`
}

// dueSoonCases bounds the cases the workbench lists as due soon.
const dueSoonCases = 10

// Workbench returns the account's to-do items.
func (s *Cases) Workbench(ctx context.Context, who *Account) (Workbench, error) {
	cs := s.store
	var depts []string
	if who.Role.DepartmentScoped() {
		depts = []string{who.DepartmentCode}
	}
	counts, err := cs.CountOpenWarnings(ctx, depts)
	if err != nil {
		return Workbench{}, err
	}
	wb := Workbench{CasesDueSoon: []CaseSummary{}}
	for _, c := range counts {
		if c.Level == LevelAlarm {
			wb.OpenAlarms += c.N
		} else {
			wb.OpenPrewarnings += c.N
		}
		if answers(who.Role, c.Status) {
			wb.WarningsToAnswer += c.N
		}
	}
	// Due soon is the policies' word: a case with an unsettled deadline
	// pre-warning or alarm.
	if who.Role != RoleLegal {
		var nos []string
		for _, level := range []string{LevelAlarm, LevelPrewarning} {
			more, err := cs.CasesWithOpenWarnings(ctx, depts, "deadline", level, dueSoonCases)
			if err != nil {
				return Workbench{}, err
			}
			for _, n := range more {
				if !slices.Contains(nos, n) && len(nos) < dueSoonCases {
					nos = append(nos, n)
				}
			}
		}
		if len(nos) > 0 {
			cases, err := cs.ListCases(ctx, CaseFilter{CaseNos: nos, Departments: depts, Limit: dueSoonCases})
			if err != nil {
				return Workbench{}, err
			}
			open := cases[:0]
			for _, c := range cases {
				if c.Status != CaseClosed {
					open = append(open, c)
				}
			}
			if wb.CasesDueSoon, err = s.summarize(ctx, cs, open); err != nil {
				return Workbench{}, err
			}
			slices.SortStableFunc(wb.CasesDueSoon, func(a, b CaseSummary) int {
				return compareDue(a.DueDate, b.DueDate)
			})
		}
	}
	if who.Role == RoleDeptInspector || who.Role == RoleDeptAdmin {
		if wb.PatrolsToday, err = s.patrolsToday(ctx, who); err != nil {
			return Workbench{}, err
		}
	}
	if Authorize(who, ActExplainMonth, "") == nil {
		if wb.Explanation, err = s.explanationDue(ctx, who); err != nil {
			return Workbench{}, err
		}
	}
	if wb.ApprovalsPending, err = s.supervision.countPendingApprovals(ctx, who); err != nil {
		return Workbench{}, err
	}
	if Authorize(who, ActReadPendingItems, "") == nil {
		if wb.AdjustmentsPending, err = s.catalog.countPendingItems(ctx, who); err != nil {
			return Workbench{}, err
		}
	}
	return wb, nil
}

// answers reports whether a warning in status waits for role's move.
func answers(role Role, status string) bool {
	switch role {
	case RoleDeptAdmin, RoleDeptInspector:
		return status == WarningOpen
	case RoleOversight:
		return status == WarningExplained || status == WarningRectified
	case RoleSupervision:
		return status == WarningReferred
	}
	return false
}

func compareDue(a, b *string) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return 1
	case b == nil:
		return -1
	}
	return strings.Compare(*a, *b)
}

func (s *Cases) patrolsToday(ctx context.Context, who *Account) (*PatrolsToday, error) {
	today := s.now().In(calendar.Shanghai).Format(time.DateOnly)
	l, err := s.patrols.PatrolLedger(ctx, who, who.DepartmentCode, today, today)
	if err != nil || len(l.Days) == 0 {
		return nil, err
	}
	d := l.Days[0]
	return &PatrolsToday{Date: d.Date, Kind: d.Kind, Done: d.Patrols, Required: s.patrolsRequired(d.Kind), Status: d.Status}, nil
}

// patrolsRequired is the number of patrols a day of kind needs.
func (s *Cases) patrolsRequired(kind string) int {
	if kind == string(calendar.Workday) || kind == string(calendar.MakeupWorkday) {
		return s.RuleParams().PatrolsPerWorkday
	}
	return 0
}

func (s *Cases) explanationDue(ctx context.Context, who *Account) (*ExplanationDue, error) {
	y, m, _ := s.now().In(calendar.Shanghai).Date()
	month := time.Date(y, m, 0, 0, 0, 0, 0, calendar.Shanghai).Format("2006-01") // day 0: last month's last day
	r, err := s.reports.MonthlyReport(ctx, who, who.DepartmentCode, month)
	if err != nil {
		return nil, err
	}
	return &ExplanationDue{Month: month, Required: r.ExplanationRequired, Due: r.ExplanationDue, Submitted: r.Explanation != nil}, nil
}
