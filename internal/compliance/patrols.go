package compliance

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"powercheck/internal/calendar"
)

// Events of the ledgers.
const (
	EventPatrolDay  = "patrol_day"  // a working day is closed, per department
	EventMonthClose = "month_close" // a month is closed, per department
	EventPatrol     = "patrol"      // a patrol is recorded
)

// PatrolEntryHours is, by default (the rule parameter
// patrol.entry_window_hours), how many hours after its claimed time (at) a
// patrol may be recorded and still count for its day; it must also be
// recorded on that same day (Asia/Shanghai). Later entries are kept as
// evidence but do not fill the day, and the patrol policy raises a
// pre-warning for them.
const PatrolEntryHours = 2

// Why a patrol does not count for its day (PatrolEntry.NotCounted).
const (
	PatrolRecordedLate       = "recorded_late"        // more than the entry window after at
	PatrolRecordedAnotherDay = "recorded_another_day" // on another day than at's
)

// PatrolsPerWorkday is how many patrols a working day needs by default
// (日常巡查 at least twice a day): the rule parameter patrol.per_workday
// shipped with the default policies. The ledger's statuses use the one in
// force; the warnings come from the patrol policy alone.
const PatrolsPerWorkday = 2

// Patrol statuses of a day in the ledger.
const (
	PatrolOK           = "ok"
	PatrolInsufficient = "insufficient"
	PatrolMissing      = "missing"
	PatrolNotRequired  = "not_required"
)

// MaxLedgerDays bounds the period of one ledger or one closing run.
const MaxLedgerDays = 366

// Patrol is one daily patrol (日常巡查) of a department's platform by one
// of its inspectors.
type Patrol struct {
	ID             int64     `json:"id"`
	DepartmentCode string    `json:"department_code"`
	Inspector      string    `json:"inspector"`
	At             time.Time `json:"at"`
	Findings       string    `json:"findings"`
	Problems       []string  `json:"problems"`
	CreatedAt      time.Time `json:"created_at"`
	// RecordedAt is when the patrol was entered (the same as CreatedAt);
	// Counts tells whether it counts for the day of At (PatrolNotCounted).
	RecordedAt time.Time `json:"recorded_at"`
	Counts     bool      `json:"counts"`
	// Warnings are what the patrol policy found when it was recorded
	// (patrol.backdated); set on the answer to a new patrol only.
	Warnings []Finding `json:"warnings,omitempty"`
}

// PatrolNotCounted tells why a patrol claimed at at and recorded at
// recorded does not count for its day, or "" when it does.
// (window: see PatrolEntryHours).
func PatrolNotCounted(at, recorded time.Time, window time.Duration) string {
	switch {
	case calendar.DateOf(at) != calendar.DateOf(recorded):
		return PatrolRecordedAnotherDay
	case recorded.Sub(at) > window:
		return PatrolRecordedLate
	}
	return ""
}

// withCounts fills the fields derived from when p was recorded.
func (p Patrol) withCounts(window time.Duration) Patrol {
	p.RecordedAt = p.CreatedAt
	p.Counts = PatrolNotCounted(p.At, p.CreatedAt, window) == ""
	return p
}

// PatrolFacts is what a patrol evaluation sees as input.patrol.
type PatrolFacts struct {
	Inspector  string
	At         time.Time // claimed
	RecordedAt time.Time
}

// PatrolEntry is one patrol in the ledger: when it was claimed to take
// place beside when it was recorded, and whether it counts for the day.
type PatrolEntry struct {
	ID         int64     `json:"id"`
	Inspector  string    `json:"inspector"`
	At         time.Time `json:"at"`
	RecordedAt time.Time `json:"recorded_at"`
	Counts     bool      `json:"counts"`
	NotCounted string    `json:"not_counted_reason,omitempty"` // PatrolRecordedLate, PatrolRecordedAnotherDay
}

// DayFacts is what a patrol_day evaluation sees as input.day.
type DayFacts struct {
	Date    string // YYYY-MM-DD
	Kind    string // a calendar.DayKind
	Patrols int
}

