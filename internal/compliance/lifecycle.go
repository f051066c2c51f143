package compliance

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Transition is one step of a warning's lifecycle, kept for good.
type Transition struct {
	ID        int64     `json:"id"`
	WarningID int64     `json:"warning_id"`
	Action    string    `json:"action"`
	From      string    `json:"from"`
	To        string    `json:"to"`
	Actor     string    `json:"actor"`
	ActorName string    `json:"actor_name,omitempty"` // the actor's real name, when the account exists
	Role      Role      `json:"role"`
	Note      string    `json:"note"`
	Reference string    `json:"reference,omitempty"` // the supervision bureau's case reference, for a referral
	Outcome   string    `json:"outcome,omitempty"`   // how a referred warning ended, on closing it
	At        time.Time `json:"at"`
}

// Referral is what the supervision bureau did with a referred warning.
type Referral struct {
	Reference  string     `json:"reference"`
	ReferredBy string     `json:"referred_by"`
	ReferredAt time.Time  `json:"referred_at"`
	Outcome    string     `json:"outcome,omitempty"`
	ClosedAt   *time.Time `json:"closed_at,omitempty"`
}

// Lifecycle actions.
const (
	ActionExplain      = "explain"       // the department explains (书面说明)
	ActionBeginRectify = "begin_rectify" // the department starts rectifying
	ActionRectify      = "rectify"       // the department reports the rectification done
	ActionVerify       = "verify"        // the government affairs office verifies
	ActionRefer        = "refer"         // referred to the supervision bureau (移送)
	ActionClose        = "close"         // closed
	// ActionLift is the system's alone: see Supervision.liftOvertaken.
	ActionLift = "lift" // lifted (解除): the facts warned of were overtaken
)

type move struct {
	from  []string
	to    string
	roles []Role
	note  bool // a note is required
}

var deptRoles = []Role{RoleDeptAdmin, RoleDeptInspector}

// lifecycle is the one state machine of warnings: which action moves a
// warning from which statuses to which, and who may take it.
var lifecycle = map[string]move{
	ActionExplain:      {from: []string{WarningOpen}, to: WarningExplained, roles: deptRoles, note: true},
	ActionBeginRectify: {from: []string{WarningOpen, WarningExplained}, to: WarningRectifying, roles: deptRoles, note: true},
	ActionRectify:      {from: []string{WarningOpen, WarningExplained, WarningRectifying}, to: WarningRectified, roles: deptRoles, note: true},
	ActionVerify:       {from: []string{WarningExplained, WarningRectified}, to: WarningVerified, roles: []Role{RoleOversight}},
	ActionRefer: {from: []string{WarningOpen, WarningExplained, WarningRectifying, WarningRectified, WarningVerified},
		to: WarningReferred, roles: []Role{RoleOversight, RoleSupervision}, note: true},
	ActionClose: {from: []string{WarningReferred, WarningVerified}, to: WarningClosed, roles: []Role{RoleSupervision, RoleOversight}},
}

var actionNames = map[string]string{
	ActionExplain: "书面说明", ActionBeginRectify: "开始整改", ActionRectify: "整改完成",
	ActionVerify: "核实", ActionRefer: "移送监察", ActionClose: "办结", ActionLift: "解除",
}

var statusNames = map[string]string{
	WarningOpen: "待处理", WarningExplained: "已说明", WarningRectifying: "整改中", WarningRectified: "已整改",
	WarningVerified: "已核实", WarningReferred: "已移送", WarningClosed: "已办结", WarningLifted: "已解除",
}

// LifecycleStore keeps warnings' transitions.
type LifecycleStore interface {
	Warning(ctx context.Context, id int64) (Warning, error)
	// TransitionWarning moves the warning from t.From to t.To and records t,
	// in one transaction; ok is false when the warning is no longer in t.From.
	TransitionWarning(ctx context.Context, t Transition) (stored Transition, ok bool, err error)
	Transitions(ctx context.Context, warningID int64) ([]Transition, error)
}

// WarningView is a warning with its history.
type WarningView struct {
	Warning
	Transitions []Transition `json:"transitions"`
	Referral    *Referral    `json:"referral,omitempty"`
}

// referralOf reads a referral from a warning's transitions.
func referralOf(ts []Transition) *Referral {
	var r *Referral
	for _, t := range ts {
		switch {
		case t.Action == ActionRefer:
			r = &Referral{Reference: t.Reference, ReferredBy: t.Actor, ReferredAt: t.At}
		case t.Action == ActionClose && r != nil:
			at := t.At
			r.Outcome, r.ClosedAt = t.Outcome, &at
		}
	}
	return r
}

