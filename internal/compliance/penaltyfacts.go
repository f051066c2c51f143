package compliance

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Step attributes that the penalty policy reads as dates (RFC 3339): when
// the legal review (法制审核) and the collective discussion (集体讨论) took
// place, when the party was told of the right to a hearing, asked for one,
// was served the hearing notice, and when the hearing was held.
var penaltyTimeAttributes = []string{
	"legal_reviewed_at", "collective_discussion_at",
	"hearing_notified_at", "hearing_requested_at", "hearing_notice_served_at", "hearing_at",
}

// Step attributes that the penalty policy reads as flags: the case is
// complex (情节复杂) or serious (重大违法行为), needs the legal review, or its
// penalty is one of 《行政处罚法》第六十三条 with a right to a hearing.
var penaltyFlagAttributes = []string{"complex", "serious", "legal_review_required", "hearing_eligible"}

// checkPenaltyAttributes refuses penalty facts of the wrong type, which
// the policies could not read and would pass over in silence.
func checkPenaltyAttributes(v *Validation, attrs map[string]any) {
	for _, k := range penaltyTimeAttributes {
		raw, ok := attrs[k]
		if !ok {
			continue
		}
		s, _ := raw.(string)
		if _, err := time.Parse(time.RFC3339, s); err != nil {
			v.Add("attributes."+k, "须为 RFC 3339 格式的时间，如 2026-03-02T09:30:00+08:00")
		}
	}
	for _, k := range penaltyFlagAttributes {
		if raw, ok := attrs[k]; ok {
			if _, isBool := raw.(bool); !isBool {
				v.Add("attributes."+k, "须为 true 或 false")
			}
		}
	}
}

// MitigationKinds are the kinds a step may claim.
var MitigationKinds = []string{MitigationLighter, MitigationReduced, MitigationNone}

// checkDiscretionExtras checks a step's base amount and claimed mitigation.
func checkDiscretionExtras(v *Validation, d *Discretion) {
	if b := d.BaseAmount; b != nil && (math.IsNaN(*b) || math.IsInf(*b, 0) || *b < 0 || *b > MaxAmount) {
		v.Add("discretion.base_amount", "计算基数金额须为 0–%.0f 之间的数", MaxAmount)
	}
	m := d.Mitigation
	if m == nil {
		return
	}
	if !slices.Contains(MitigationKinds, m.Kind) {
		v.Add("discretion.mitigation.kind", "须为 %s", strings.Join(MitigationKinds, "、"))
	}
	if len(m.BasisIDs) > 50 {
		v.Add("discretion.mitigation.basis_ids", "引用的法律依据不超过 50 条")
	}
	for i, id := range m.BasisIDs {
		if !basisIDPattern.MatchString(id) {
			v.Add(fmt.Sprintf("discretion.mitigation.basis_ids[%d]", i), "法律依据编号须为 1–64 位字母、数字或 _ . : / -")
		}
	}
	if utf8.RuneCountInString(m.Reason) > 500 {
		v.Add("discretion.mitigation.reason", "理由不超过 500 字")
	}
	checkChars(v, "discretion.mitigation.reason", "理由", m.Reason, true)
}
