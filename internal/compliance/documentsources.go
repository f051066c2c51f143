package compliance

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"powercheck/internal/calendar"
)

// supervisedStatuses are the statuses of a warning still to be dealt with,
// which a supervision order may urge.
var supervisedStatuses = []string{WarningOpen, WarningExplained, WarningRectifying}

// referralStatuses are the statuses of a referred warning (a referral).
var referralStatuses = []string{WarningReferred, WarningClosed}

// fromWarning fills doc from the warning it is about and returns the entry
// it leaves in the warning's history. A supervision order is about a
// warning still to be dealt with; a notice or an advice about a referral.
func (d *Documents) fromWarning(ctx context.Context, doc *Document, req IssueRequest) (*Transition, error) {
	ls := d.store
	w, err := ls.Warning(ctx, req.WarningID)
	if errors.Is(err, ErrNotFound) {
		return nil, Errorf(ClassInvalid, "warning_not_found", "预警 %d 不存在", req.WarningID)
	}
	if err != nil {
		return nil, err
	}
	if req.Kind == DocSupervisionOrder && !slices.Contains(supervisedStatuses, w.Status) {
		return nil, Errorf(ClassConflict, "document_not_applicable", "预警 %d 当前状态为“%s”，无需督办", w.ID, statusNames[w.Status])
	}
	if req.Kind != DocSupervisionOrder {
		if !slices.Contains(referralStatuses, w.Status) {
			return nil, Errorf(ClassConflict, "document_not_applicable", "预警 %d 尚未移送监察机关，不能据此签发%s", w.ID, DocumentKindName(req.Kind))
		}
		ts, err := ls.Transitions(ctx, w.ID)
		if err != nil {
			return nil, err
		}
		if referralOf(ts) == nil {
			return nil, Errorf(ClassConflict, "document_not_applicable", "预警 %d 没有移送记录", w.ID)
		}
	}
	id := w.ID
	doc.WarningID, doc.DepartmentCode, doc.CaseNo = &id, w.DepartmentCode, w.CaseNo
	c := &doc.Content
	c.Rule, c.RuleTitle, c.Basis = w.Rule, req.RuleTitle, w.Basis
	c.Facts = fmt.Sprintf("%s，办件 %s 产生%s（预警编号 %d）：%s", formatDay(w.CreatedAt), orDash(w.CaseNo), levelName(w.Level), w.ID, w.Message)
	c.Requirement = requirementOf(req.Kind, c.AnswerBy)
	doc.Subject = fmt.Sprintf("关于办件 %s %s的%s", orDash(w.CaseNo), levelName(w.Level), DocumentKindName(req.Kind))
	return &Transition{WarningID: w.ID, Action: ActionIssueDocument, Actor: doc.IssuedBy, Role: doc.IssuerRole,
		Note: fmt.Sprintf("签发%s", DocumentKindName(req.Kind)), At: doc.IssuedAt}, nil
}

// fromFinding fills doc from a spot check's finding of a problem.
func (d *Documents) fromFinding(ctx context.Context, who *Account, doc *Document, req IssueRequest) error {
	sc, err := d.supervision.SpotCheck(ctx, who, req.SpotCheckID)
	if err != nil {
		if ClassOf(err) == ClassNotFound {
			return Errorf(ClassInvalid, "spot_check_not_found", "抽查 %d 不存在", req.SpotCheckID)
		}
		return err
	}
	i := slices.IndexFunc(sc.Cases, func(c SpotCheckCase) bool { return c.CaseNo == req.CaseNo })
	if i < 0 {
		return Errorf(ClassInvalid, "case_not_sampled", "办件 %s 不在抽查 %d 的样本中", req.CaseNo, sc.ID)
	}
	c := sc.Cases[i]
	if c.Finding == nil || c.Finding.Result != SpotProblem {
		return Errorf(ClassConflict, "document_not_applicable", "抽查 %d 未在办件 %s 中发现问题，不能据此签发%s", sc.ID, c.CaseNo, DocumentKindName(req.Kind))
	}
	id := sc.ID
	doc.SpotCheckID, doc.DepartmentCode, doc.CaseNo = &id, c.DepartmentCode, c.CaseNo
	doc.Content.Facts = fmt.Sprintf("%s，抽查（编号 %d）办件 %s（事项 %s）发现问题：%s",
		formatDay(c.Finding.RecordedAt), sc.ID, c.CaseNo, c.PowerItemCode, c.Finding.Note)
	doc.Content.Requirement = requirementOf(req.Kind, doc.Content.AnswerBy)
	doc.Subject = fmt.Sprintf("关于抽查办件 %s 发现问题的%s", c.CaseNo, DocumentKindName(req.Kind))
	return nil
}

// requirementOf is what the department is told to do, by kind.
func requirementOf(kind, answerBy string) string {
	day := formatDate(answerBy)
	switch kind {
	case DocSupervisionOrder:
		return fmt.Sprintf("请你单位对上述问题认真核查、依法处置，并于%s前将处理情况书面报送。", day)
	case DocRectificationNotice:
		return fmt.Sprintf("请你单位立即整改，举一反三、建章立制，并于%s前将整改情况书面报送。", day)
	}
	return fmt.Sprintf("建议你单位针对上述问题查找制度漏洞、完善内控机制、加强监督管理，并于%s前将采纳和落实情况书面回复。", day)
}

func levelName(level string) string {
	if level == LevelAlarm {
		return "报警"
	}
	return "预警"
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// formatDay writes t's day in Asia/Shanghai as 2026年3月2日.
func formatDay(t time.Time) string { return t.In(calendar.Shanghai).Format("2006年1月2日") }

// formatDate writes a YYYY-MM-DD date as 2026年3月2日.
func formatDate(d string) string {
	t, err := time.ParseInLocation(time.DateOnly, d, calendar.Shanghai)
	if err != nil {
		return d
	}
	return formatDay(t)
}
