package compliance

import (
	"fmt"
	"unicode/utf8"
)

// The public side (公开): the power list, one item, a case's progress for its
// applicant and the monthly figures, for everyone without signing in
// (《行政许可法》第三十条, 《政府信息公开条例》第二十条). Public answers are
// built from their own types, field by field: nothing an official types
// about people (handlers, inspectors, opinions, warning texts) can reach
// them by a field added elsewhere.

// Disclosure is what the public reads of an item beside its legal bases,
// flow, limits and discretion standards.
type Disclosure struct {
	Conditions     string     `json:"conditions,omitempty"`      // 申请条件
	Materials      []Material `json:"materials,omitempty"`       // 申请材料
	Fees           string     `json:"fees,omitempty"`            // 收费标准及依据
	Contact        *Contact   `json:"contact,omitempty"`         // 咨询方式
	ServiceChannel string     `json:"service_channel,omitempty"` // 办理渠道 (窗口、网上办理地址)
}

// Material is one document an applicant hands in.
type Material struct {
	Name   string `json:"name"`
	Copies int    `json:"copies,omitempty"`
	Note   string `json:"note,omitempty"`
}

// Contact is where the public asks about an item.
type Contact struct {
	Phone   string `json:"phone,omitempty"`
	Address string `json:"address,omitempty"`
	Hours   string `json:"hours,omitempty"`
}

// Bounds of an item's disclosure.
const (
	MaxConditionsRunes = 4000
	MaxMaterials       = 100
	MaxMaterialRunes   = 500
	MaxFeesRunes       = 1000
	MaxContactRunes    = 200
)

func validateDisclosure(v *Validation, d *Disclosure) {
	type textField struct {
		field, name, value string
		max                int
		multiline          bool
	}
	text := []textField{
		{"conditions", "申请条件", d.Conditions, MaxConditionsRunes, true},
		{"fees", "收费", d.Fees, MaxFeesRunes, true},
		{"service_channel", "办理渠道", d.ServiceChannel, MaxContactRunes, false},
	}
	if c := d.Contact; c != nil {
		text = append(text, []textField{
			{"contact.phone", "咨询电话", c.Phone, MaxContactRunes, false},
			{"contact.address", "咨询地址", c.Address, MaxContactRunes, false},
			{"contact.hours", "办公时间", c.Hours, MaxContactRunes, false},
		}...)
	}
	for _, t := range text {
		if utf8.RuneCountInString(t.value) > t.max {
			v.Add(t.field, "%s不超过 %d 字", t.name, t.max)
		}
		checkChars(v, t.field, t.name, t.value, t.multiline)
	}
	if len(d.Materials) > MaxMaterials {
		v.Add("materials", "申请材料不超过 %d 项", MaxMaterials)
	}
	for i, m := range d.Materials {
		f := fmt.Sprintf("materials[%d]", i)
		checkRequiredLine(v, f+".name", "申请材料名称", m.Name, MaxMaterialRunes, "申请材料名称不能为空且不超过 %d 字", MaxMaterialRunes)
		if m.Copies < 0 || m.Copies > 100 {
			v.Add(f+".copies", "份数须在 0–100 之间")
		}
		if utf8.RuneCountInString(m.Note) > MaxMaterialRunes {
			v.Add(f+".note", "说明不超过 %d 字", MaxMaterialRunes)
		}
		checkChars(v, f+".note", "说明", m.Note, false)
	}
}
