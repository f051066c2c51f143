package compliance

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"powercheck/internal/calendar"
)

// ExplanationDueDay is the day of the next month by which a month's written
// explanation is due by default, moved on to the next working day when it
// is not one: the rule parameter report.explanation_due_day shipped with the
// default policies. The service counts with the one in force.
const ExplanationDueDay = 3

// zeroCaseLookback bounds how many months back a zero-case streak is counted.
const zeroCaseLookback = 12

// MonthlyReport is a department's month (月报). Counts are over the month in
// Asia/Shanghai: cases accepted in it (closed and open: of those, how many
// are closed now and how many are not), steps that occurred in it and their
// approvals, warnings created in it (rectified: now rectified or verified;
// verified: now verified), and the patrol ledger of its working days up to today.
type MonthlyReport struct {
	DepartmentCode      string           `json:"department_code"`
	Month               string           `json:"month"`
	CasesAccepted       int64            `json:"cases_accepted"`
	CasesClosed         int64            `json:"cases_closed"`
	CasesOpen           int64            `json:"cases_open"`
	Steps               int64            `json:"steps"`
	Warnings            WarningCounts    `json:"warnings"`
	WarningsRectified   int64            `json:"warnings_rectified"`
	WarningsVerified    int64            `json:"warnings_verified"`
	CheckpointApprovals int64            `json:"checkpoint_approvals"`
	Patrol              PatrolCompliance `json:"patrol"`
	ExplanationRequired bool             `json:"explanation_required"`
	ExplanationDue      string           `json:"explanation_due"`
	Explanation         *Explanation     `json:"explanation"`
}

// WarningCounts counts warnings by level and by family.
type WarningCounts struct {
	Prewarning int64            `json:"prewarning"`
	Alarm      int64            `json:"alarm"`
	ByFamily   map[string]int64 `json:"by_family"`
}

// PatrolCompliance summarises the patrol ledger's working days.
type PatrolCompliance struct {
	WorkingDays      int `json:"working_days"`
	OKDays           int `json:"ok_days"`
	InsufficientDays int `json:"insufficient_days"`
	MissingDays      int `json:"missing_days"`
}

// Explanation is a month's written explanation (书面说明), signed by the
// department's responsible leader. Late is computed against the due date.
//
// SignedBy names the signing leader: the username of an active dept_admin
// of the department (SignedByKind SignedByAccount, with the account's real
// name in SignerRealName), or, for explanations of older clients and
// before accounts signed, a name typed in (SignedByFreeText, deprecated).
// Scan describes the signed scan, nil until one is attached.
type Explanation struct {
	DepartmentCode string    `json:"department_code"`
	Month          string    `json:"month"`
	Text           string    `json:"text"`
	SignedBy       string    `json:"signed_by"`
	SignedByKind   string    `json:"signed_by_kind"`
	SignerRealName string    `json:"signer_real_name,omitempty"`
	SubmittedBy    string    `json:"submitted_by"`
	SubmittedAt    time.Time `json:"submitted_at"`
	Late           bool      `json:"late"`
	Scan           *ScanInfo `json:"scan"`
}

// How an explanation names its signing leader (Explanation.SignedByKind).
const (
	SignedByAccount  = "account"   // the username of a dept_admin of the department
	SignedByFreeText = "free_text" // deprecated: a name typed in, checked against nothing
)

// MonthCounts are the stored facts of a department's month.
type MonthCounts struct {
	CasesAccepted       int64
	CasesClosed         int64
	Steps               int64
	CheckpointApprovals int64
	Prewarnings         int64
	Alarms              int64
	Rectified           int64
	Verified            int64
	ByFamily            map[string]int64
}

// MonthFacts is what a month_close evaluation sees as input.month.
type MonthFacts struct {
	Month                  string
	CasesAccepted          int64
	Warnings               int64
	ExplanationRequired    bool
	ExplanationDue         string
	ExplanationSubmittedAt *time.Time // nil: no explanation
	ZeroCaseMonthsInARow   int
	DepartmentCreatedOn    string // YYYY-MM-DD (Asia/Shanghai); "" when not known
}

// MonthCloseRecord is the outcome of closing a month of one department.
type MonthCloseRecord struct {
	DepartmentCode string
	Month          string
	Findings       []Finding
	Revision       int64
	At             time.Time
}

