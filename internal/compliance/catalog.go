package compliance

import (
	"context"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

var (
	itemCodePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)
	stepCodePattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)
	// basisIDPattern is a legal basis id, on an item and cited by a step.
	basisIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,63}$`)
)

// Limits of an item's lists.
const (
	MaxLegalBases = 50
	MaxFlowSteps  = 50
	MaxTiers      = 50
)

// MaxItemVersions bounds the versions of one item, pending and rejected ones
// included. Adjustments (动态调整) come a few times a year at most; a
// hundred versions are decades of them, and the bound keeps an item's
// history affordable to read.
const MaxItemVersions = 100

// SaveItem creates an item or adjusts it (动态调整): every save stores a new
// version, and cases accepted earlier stay on the version they were accepted
// under. The legal office's saves take effect at once; a department admin's
// wait for the legal office's approval (审定, see cleanup.go), and new cases
// keep using the latest approved version meanwhile.
func (s *Catalog) SaveItem(ctx context.Context, who *Account, it PowerItem) (PowerItem, error) {
	if err := Authorize(who, ActSaveItem, ""); err != nil {
		return PowerItem{}, err
	}
	if who.Role == RoleDeptAdmin && it.DepartmentCode != who.DepartmentCode {
		return PowerItem{}, Errorf(ClassForbidden, "other_department", "部门管理员只能维护本部门的权力事项")
	}
	cur, err := s.store.Item(ctx, it.Code, 0)
	switch {
	case errors.Is(err, ErrNotFound):
	case err != nil:
		return PowerItem{}, err
	case who.Role == RoleDeptAdmin && cur.DepartmentCode != who.DepartmentCode:
		return PowerItem{}, Errorf(ClassForbidden, "other_department", "事项 %s 属于其他部门", it.Code)
	case cur.Version >= MaxItemVersions:
		// Versions are numbered 1, 2, … without gaps, and the changes of
		// one item take turns (the audit's subject locks), so the latest
		// version is their count.
		return PowerItem{}, Errorf(ClassInvalid, "item_version_limit",
			"权力事项 %s 已有 %d 个版本，达到上限，不能再调整；如需变更，请以新的事项编码登记", it.Code, cur.Version)
	}
	if it.Status == "" {
		it.Status = ItemActive
	}
	if it.TimeLimit.Unit == "" {
		it.TimeLimit.Unit = UnitWorkday
	}
	if err := validateItem(&it); err != nil {
		return PowerItem{}, err
	}
	if err := checkLimits(&it); err != nil {
		return PowerItem{}, err
	}
	if _, err := s.department(ctx, it.DepartmentCode); errors.Is(err, ErrNotFound) {
		return PowerItem{}, (&Error{Class: ClassInvalid, Code: "unknown_department",
			Message: fmt.Sprintf("权力事项不合法：部门 %s 不存在", it.DepartmentCode)}).
			WithDetails([]FieldError{{Field: "department_code", Message: "部门不存在"}})
	} else if err != nil {
		return PowerItem{}, err
	}
	it.CreatedBy = who.Username
	it.CreatedAt = s.now().UTC()
	return s.saveItemVersion(ctx, who, it)
}

func validateItem(it *PowerItem) error {
	var v Validation
	validateDisclosure(&v, &it.Disclosure)
	checkItemHead(&v, it)
	checkLegalBases(&v, it.LegalBases)
	if it.TimeLimit.Days <= 0 || it.TimeLimit.Days > 3650 {
		v.Add("time_limit.days", "办理时限须为 1–3650 之间的正整数天数")
	}
	if it.TimeLimit.Unit != UnitWorkday && it.TimeLimit.Unit != UnitCalendar {
		v.Add("time_limit.unit", "时限单位须为 workday（工作日）或 calendar（自然日）")
	}
	checkFlow(&v, it.Steps)
	checkDiscretion(&v, it.Discretion)
	checkPeriods(&v, it)
	checkItemSize(&v, it)
	return v.Err("invalid_item", "权力事项不合法")
}

// checkItemHead checks what names and files an item: its code, name,
// category, department and status.
func checkItemHead(v *Validation, it *PowerItem) {
	if !itemCodePattern.MatchString(it.Code) {
		v.Add("code", "事项编码须为 1–64 位字母、数字、下划线、点或连字符")
	}
	checkRequiredLine(v, "name", "事项名称", it.Name, 128, "事项名称不能为空且不超过 128 个字")
	if !slices.Contains(Categories, it.Category) {
		v.Add("category", "未知的权力类别“%s”，应为：%s", it.Category, strings.Join(Categories, "、"))
	}
	switch {
	case it.DepartmentCode == "":
		v.Add("department_code", "须指明行权部门")
	case !codePattern.MatchString(it.DepartmentCode):
		v.Add("department_code", "部门编码须为 1–32 位字母、数字、下划线、点或连字符")
	}
	if !slices.Contains([]string{ItemActive, ItemSuspended, ItemCancelled}, it.Status) {
		v.Add("status", "状态须为 active、suspended 或 cancelled")
	}
}

// checkLegalBases checks an item's legal bases: distinct ids, a title and
// an article of bounded length each.
func checkLegalBases(v *Validation, bases []LegalBasis) {
	if len(bases) > MaxLegalBases {
		v.Add("legal_bases", "法律依据不超过 %d 条", MaxLegalBases)
	}
	ids := map[string]bool{}
	for i, b := range bases {
		f := fmt.Sprintf("legal_bases[%d]", i)
		switch {
		case !basisIDPattern.MatchString(b.ID):
			v.Add(f+".id", "法律依据编号须为 1–64 位字母、数字或 _ . : / -")
		case ids[b.ID]:
			v.Add(f+".id", "法律依据编号 %s 重复", b.ID)
		}
		ids[b.ID] = true
		checkRequiredLine(v, f+".title", "法律法规名称", b.Title, 200, "法律依据须写明法律法规名称，且不超过 200 字")
		if utf8.RuneCountInString(b.Article) > 100 {
			v.Add(f+".article", "条款不超过 100 字")
		}
		checkChars(v, f+".article", "条款", b.Article, false)
	}
}

// checkFlow checks an item's flow: one to MaxFlowSteps steps with distinct
// codes that are not the reserved ones, at most one ending the clock.
func checkFlow(v *Validation, steps []FlowStep) {
	switch {
	case len(steps) == 0:
		v.Add("steps", "办理流程至少需要一个环节")
	case len(steps) > MaxFlowSteps:
		v.Add("steps", "办理流程不超过 %d 个环节", MaxFlowSteps)
	}
	codes := map[string]bool{}
	endsClock := 0
	for i, st := range steps {
		f := fmt.Sprintf("steps[%d]", i)
		switch {
		case !stepCodePattern.MatchString(st.Code):
			v.Add(f+".code", "环节编码“%s”须以小写字母开头，由小写字母、数字和下划线组成", st.Code)
		case IsClockStep(st.Code):
			v.Add(f+".code", "环节编码 %s 为系统保留（中止、恢复、延期），无需列入流程", st.Code)
		case codes[st.Code]:
			v.Add(f+".code", "环节编码 %s 重复", st.Code)
		}
		codes[st.Code] = true
		checkRequiredLine(v, f+".name", "环节名称", st.Name, 64, "环节名称不能为空且不超过 64 个字")
		if st.TimeLimitDays < 0 || st.TimeLimitDays > 3650 {
			v.Add(f+".time_limit_days", "环节时限须为正整数天数（不设时限则省略）")
		}
		if st.RequiresApproval != "" && !Role(st.RequiresApproval).Valid() {
			v.Add(f+".requires_approval", "未知的审批角色 %s", st.RequiresApproval)
		}
		if st.EndsClock {
			endsClock++
		}
	}
	if endsClock > 1 {
		v.Add("steps", "最多只能有一个环节结束办理时限（ends_clock）")
	}
}

// checkDiscretion checks an item's discretion tiers: named, with amounts
// in order and within bounds.
func checkDiscretion(v *Validation, tiers map[string]Tier) {
	if len(tiers) > MaxTiers {
		v.Add("discretion", "裁量情形不超过 %d 个", MaxTiers)
	}
	for name, t := range tiers {
		f := "discretion." + name
		switch {
		case strings.TrimSpace(name) == "" || utf8.RuneCountInString(name) > 64 || !cleanText(name, false):
			v.Add("discretion", "裁量情形名称不能为空，不超过 64 个字，且不能包含控制字符或换行")
			continue
		case math.IsNaN(t.Min) || math.IsNaN(t.Max) || t.Min < 0 || t.Max < 0:
			v.Add(f, "裁量幅度不能为负数")
		case t.Min > MaxAmount || t.Max > MaxAmount:
			v.Add(f, "裁量幅度不超过 %.0f 元", MaxAmount)
		case t.Min > t.Max:
			v.Add(f, "裁量情形“%s”的下限 %v 大于上限 %v", name, t.Min, t.Max)
		}
		checkTierBase(v, f, name, t)
		if utf8.RuneCountInString(t.Description) > 500 {
			v.Add(f+".description", "裁量情形说明不超过 500 字")
		}
		checkChars(v, f+".description", "裁量情形说明", t.Description, true)
	}
}

// tierBasePattern is the name of the base amount a tier is set on, e.g.
// goods_value (货值金额), illegal_income (违法所得), contract_price (合同价款).
var tierBasePattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)

// checkTierBase checks a tier set on a base: multiples (min_multiple ≤
// max_multiple, as the law writes 十倍以上二十倍以下) or rates, fractions of
// the base (千分之五 is 0.005, at most 1), one of the two and no amounts.
func checkTierBase(v *Validation, f, name string, t Tier) {
	multiple := t.MinMultiple != 0 || t.MaxMultiple != 0
	rate := t.MinRate != 0 || t.MaxRate != 0
	bad := func(x float64) bool { return math.IsNaN(x) || math.IsInf(x, 0) || x < 0 }
	if t.Base == "" {
		if multiple || rate {
			v.Add(f+".base", "按倍数或比例设定的裁量情形“%s”须写明计算基数（base，如 goods_value 货值金额）", name)
		}
		return
	}
	switch {
	case !tierBasePattern.MatchString(t.Base):
		v.Add(f+".base", "计算基数须为以小写字母开头、不超过 32 位的小写字母、数字和下划线，如 goods_value")
	case t.Min != 0 || t.Max != 0:
		v.Add(f+".min", "裁量情形“%s”按计算基数的倍数或比例设定，不能同时设定金额上下限（min、max）", name)
	case multiple && rate:
		v.Add(f, "裁量情形“%s”不能同时按倍数和比例设定", name)
	case !multiple && !rate:
		v.Add(f, "按计算基数设定的裁量情形“%s”须写明倍数（min_multiple、max_multiple）或比例（min_rate、max_rate）", name)
	case multiple && (bad(t.MinMultiple) || bad(t.MaxMultiple) || t.MaxMultiple == 0 || t.MaxMultiple > 1000):
		v.Add(f+".max_multiple", "倍数须为 0–1000 之间的数，且上限大于 0")
	case multiple && t.MinMultiple > t.MaxMultiple:
		v.Add(f+".min_multiple", "裁量情形“%s”的最低倍数 %v 大于最高倍数 %v", name, t.MinMultiple, t.MaxMultiple)
	case rate && (bad(t.MinRate) || bad(t.MaxRate) || t.MaxRate == 0 || t.MaxRate > 1):
		v.Add(f+".max_rate", "比例须为 0–1 之间的小数（千分之五写作 0.005），且上限大于 0")
	case rate && t.MinRate > t.MaxRate:
		v.Add(f+".min_rate", "裁量情形“%s”的最低比例 %v 大于最高比例 %v", name, t.MinRate, t.MaxRate)
	}
}

// checkItemSize refuses an item whose legal bases, flow and discretion,
// stored together as one JSON document, would not fit the column; it names
// the largest of the three.
func checkItemSize(v *Validation, it *PowerItem) {
	parts := []struct {
		field string
		size  int
	}{{"legal_bases", jsonSize(it.LegalBases)}, {"steps", jsonSize(it.Steps)}, {"discretion", jsonSize(it.Discretion)}}
	total, largest := jsonSize(it.TimeLimit), 0
	for i, p := range parts {
		total += p.size
		if p.size > parts[largest].size {
			largest = i
		}
	}
	if total > MaxJSONBytes {
		v.Add(parts[largest].field, "法律依据、办理流程和裁量基准合计过长（存储时超过 %d 字节），请精简", MaxJSONBytes)
	}
}

// Item returns the latest version of an item, or a given one.
func (s *Catalog) Item(ctx context.Context, who *Account, code string, version int) (PowerItem, error) {
	var it PowerItem
	var err error
	if version == 0 {
		it, err = s.shownItem(ctx, code)
	} else {
		it, err = s.store.Item(ctx, code, version)
	}
	if errors.Is(err, ErrNotFound) {
		return PowerItem{}, Errorf(ClassNotFound, "item_not_found", "权力事项 %s 不存在", code)
	}
	if err != nil {
		return PowerItem{}, err
	}
	if !who.CanSeeDepartment(it.DepartmentCode) {
		return PowerItem{}, Errorf(ClassNotFound, "item_not_found", "权力事项 %s 不存在", code)
	}
	return it, nil
}

// shownItem is the version of an item the catalog shows: the one in force,
// or, for an item whose first version still waits for approval, that one.
// An adjustment waiting for approval is seen through its versions.
func (s *Catalog) shownItem(ctx context.Context, code string) (PowerItem, error) {
	it, err := s.itemInForce(ctx, code)
	if errors.Is(err, ErrNotFound) {
		return s.store.Item(ctx, code, 0)
	}
	return it, err
}

// ListItems lists the items the account may see, each as the catalog shows
// it (see shownItem).
func (s *Catalog) ListItems(ctx context.Context, who *Account, dept string) ([]PowerItem, error) {
	if who.Role.DepartmentScoped() {
		dept = who.DepartmentCode
	}
	latest, err := s.store.ListItems(ctx, dept)
	if err != nil {
		return nil, err
	}
	cs := s.store
	inForce, err := cs.InForceItems(ctx, dept)
	if err != nil {
		return nil, err
	}
	byCode := make(map[string]PowerItem, len(inForce))
	for _, it := range inForce {
		byCode[it.Code] = it
	}
	for i, it := range latest {
		if f, ok := byCode[it.Code]; ok {
			latest[i] = f
		}
	}
	return latest, nil
}