// PatrolDay is one day of the patrol ledger. Patrols counts the patrols
// that count for the day; NotCounted those claimed for it but recorded
// too late (PatrolEntryHours). Entries lists both, by claimed time.
type PatrolDay struct {
	Date       string        `json:"date"`
	Kind       string        `json:"kind"`
	Patrols    int           `json:"patrols"`
	NotCounted int           `json:"not_counted"`
	Status     string        `json:"status"`
	Entries    []PatrolEntry `json:"entries"`
}

// PatrolDayRecord is the outcome of closing one working day of one department.
type PatrolDayRecord struct {
	DepartmentCode string
	Date           string
	Patrols        int
	Findings       []Finding
	Revision       int64
	At             time.Time
}

// PatrolRecord is a new patrol with what the patrol policy found about it.
type PatrolRecord struct {
	Patrol   Patrol
	Findings []Finding
	Revision int64
}

// PatrolStore keeps patrols and which days have been closed.
type PatrolStore interface {
	// CreatePatrol stores a patrol and the warnings found about it, in one
	// transaction.
	CreatePatrol(ctx context.Context, rec PatrolRecord) (Patrol, error)
	// Patrols returns a department's patrols claimed in [from, to), by
	// claimed time, without their findings and problems.
	Patrols(ctx context.Context, dept string, from, to time.Time) ([]Patrol, error)
	// ClosedPatrolDays returns the days of a department closed in [from, to] (YYYY-MM-DD).
	ClosedPatrolDays(ctx context.Context, dept, from, to string) (map[string]bool, error)
	// ClosePatrolDay marks the day closed and stores the warnings found, in
	// one transaction; claimed is false (and nothing is stored) when the day
	// was already closed, by another node say. inserted counts new warnings.
	ClosePatrolDay(ctx context.Context, rec PatrolDayRecord) (claimed bool, inserted int, err error)
}

// cal returns the calendar in force.
func (s *Core) cal() (*calendar.Calendar, error) {
	if s.calendar == nil || s.calendar.Calendar() == nil {
		return nil, errors.New("calendar: no calendar holder configured")
	}
	return s.calendar.Calendar(), nil
}

// dayKind classifies d, answering an unknown year as a validation error.
func dayKind(c *calendar.Calendar, d calendar.Date) (calendar.DayKind, error) {
	k, err := c.DayKind(d)
	var unknown *calendar.UnknownYearError
	if errors.As(err, &unknown) {
		return "", Errorf(ClassInvalid, "calendar_year_unknown",
			"尚未录入 %d 年的节假日安排，无法判断 %s 是否为工作日，请系统管理员先录入", unknown.Year, d)
	}
	return k, err
}

// patrolStatus is the ledger status of a day of kind k with n patrols, of
// which a working day needs required.
func patrolStatus(k calendar.DayKind, n, required int) string {
	switch {
	case !k.IsWorking():
		return PatrolNotRequired
	case n >= required:
		return PatrolOK
	case n > 0:
		return PatrolInsufficient
	}
	return PatrolMissing
}