// ReportStore gives the facts of monthly reports and keeps explanations.
type ReportStore interface {
	// MonthCounts counts a department's facts in [from, to).
	MonthCounts(ctx context.Context, dept string, from, to time.Time) (MonthCounts, error)
	// CountCasesAccepted counts the cases a department accepted in [from, to).
	CountCasesAccepted(ctx context.Context, dept string, from, to time.Time) (int64, error)
	// SaveExplanation stores an explanation; a second one for the same
	// department and month fails with ErrDuplicate.
	SaveExplanation(ctx context.Context, e Explanation) (Explanation, error)
	// Explanation returns a month's explanation, or ErrNotFound.
	Explanation(ctx context.Context, dept, month string) (Explanation, error)
	// RecordMonthClose stores the warnings of a month_close evaluation;
	// those already stored for the same department and month are kept, not
	// duplicated. It returns how many were new.
	RecordMonthClose(ctx context.Context, rec MonthCloseRecord) (int, error)
}

// parseMonth reads YYYY-MM and returns its first day; months before 2000
// hold no data and have no calendar.
func parseMonth(month string) (calendar.Date, error) {
	t, err := time.Parse("2006-01", month)
	if err != nil || len(month) != 7 || t.Year() < 2000 {
		return 0, Errorf(ClassInvalid, "invalid_month", "month 须为 YYYY-MM 格式的月份")
	}
	return calendar.MakeDate(t.Year(), t.Month(), 1), nil
}

// wholeMonth reports whether department d existed for the whole month that
// starts at first: it was set up on that day or before. Only such months are
// held against a department as months without cases; those before it was
// set up, and the one it was set up in part-way, are not. A department
// without a creation time has always existed.
func wholeMonth(d Department, first calendar.Date) bool {
	return d.CreatedAt.IsZero() || calendar.DateOf(d.CreatedAt) <= first
}

// createdOn is the day d was set up (Asia/Shanghai), "" when not known.
func createdOn(d Department) string {
	if d.CreatedAt.IsZero() {
		return ""
	}
	return calendar.DateOf(d.CreatedAt).String()
}

// nextMonth returns the first day of the month after the one starting at first.
func nextMonth(first calendar.Date) calendar.Date {
	t := first.Start()
	return calendar.MakeDate(t.Year(), t.Month()+1, 1)
}

// ExplanationDue returns the day a month's explanation is due: the 3rd of
// the next month, or the first working day after it when it is not one.
func (s *Reports) ExplanationDue(month string) (string, error) {
	first, err := parseMonth(month)
	if err != nil {
		return "", err
	}
	c, err := s.cal()
	if err != nil {
		return "", err
	}
	d := nextMonth(first) + calendar.Date(s.RuleParams().ExplanationDueDay) - 1
	for {
		k, err := dayKind(c, d)
		if err != nil {
			return "", err
		}
		if k.IsWorking() {
			return d.String(), nil
		}
		d++
	}
}

// MonthlyReport builds a department's report of a month.
func (s *Reports) MonthlyReport(ctx context.Context, who *Account, dept, month string) (MonthlyReport, error) {
	first, err := parseMonth(month)
	if err != nil {
		return MonthlyReport{}, err
	}
	d, err := s.scopedDepartment(ctx, who, dept)
	if err != nil {
		return MonthlyReport{}, err
	}
	return s.monthlyReport(ctx, d, month, first)
}

// monthlyReport builds the report of department d. A month counts as one
// without cases, which needs an explanation, only when d existed for the
// whole of it (wholeMonth).
func (s *Reports) monthlyReport(ctx context.Context, d Department, month string, first calendar.Date) (MonthlyReport, error) {
	dept := d.Code
	rs := s.store
	due, err := s.ExplanationDue(month)
	if err != nil {
		return MonthlyReport{}, err
	}
	next := nextMonth(first)
	mc, err := rs.MonthCounts(ctx, dept, first.Start(), next.Start())
	if err != nil {
		return MonthlyReport{}, err
	}
	days, err := s.patrols.patrolDays(ctx, dept, first, min(next-1, calendar.DateOf(s.now())))
	if err != nil {
		return MonthlyReport{}, err
	}
	pc := patrolCompliance(days)
	r := MonthlyReport{DepartmentCode: dept, Month: month, CasesAccepted: mc.CasesAccepted,
		CasesClosed: mc.CasesClosed, CasesOpen: mc.CasesAccepted - mc.CasesClosed, Steps: mc.Steps,
		Warnings:          WarningCounts{Prewarning: mc.Prewarnings, Alarm: mc.Alarms, ByFamily: mc.ByFamily},
		WarningsRectified: mc.Rectified, WarningsVerified: mc.Verified, CheckpointApprovals: mc.CheckpointApprovals,
		Patrol: pc, ExplanationDue: due}
	if r.Warnings.ByFamily == nil {
		r.Warnings.ByFamily = map[string]int64{}
	}
	r.ExplanationRequired = mc.Prewarnings+mc.Alarms > 0 || (mc.CasesAccepted == 0 && wholeMonth(d, first))
	e, err := rs.Explanation(ctx, dept, month)
	switch {
	case err == nil:
		e.Late = calendar.DateOf(e.SubmittedAt).String() > due
		r.Explanation = &e
	case !errors.Is(err, ErrNotFound):
		return MonthlyReport{}, err
	}
	return r, nil
}

