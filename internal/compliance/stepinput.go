package compliance

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"time"
	"unicode/utf8"
)

func (sub *StepSubmission) validate(now time.Time) error {
	var v Validation
	if !idPattern.MatchString(sub.ID) {
		v.Add("id", "环节记录编号须为 1–128 位字母、数字或 _ . : / -")
	}
	if !idPattern.MatchString(sub.CaseNo) || len(sub.CaseNo) > 64 {
		v.Add("case_no", "办件编号须为 1–64 位字母、数字或 _ . : / -")
	}
	// Codes are checked before they are looked up: MySQL compares strings
	// ignoring trailing spaces, so "XK-001 " would find XK-001 there.
	if sub.PowerItemCode != "" && !itemCodePattern.MatchString(sub.PowerItemCode) {
		v.Add("power_item_code", "事项编码须为 1–64 位字母、数字、下划线、点或连字符")
	}
	switch {
	case sub.StepCode == "":
		v.Add("step_code", "须指明环节编码")
	case !stepCodePattern.MatchString(sub.StepCode):
		v.Add("step_code", "环节编码须以小写字母开头，由不超过 32 个小写字母、数字和下划线组成")
	}
	checkRequiredLine(&v, "handler", "经办人", sub.Handler, 64, "须填写经办人，且不超过 64 个字")
	if utf8.RuneCountInString(sub.Applicant) > 255 {
		v.Add("applicant", "申请人不超过 255 个字")
	}
	checkChars(&v, "applicant", "申请人", sub.Applicant, false)
	checkTime(&v, "occurred_at", "办理时间", sub.OccurredAt, now)
	if len(sub.LegalBasisIDs) > 50 {
		v.Add("legal_basis_ids", "引用的法律依据不超过 50 条")
	}
	for i, id := range sub.LegalBasisIDs {
		if !basisIDPattern.MatchString(id) {
			v.Add(fmt.Sprintf("legal_basis_ids[%d]", i), "法律依据编号须为 1–64 位字母、数字或 _ . : / -")
		}
	}
	if d := sub.Discretion; d != nil {
		checkRequiredLine(&v, "discretion.tier", "裁量情形", d.Tier, 64, "须指明裁量情形，且不超过 64 个字")
		if math.IsNaN(d.Amount) || math.IsInf(d.Amount, 0) || d.Amount < 0 || d.Amount > MaxAmount {
			v.Add("discretion.amount", "裁量金额须为 0–%.0f 之间的数", MaxAmount)
		}
		checkDiscretionExtras(&v, d)
	}
	if len(sub.Approvals) > 20 {
		v.Add("approvals", "审批记录不超过 20 条")
	}
	for i, a := range sub.Approvals {
		f := fmt.Sprintf("approvals[%d]", i)
		if !Role(a.Role).Valid() {
			v.Add(f+".role", "未知的审批角色 %.32q", a.Role)
		}
		checkRequiredLine(&v, f+".by", "审批人", a.By, 64, "须填写审批人，且不超过 64 个字")
		checkTime(&v, f+".at", "审批时间", a.At, now)
	}
	checkAttributes(&v, sub.Attributes)
	checkPenaltyAttributes(&v, sub.Attributes)
	if sub.StepCode == StepExtend {
		if n, ok := sub.Attributes["extension_days"].(float64); !ok || n <= 0 || n != math.Trunc(n) {
			v.Add("attributes.extension_days", "延期环节须以正整数写明延长的天数")
		}
	}
	return v.Err("invalid_step", "环节记录不合法")
}

// checkTime refuses a missing time, one before 2000 and one in the future.
func checkTime(v *Validation, field, name string, t, now time.Time) {
	switch {
	case t.IsZero():
		v.Add(field, "须填写%s（RFC 3339 格式，如 2026-03-02T09:30:00+08:00）", name)
	case t.After(now.Add(MaxFutureSkew)):
		v.Add(field, "%s %s 晚于当前时间", name, t.Format(time.RFC3339))
	case t.Year() < 2000:
		v.Add(field, "%s %s 不合理", name, t.Format(time.RFC3339))
	}
}

// checkAttributes bounds a step's free attributes: their size as JSON, and
// every key and string in them must be text without control characters.
func checkAttributes(v *Validation, attrs map[string]any) {
	if n := jsonSize(attrs); n > MaxAttributesBytes {
		v.Add("attributes", "附加属性（attributes）不超过 %d 字节，现为 %d 字节", MaxAttributesBytes, n)
		return
	}
	var clean func(x any) bool
	clean = func(x any) bool {
		switch x := x.(type) {
		case string:
			return cleanText(x, true)
		case []any:
			for _, e := range x {
				if !clean(e) {
					return false
				}
			}
		case map[string]any:
			for k, e := range x {
				if k == "" || utf8.RuneCountInString(k) > 64 || !cleanText(k, false) || !clean(e) {
					return false
				}
			}
		}
		return true
	}
	if !clean(attrs) {
		v.Add("attributes", "附加属性的名称须为 1–64 个字，名称和文字都不能包含控制字符")
	}
}

// digest identifies the content of a submission: a replay with the same id
// must carry the same digest.
func (sub *StepSubmission) digest() string {
	c := *sub
	c.OccurredAt = c.OccurredAt.UTC()
	c.Approvals = append([]Approval(nil), sub.Approvals...)
	for i := range c.Approvals {
		c.Approvals[i].At = c.Approvals[i].At.UTC()
	}
	b, err := json.Marshal(c) // map keys are sorted, so this is canonical
	if err != nil {
		panic(fmt.Sprintf("digest of step: %v", err)) // the types are plain data
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
