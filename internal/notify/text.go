package notify

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"powercheck/internal/compliance"
)

var (
	levelNames  = map[string]string{compliance.LevelPrewarning: "预警", compliance.LevelAlarm: "报警"}
	actionNames = map[string]string{compliance.ActionExplain: "书面说明", compliance.ActionBeginRectify: "开始整改",
		compliance.ActionRectify: "整改完成", compliance.ActionVerify: "核实", compliance.ActionRefer: "移送监察",
		compliance.ActionClose: "办结", compliance.ActionLift: "解除"}
	statusNames = map[string]string{compliance.WarningOpen: "待处理", compliance.WarningExplained: "已说明",
		compliance.WarningRectifying: "整改中", compliance.WarningRectified: "已整改", compliance.WarningVerified: "已核实",
		compliance.WarningReferred: "已移送", compliance.WarningClosed: "已办结", compliance.WarningLifted: "已解除"}
)

// eventData is the union of the fields the texts read from events' data.
type eventData struct {
	compliance.Warning
	Escalates int64              `json:"escalates"`
	Action    string             `json:"action"`
	From      string             `json:"from"`
	To        string             `json:"to"`
	Note      string             `json:"note"`
	Inner     compliance.Warning `json:"warning"`
	// approval.waiting
	ItemName string `json:"item_name"`
	StepName string `json:"step_name"`
	// patrol.short, explanation.due
	Date     string `json:"date"`
	Done     int    `json:"done"`
	Required int    `json:"required"`
	Month    string `json:"month"`
	Due      string `json:"due"`
	// policy.published
	Revision  int64  `json:"revision"`
	CreatedBy string `json:"created_by"`
}

// describe returns the title, summary and console link of e, in Chinese.
func describe(e compliance.Event) (title, summary, link string) {
	var d eventData
	_ = json.Unmarshal(e.Data, &d) // missing fields leave the texts plainer
	where := "部门 " + e.Department
	if e.CaseNo != "" {
		where = "办件 " + e.CaseNo
	}
	switch e.Name {
	case compliance.EventWarningRaised:
		return fmt.Sprintf("新%s · %s", levelNames[d.Level], where), d.Message, warningLink(d.ID)
	case compliance.EventWarningEscalated:
		t := "预警升级为报警"
		if d.Family == "followup" {
			t = "报警逾期未答复"
		}
		return fmt.Sprintf("%s · %s", t, where), d.Message, warningLink(d.ID)
	case compliance.EventWarningTransitioned:
		s := fmt.Sprintf("%s（%s）由“%s”变为“%s”", levelNames[d.Inner.Level], d.Inner.Rule, statusNames[d.From], statusNames[d.To])
		if d.Note != "" {
			s += "：" + d.Note
		}
		return fmt.Sprintf("%s%s · %s", levelNames[d.Inner.Level], actionNames[d.Action], where), s, warningLink(d.Inner.ID)
	case compliance.EventWarningLifted:
		return "预警已解除 · " + where, d.Note, warningLink(d.Inner.ID)
	case compliance.EventApprovalWaiting:
		return "待审核 · " + where, fmt.Sprintf("事项“%s”的环节“%s”等待审核签署", d.ItemName, d.StepName),
			"/cases/" + url.PathEscape(e.CaseNo)
	case compliance.EventPatrolShort:
		return "巡查次数不足 · " + e.Department, fmt.Sprintf("%s 已巡查 %d 次，每个工作日应不少于 %d 次", d.Date, d.Done, d.Required), "/patrols"
	case compliance.EventExplanationDue:
		return "书面说明即将到期 · " + e.Department, fmt.Sprintf("%s 月报的书面说明应于 %s 前提交，尚未提交", d.Month, d.Due),
			"/reports/monthly?month=" + url.QueryEscape(d.Month)
	case compliance.EventPolicyPublished:
		return fmt.Sprintf("策略已发布 · 修订 %d", d.Revision), fmt.Sprintf("%s 发布了新的策略修订", d.CreatedBy), "/policies"
	}
	return e.Name, "", ""
}

func warningLink(id int64) string {
	if id == 0 {
		return ""
	}
	return "/warnings/" + strconv.FormatInt(id, 10)
}

// cut bounds a text to n characters.
func cut(s string, n int) string {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}