// SubmitExplanation records a month's written explanation for the
// account's own department, with the time it was received. The month must
// be over; one explanation per department and month.
func (s *Reports) SubmitExplanation(ctx context.Context, who *Account, e Explanation) (Explanation, error) {
	if err := Authorize(who, ActExplainMonth, ""); err != nil {
		return Explanation{}, err
	}
	if e.DepartmentCode == "" {
		e.DepartmentCode = who.DepartmentCode
	}
	if e.DepartmentCode != who.DepartmentCode {
		return Explanation{}, Errorf(ClassForbidden, "other_department", "无权为其他部门（%s）提交书面说明", e.DepartmentCode)
	}
	rs := s.store
	now := s.now()
	var v Validation
	first, err := parseMonth(e.Month)
	if err != nil {
		v.Add("month", "month 须为 YYYY-MM 格式的月份")
	} else if nextMonth(first) > calendar.DateOf(now) {
		v.Add("month", "%s 尚未结束，不能提交书面说明", e.Month)
	}
	e.Text, e.SignedBy = strings.TrimSpace(e.Text), strings.TrimSpace(e.SignedBy)
	if n := utf8.RuneCountInString(e.Text); n == 0 || n > 20000 || len(e.Text) > MaxTextBytes {
		v.Add("text", "说明内容须为 1–20000 字，且不超过 %d 字节", MaxTextBytes)
	}
	checkChars(&v, "text", "说明内容", e.Text, true)
	if n := utf8.RuneCountInString(e.SignedBy); n == 0 || n > 64 {
		v.Add("signed_by", "须由主要负责人签名（signed_by，1–64 字）")
	}
	checkChars(&v, "signed_by", "签名", e.SignedBy, false)
	if err := v.Err("invalid_explanation", "书面说明不合法"); err != nil {
		return Explanation{}, err
	}
	if _, err := s.department(ctx, e.DepartmentCode); err != nil {
		return Explanation{}, err
	}
	if err := s.resolveSigner(ctx, &e); err != nil {
		return Explanation{}, err
	}
	due, err := s.ExplanationDue(e.Month)
	if err != nil {
		return Explanation{}, err
	}
	e.SubmittedBy, e.SubmittedAt = who.Username, now.UTC()
	saved, err := rs.SaveExplanation(ctx, e)
	if errors.Is(err, ErrDuplicate) {
		return Explanation{}, Errorf(ClassConflict, "explanation_exists", "%s 部门 %s 的书面说明已提交，不能重复提交", e.DepartmentCode, e.Month)
	}
	if err != nil {
		return Explanation{}, err
	}
	saved.Late = calendar.DateOf(saved.SubmittedAt).String() > due
	return saved, nil
}

// resolveSigner reads e.SignedBy: a value of the form of a username names
// an account, which must be an active dept_admin of e's department; any
// other value is the deprecated free-text signature of older clients.
func (s *Reports) resolveSigner(ctx context.Context, e *Explanation) error {
	e.SignedByKind, e.SignerRealName = SignedByFreeText, ""
	if !ValidUsername(e.SignedBy) {
		return nil
	}
	refuse := func() error {
		var v Validation
		v.Add("signed_by", "%s 不是 %s 部门在用的负责人（dept_admin）账号", e.SignedBy, e.DepartmentCode)
		return v.Err("invalid_signer", "签字的分管领导须为本部门在用的负责人账号")
	}
	as := s.store
	a, err := as.AccountByUsername(ctx, e.SignedBy)
	if errors.Is(err, ErrNotFound) {
		return refuse()
	}
	if err != nil {
		return err
	}
	expired := a.ExpiresAt != nil && !a.ExpiresAt.After(s.now())
	if a.Role != RoleDeptAdmin || a.DepartmentCode != e.DepartmentCode || a.Disabled || expired {
		return refuse()
	}
	e.SignedByKind, e.SignerRealName = SignedByAccount, a.RealName
	return nil
}