// RecordPatrol stores a patrol of the inspector's own department.
func (s *Patrols) RecordPatrol(ctx context.Context, who *Account, p Patrol) (Patrol, error) {
	if err := Authorize(who, ActRecordPatrol, ""); err != nil {
		return Patrol{}, err
	}
	if who.DepartmentCode == "" { // an inspector patrols its department
		return Patrol{}, errForbidden
	}
	ps := s.store
	now := s.now()
	var v Validation
	switch {
	case p.At.IsZero():
		v.Add("at", "巡查时间必填（RFC 3339 格式）")
	case p.At.After(now.Add(MaxFutureSkew)):
		v.Add("at", "巡查时间不能晚于当前时间")
	case p.At.Year() < 2000:
		v.Add("at", "巡查时间 %s 不合理", p.At.Format(time.RFC3339))
	}
	p.Findings = strings.TrimSpace(p.Findings)
	switch n := utf8.RuneCountInString(p.Findings); {
	case n == 0:
		v.Add("findings", "巡查情况必填")
	case n > 4000:
		v.Add("findings", "巡查情况不能超过 4000 字")
	}
	checkChars(&v, "findings", "巡查情况", p.Findings, true)
	if len(p.Problems) > 100 {
		v.Add("problems", "发现的问题不能超过 100 条")
	}
	problems := make([]string, 0, len(p.Problems))
	for _, pr := range p.Problems {
		pr = strings.TrimSpace(pr)
		if pr == "" || utf8.RuneCountInString(pr) > 1000 || !cleanText(pr, true) {
			v.Add("problems", "每条问题须为 1–1000 字，且不能包含控制字符（换行和制表符除外）")
			break
		}
		problems = append(problems, pr)
	}
	if n := jsonSize(problems); n > MaxJSONBytes {
		v.Add("problems", "发现的问题合计过长（存储时 %d 字节，上限 %d 字节）", n, MaxJSONBytes)
	}
	if err := v.Err("invalid_patrol", "巡查记录不合法"); err != nil {
		return Patrol{}, err
	}
	p.ID, p.Problems = 0, problems
	p.DepartmentCode, p.Inspector = who.DepartmentCode, who.Username
	p.At, p.CreatedAt = p.At.UTC().Truncate(time.Millisecond), now.UTC()
	rec := PatrolRecord{Patrol: p}
	d, err := s.department(ctx, who.DepartmentCode)
	if err != nil {
		return Patrol{}, err
	}
	// The patrol is evidence of its own: it is kept even when the policies
	// cannot be evaluated, and counts or not by when it was recorded.
	ev, err := s.eval.Evaluate(ctx, &Input{Event: EventPatrol, Now: now, Department: d,
		Patrol: &PatrolFacts{Inspector: p.Inspector, At: p.At, RecordedAt: p.CreatedAt}})
	if err != nil {
		s.log.ErrorContext(ctx, "patrol evaluation failed; patrol stored without warnings", "department", d.Code,
			"inspector", p.Inspector, "revision", ev.Revision, "error", err)
	} else {
		rec.Findings, rec.Revision = ev.Findings, ev.Revision
	}
	saved, err := ps.CreatePatrol(ctx, rec)
	if err != nil {
		return Patrol{}, err
	}
	saved = saved.withCounts(s.RuleParams().PatrolEntryWindow())
	saved.Warnings = rec.Findings
	return saved, nil
}

// parsePeriod reads a from–to period of YYYY-MM-DD dates, both included.
func parsePeriod(from, to string) (calendar.Date, calendar.Date, error) {
	var v Validation
	f, err := calendar.ParseDate(from)
	if err != nil {
		v.Add("from", "from 须为 YYYY-MM-DD 格式的日期")
	}
	t, err2 := calendar.ParseDate(to)
	if err2 != nil {
		v.Add("to", "to 须为 YYYY-MM-DD 格式的日期")
	}
	if err == nil && err2 == nil {
		switch {
		case t < f:
			v.Add("to", "to 不能早于 from")
		case int(t-f)+1 > MaxLedgerDays:
			v.Add("to", "期间不能超过 %d 天", MaxLedgerDays)
		}
	}
	return f, t, v.Err("invalid_period", "查询期间不合法")
}

// scopedDepartment resolves the department an account asks about: its own
// when department-scoped (another one is forbidden), else the one named.
func (s *Core) scopedDepartment(ctx context.Context, who *Account, dept string) (Department, error) {
	if who.Role.DepartmentScoped() {
		if dept == "" {
			dept = who.DepartmentCode
		}
		if dept != who.DepartmentCode {
			return Department{}, Errorf(ClassForbidden, "other_department", "无权查看其他部门（%s）的数据", dept)
		}
	}
	if dept == "" {
		return Department{}, Errorf(ClassInvalid, "department_required", "须指定部门（department）")
	}
	return s.department(ctx, dept)
}

// PatrolLedger lists each day of from–to (YYYY-MM-DD, both included) with
// its kind, its patrols and their status. Days after today are not listed.
func (s *Patrols) PatrolLedger(ctx context.Context, who *Account, dept, from, to string) (PatrolLedger, error) {
	f, t, err := parsePeriod(from, to)
	if err != nil {
		return PatrolLedger{}, err
	}
	d, err := s.scopedDepartment(ctx, who, dept)
	if err != nil {
		return PatrolLedger{}, err
	}
	days, err := s.patrolDays(ctx, d.Code, f, min(t, calendar.DateOf(s.now())))
	if err != nil {
		return PatrolLedger{}, err
	}
	return PatrolLedger{DepartmentCode: d.Code, From: from, To: to, Days: days}, nil
}