// Warning returns a warning the account may see, with its transitions.
func (s *Supervision) Warning(ctx context.Context, who *Account, id int64) (WarningView, error) {
	ls := s.store
	w, err := ls.Warning(ctx, id)
	if errors.Is(err, ErrNotFound) || (err == nil && !who.CanSeeDepartment(w.DepartmentCode)) {
		return WarningView{}, Errorf(ClassNotFound, "warning_not_found", "预警 %d 不存在", id)
	}
	if err != nil {
		return WarningView{}, err
	}
	ts, err := ls.Transitions(ctx, id)
	if err != nil {
		return WarningView{}, err
	}
	s.nameActors(ctx, ts)
	return WarningView{Warning: w, Transitions: nonNil(ts), Referral: referralOf(ts)}, nil
}

// nameActors fills in the real names of the transitions' actors, so that a
// person reads 孙局长, not zjj-admin. An actor whose account cannot be read
// keeps its username only.
func (s *Supervision) nameActors(ctx context.Context, ts []Transition) {
	as := s.store
	names := map[string]string{}
	for i := range ts {
		n, ok := names[ts[i].Actor]
		if !ok {
			if a, err := as.AccountByUsername(ctx, ts[i].Actor); err == nil {
				n = a.RealName
			}
			names[ts[i].Actor] = n
		}
		ts[i].ActorName = n
	}
}

// referencePattern is the supervision bureau's case reference, e.g.
// 区监察〔2026〕12号: letters of any script, digits and the brackets and
// marks such numbers use; no spaces, quotes or other punctuation.
var referencePattern = regexp.MustCompile(`^[\p{L}\p{N}〔〕［］\[\]()（）【】_./:#-]+$`)

// Transition takes a lifecycle action on a warning.
// A referral needs the bureau's case reference, and closing a referred
// warning its outcome.
func (s *Supervision) Transition(ctx context.Context, who *Account, id int64, action, note, reference, outcome string) (WarningView, error) {
	ls := s.store
	m, ok := lifecycle[action]
	if action == ActionLift {
		return WarningView{}, Errorf(ClassForbidden, "forbidden", "预警只能由系统在其所警示的情况消除后解除")
	}
	if !ok {
		return WarningView{}, Errorf(ClassInvalid, "unknown_action", "未知的处理动作 %q，应为 explain、begin_rectify、rectify、verify、refer 或 close", action)
	}
	note = strings.TrimSpace(note)
	if m.note && note == "" {
		return WarningView{}, Errorf(ClassInvalid, "note_required", "该动作须填写说明（note）")
	}
	outcome = strings.TrimSpace(outcome)
	if utf8.RuneCountInString(note) > 2000 || utf8.RuneCountInString(reference) > 128 || utf8.RuneCountInString(outcome) > 2000 {
		return WarningView{}, Errorf(ClassInvalid, "note_too_long", "说明和处理结果不超过 2000 字，案件编号不超过 128 字")
	}
	if action == ActionRefer && reference == "" {
		return WarningView{}, Errorf(ClassInvalid, "reference_required", "移送须填写监察局案件编号（reference）")
	}
	// The reference is an identifier: it is taken as written or refused.
	if reference != "" && !referencePattern.MatchString(reference) {
		return WarningView{}, Errorf(ClassInvalid, "invalid_reference", "监察局案件编号只能由文字、数字和〔〕()【】_./:#- 组成，不能有空格或引号")
	}
	if !cleanText(note, true) || !cleanText(outcome, true) {
		return WarningView{}, Errorf(ClassInvalid, "invalid_note", "说明和处理结果不能包含控制字符（换行和制表符除外）")
	}
	cur, err := s.Warning(ctx, who, id)
	if err != nil {
		return WarningView{}, err
	}
	if !slices.Contains(m.roles, who.Role) {
		return WarningView{}, Errorf(ClassForbidden, "forbidden", "%s不能对预警执行“%s”", who.Role.Name(), actionNames[action])
	}
	if !slices.Contains(m.from, cur.Status) {
		return WarningView{}, Errorf(ClassConflict, "illegal_transition", "预警当前状态为“%s”，不能执行“%s”", statusNames[cur.Status], actionNames[action])
	}
	if action == ActionClose && cur.Status == WarningReferred && outcome == "" {
		return WarningView{}, Errorf(ClassInvalid, "outcome_required", "办结已移送的预警须填写处理结果（outcome）")
	}
	t := Transition{WarningID: id, Action: action, From: cur.Status, To: m.to, Actor: who.Username, Role: who.Role,
		Note: note, Reference: reference, Outcome: outcome, At: s.now().UTC()}
	if _, ok, err := ls.TransitionWarning(ctx, t); err != nil {
		return WarningView{}, err
	} else if !ok {
		return WarningView{}, Errorf(ClassConflict, "illegal_transition", "预警 %d 的状态已被他人改变，请刷新后重试", id)
	}
	return s.Warning(ctx, who, id)
}
