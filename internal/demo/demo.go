// Package demo loads a small demo district through the service, so that every
// demo warning is raised by the real policies: departments, accounts with
// well-known tokens, power items of several categories and cases whose steps
// break some rules.
package demo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"powercheck/internal/calendar"
	"powercheck/internal/checker"
	"powercheck/internal/compliance"
)

// ErrLoaded says the demo district is there already.
var ErrLoaded = errors.New("demo district already loaded")

// Token is a demo account and its token.
type Token struct {
	Username, Role, Department, Token string
}

// Accounts are the demo accounts. Their tokens are public: demo use only.
var Accounts = []struct {
	Username, RealName string
	Role               compliance.Role
	Department         string
}{
	{"legal", "王法制", compliance.RoleLegal, ""},
	{"oversight", "赵政管", compliance.RoleOversight, ""},
	{"supervision", "钱监察", compliance.RoleSupervision, ""},
	{"zjj-admin", "孙局长", compliance.RoleDeptAdmin, "ZJJ"},
	{"zjj-clerk", "张三", compliance.RoleClerk, "ZJJ"},
	{"zjj-inspector", "李四", compliance.RoleDeptInspector, "ZJJ"},
	{"scj-admin", "周局长", compliance.RoleDeptAdmin, "SCJ"},
	{"scj-clerk", "吴六", compliance.RoleClerk, "SCJ"},
	{"scj-inspector", "郑七", compliance.RoleDeptInspector, "SCJ"},
}

// TokenOf returns the demo token of a demo username.
func TokenOf(username string) string { return "demo-" + username }

var departments = []compliance.Department{
	{Code: "ZJJ", Name: "区住房和城乡建设局"},
	{Code: "SCJ", Name: "区市场监督管理局"},
	{Code: "HBJ", Name: "区生态环境局"},
}

// Legal sources of the demo items' periods: 《中华人民共和国建筑法》第八条 (a
// construction permit within seven days of the application), 《中华人民共和国
// 行政许可法》第四十二条 (20 working days) and 第四十四条 (the licence delivered
// within ten days), 第八十二条 (its periods are working days); 《中华人民共和国
// 行政处罚法》第六十条 (a penalty decided within 90 days of 立案), 第六十一条
// (the decision delivered within seven days), 第八十五条 (its seven days are
// working days, longer periods calendar days).
var (
	penaltyPeriod   = compliance.LegalBasis{ID: "XCF60", Title: "《中华人民共和国行政处罚法》", Article: "第六十条"}
	penaltyDelivery = compliance.LegalBasis{ID: "XCF61", Title: "《中华人民共和国行政处罚法》", Article: "第六十一条、第八十五条"}
)

// items is the demo catalog: data, kept whole so that it reads as one list.
func items() []compliance.PowerItem {
	licensing := func(code, name, dept string, days, reviewDays int, bases []compliance.LegalBasis) compliance.PowerItem {
		return compliance.PowerItem{Code: code, Name: name, Category: "行政许可", DepartmentCode: dept,
			LegalBases: bases, TimeLimit: compliance.TimeLimit{Days: days, Unit: compliance.UnitWorkday},
			Steps: []compliance.FlowStep{
				{Code: "accept", Name: "受理"},
				{Code: "review", Name: "审查", TimeLimitDays: reviewDays},
				{Code: "decide", Name: "决定", RiskCheckpoint: true, RequiresApproval: "dept_inspector", EndsClock: true},
				{Code: "deliver", Name: "送达", TimeLimitDays: 10}, // 行政许可法第四十四条
			}}
	}
	penalty := func(code, name, dept string, bases []compliance.LegalBasis, tiers map[string]compliance.Tier) compliance.PowerItem {
		return compliance.PowerItem{Code: code, Name: name, Category: "行政处罚", DepartmentCode: dept,
			LegalBases: append(bases, penaltyPeriod, penaltyDelivery),
			TimeLimit:  compliance.TimeLimit{Days: 90, Unit: compliance.UnitCalendar},
			Steps: []compliance.FlowStep{
				{Code: "file", Name: "立案"},
				{Code: "investigate", Name: "调查取证"},
				{Code: "notify", Name: "告知", RiskCheckpoint: true},
				{Code: "decide", Name: "处罚决定", RiskCheckpoint: true, RequiresApproval: "dept_admin", EndsClock: true},
				{Code: "deliver", Name: "送达", TimeLimitDays: 7, TimeLimitUnit: compliance.UnitWorkday},
			},
			Discretion: tiers}
	}
	// What the public side shows of the licences (《行政许可法》第三十条).
	hall := &compliance.Contact{Phone: "12345（政务服务便民热线）", Address: "区政务服务中心一楼综合窗口", Hours: "工作日 9:00—12:00，14:30—17:30"}
	disclose := func(it compliance.PowerItem, d compliance.Disclosure) compliance.PowerItem {
		it.Disclosure = d
		return it
	}
	return []compliance.PowerItem{
		disclose(licensing("XK-ZJJ-001", "建筑工程施工许可", "ZJJ", 7, 5,
			[]compliance.LegalBasis{{ID: "LB1", Title: "《中华人民共和国建筑法》", Article: "第八条"},
				{ID: "LB2", Title: "《建筑工程施工许可管理办法》", Article: "第四条"}}),
			compliance.Disclosure{
				Conditions: "（一）已经办理该建筑工程用地批准手续；（二）依法应当办理建设工程规划许可证的，已经取得建设工程规划许可证；" +
					"（三）需要拆迁的，其拆迁进度符合施工要求；（四）已经确定建筑施工企业；（五）有满足施工需要的资金安排、施工图纸及技术资料；" +
					"（六）有保证工程质量和安全的具体措施。（《中华人民共和国建筑法》第八条）",
				Materials: []compliance.Material{
					{Name: "建筑工程施工许可证申请表", Copies: 1},
					{Name: "建设工程用地批准手续", Copies: 1, Note: "复印件，核验原件"},
					{Name: "建设工程规划许可证", Copies: 1, Note: "复印件，核验原件"},
					{Name: "施工合同", Copies: 1},
					{Name: "施工图设计文件审查合格书", Copies: 1},
					{Name: "建设资金已经落实承诺书", Copies: 1},
				},
				Fees: "不收费", Contact: hall, ServiceChannel: "区政务服务中心窗口办理；网上申请",
			}),
		penalty("CF-ZJJ-001", "对未取得施工许可擅自施工的行政处罚", "ZJJ",
			[]compliance.LegalBasis{{ID: "LB1", Title: "《中华人民共和国建筑法》", Article: "第六十四条"},
				{ID: "LB2", Title: "《建设工程质量管理条例》", Article: "第五十七条"}},
			// 条例第五十七条: 工程合同价款百分之一以上百分之二以下的罚款.
			map[string]compliance.Tier{
				"一般": {Base: "project_price", MinRate: 0.01, MaxRate: 0.015, Description: "责令停止施工后及时停工、限期改正，未造成危害后果的，处工程合同价款 1% 以上 1.5% 以下的罚款"},
				"严重": {Base: "project_price", MinRate: 0.015, MaxRate: 0.02, Description: "拒不停止施工或者造成严重后果的，处工程合同价款 1.5% 以上 2% 以下的罚款"},
			}),
		disclose(licensing("XK-SCJ-001", "食品经营许可", "SCJ", 20, 10,
			[]compliance.LegalBasis{{ID: "LB1", Title: "《中华人民共和国食品安全法》", Article: "第三十五条"},
				{ID: "LB2", Title: "《中华人民共和国行政许可法》", Article: "第四十二条"}}),
			compliance.Disclosure{
				Conditions: "具有与经营的食品品种、数量相适应的经营场所和设备设施；有专职或者兼职的食品安全管理人员和保证食品安全的规章制度；" +
					"具有合理的设备布局和工艺流程（《中华人民共和国食品安全法》第三十三条、第三十五条）。",
				Materials: []compliance.Material{
					{Name: "食品经营许可申请书", Copies: 1},
					{Name: "营业执照", Copies: 1, Note: "复印件"},
					{Name: "主要设备设施布局、操作流程等文件", Copies: 1},
					{Name: "食品安全自查、从业人员健康管理等食品安全管理制度", Copies: 1},
				},
				Fees: "不收费", Contact: hall, ServiceChannel: "区政务服务中心窗口办理；网上申请",
			}),
		penalty("CF-SCJ-001", "对经营超过保质期食品的行政处罚", "SCJ",
			[]compliance.LegalBasis{{ID: "LB1", Title: "《中华人民共和国食品安全法》", Article: "第一百二十四条"}},
			// 第一百二十四条: 货值金额不足一万元的，并处五万元以上十万元以下罚款；
			// 货值金额一万元以上的，并处货值金额十倍以上二十倍以下罚款.
			map[string]compliance.Tier{
				"货值金额不足一万元": {Min: 50000, Max: 100000, Description: "违法经营的食品货值金额不足一万元的，并处五万元以上十万元以下罚款"},
				"货值金额一万元以上": {Base: "goods_value", MinMultiple: 10, MaxMultiple: 20, Description: "违法经营的食品货值金额一万元以上的，并处货值金额十倍以上二十倍以下罚款"},
			}),
		{Code: "JC-HBJ-001", Name: "排污单位现场检查", Category: "行政检查", DepartmentCode: "HBJ",
			LegalBases: []compliance.LegalBasis{{ID: "LB1", Title: "《中华人民共和国环境保护法》", Article: "第二十四条"}},
			TimeLimit:  compliance.TimeLimit{Days: 10, Unit: compliance.UnitWorkday},
			Steps: []compliance.FlowStep{{Code: "plan", Name: "检查计划"}, {Code: "inspect", Name: "现场检查"},
				{Code: "conclude", Name: "检查结论", EndsClock: true}}},
	}
}

// Load creates the demo district. It fails with ErrLoaded when its first
// department exists already. Steps are entered on a clock of their own, set
// to shortly after each step occurred, as a department entering them on time
// would; one case is entered late on purpose.
func Load(ctx context.Context, stores checker.Stores, eval compliance.Evaluator) ([]Token, error) {
	clock := &demoClock{real: time.Now}
	svc, err := checker.New(stores, eval, checker.Options{Now: clock.Now})
	if err != nil {
		return nil, err
	}
	system := &compliance.Account{Username: "demo", Role: compliance.RoleAdmin}
	for _, d := range departments {
		if _, err := svc.Accounts.CreateDepartment(ctx, system, d); err != nil {
			if compliance.ClassOf(err) == compliance.ClassConflict {
				return nil, ErrLoaded
			}
			return nil, fmt.Errorf("department %s: %w", d.Code, err)
		}
	}
	var tokens []Token
	for _, a := range Accounts {
		acc := compliance.Account{Username: a.Username, RealName: a.RealName, Role: a.Role, DepartmentCode: a.Department}
		if _, _, err := svc.Accounts.CreateAccount(ctx, system, acc, TokenOf(a.Username)); err != nil {
			return nil, fmt.Errorf("account %s: %w", a.Username, err)
		}
		tokens = append(tokens, Token{a.Username, string(a.Role), a.Department, TokenOf(a.Username)})
	}
	legal := &compliance.Account{Username: "legal", Role: compliance.RoleLegal}
	for _, it := range items() {
		if _, err := svc.Catalog.SaveItem(ctx, legal, it); err != nil {
			return nil, fmt.Errorf("item %s: %w", it.Code, err)
		}
	}
	if err := loadCases(ctx, svc, clock); err != nil {
		return nil, err
	}
	return tokens, nil
}

// loadCases submits the demo cases, dated back from today in working days so
// that the deadline rules see realistic periods.
func loadCases(ctx context.Context, svc *checker.Services, clock *demoClock) error {
	cal := calendar.Default()
	today := calendar.DateOf(svc.Core.Now())
	// Past the last year whose holidays are known, date the demo at the end
	// of that year, so that every period can be counted.
	if years := cal.Years(); len(years) > 0 && today.Year() > years[len(years)-1] {
		today = calendar.MakeDate(years[len(years)-1], time.December, 31)
	}
	// at returns 10:00 on the working day n working days before today (or
	// calendar days when the calendar does not know the year).
	at := func(n int, hour int) time.Time {
		d, err := cal.AddWorkdays(today, -n)
		if err != nil {
			d = today.AddDays(-n * 7 / 5)
		}
		t := d.Start().Add(time.Duration(hour) * time.Hour)
		if now := time.Now(); t.After(now) {
			t = now.Add(-time.Minute)
		}
		return t
	}
	zjj := &compliance.Account{Username: "zjj-clerk", Role: compliance.RoleClerk, DepartmentCode: "ZJJ"}
	scj := &compliance.Account{Username: "scj-clerk", Role: compliance.RoleClerk, DepartmentCode: "SCJ"}
	approve := func(role, by string, t time.Time) []compliance.Approval {
		return []compliance.Approval{{Role: role, By: by, At: t}}
	}
	year := today.Year()
	steps := []struct {
		who *compliance.Account
		sub compliance.StepSubmission
	}{
		// A licence handled by the book: no warning.
		{zjj, compliance.StepSubmission{CaseNo: fmt.Sprintf("ZJJ-%d-0001", year), PowerItemCode: "XK-ZJJ-001", Applicant: "某建设集团有限公司", StepCode: "accept", Handler: "张三", OccurredAt: at(12, 9), LegalBasisIDs: []string{"LB1"}}},
		{zjj, compliance.StepSubmission{CaseNo: fmt.Sprintf("ZJJ-%d-0001", year), StepCode: "review", Handler: "张三", OccurredAt: at(11, 10)}},
		{zjj, compliance.StepSubmission{CaseNo: fmt.Sprintf("ZJJ-%d-0001", year), StepCode: "decide", Handler: "张三", OccurredAt: at(10, 15), LegalBasisIDs: []string{"LB1", "LB2"}, Approvals: approve("dept_inspector", "李四", at(10, 14))}},
		{zjj, compliance.StepSubmission{CaseNo: fmt.Sprintf("ZJJ-%d-0001", year), StepCode: "deliver", Handler: "张三", OccurredAt: at(9, 10)}},
		// A licence decided without the inspector's approval and without a legal basis.
		{zjj, compliance.StepSubmission{CaseNo: fmt.Sprintf("ZJJ-%d-0002", year), PowerItemCode: "XK-ZJJ-001", Applicant: "某置业有限公司", StepCode: "accept", Handler: "张三", OccurredAt: at(4, 9)}},
		{zjj, compliance.StepSubmission{CaseNo: fmt.Sprintf("ZJJ-%d-0002", year), StepCode: "review", Handler: "张三", OccurredAt: at(3, 10)}},
		{zjj, compliance.StepSubmission{CaseNo: fmt.Sprintf("ZJJ-%d-0002", year), StepCode: "decide", Handler: "张三", OccurredAt: at(1, 16)}},
		// A penalty above its discretion tier (1.5% of a 4,000,000 yuan
		// contract price is 60,000), approved by the handler himself.
		{zjj, compliance.StepSubmission{CaseNo: fmt.Sprintf("ZJJ-%d-0101", year), PowerItemCode: "CF-ZJJ-001", Applicant: "某建筑工程有限公司", StepCode: "file", Handler: "张三", OccurredAt: at(15, 9)}},
		{zjj, compliance.StepSubmission{CaseNo: fmt.Sprintf("ZJJ-%d-0101", year), StepCode: "investigate", Handler: "张三", OccurredAt: at(12, 9)}},
		{zjj, compliance.StepSubmission{CaseNo: fmt.Sprintf("ZJJ-%d-0101", year), StepCode: "notify", Handler: "张三", OccurredAt: at(8, 9), Approvals: approve("dept_admin", "孙局长", at(8, 8))}},
		{zjj, compliance.StepSubmission{CaseNo: fmt.Sprintf("ZJJ-%d-0101", year), StepCode: "decide", Handler: "张三", OccurredAt: at(2, 9), LegalBasisIDs: []string{"LB1"}, Discretion: &compliance.Discretion{Tier: "一般", Amount: 80000, BaseAmount: ptr(4000000.0)}, Approvals: approve("dept_admin", "张三", at(2, 8))}},
		// A food licence whose decision came before the review, entered a week late.
		{scj, compliance.StepSubmission{CaseNo: fmt.Sprintf("SCJ-%d-0001", year), PowerItemCode: "XK-SCJ-001", Applicant: "某餐饮管理有限公司", StepCode: "accept", Handler: "吴六", OccurredAt: at(10, 9)}},
		{scj, compliance.StepSubmission{CaseNo: fmt.Sprintf("SCJ-%d-0001", year), StepCode: "decide", Handler: "吴六", OccurredAt: at(6, 9), LegalBasisIDs: []string{"LB1"}, Approvals: approve("dept_inspector", "郑七", at(6, 8))}},
		// A food licence accepted 18 working days ago and still under review: due soon.
		{scj, compliance.StepSubmission{CaseNo: fmt.Sprintf("SCJ-%d-0002", year), PowerItemCode: "XK-SCJ-001", Applicant: "某超市有限公司", StepCode: "accept", Handler: "吴六", OccurredAt: at(18, 9)}},
		{scj, compliance.StepSubmission{CaseNo: fmt.Sprintf("SCJ-%d-0002", year), StepCode: "review", Handler: "吴六", OccurredAt: at(0, 9)}},
		{scj, compliance.StepSubmission{CaseNo: fmt.Sprintf("SCJ-%d-0002", year), StepCode: "review", Handler: "吴六", OccurredAt: at(0, 9).Add(-time.Hour)}},
	}
	for i, s := range steps {
		s.sub.ID = fmt.Sprintf("%s-%02d-%s", s.sub.CaseNo, i, s.sub.StepCode)
		clock.set(s.sub.OccurredAt.Add(20 * time.Minute))
		if s.sub.CaseNo == fmt.Sprintf("SCJ-%d-0001", year) {
			clock.set(time.Time{}) // entered today, days after it happened
		}
		if _, _, err := svc.Cases.SubmitStep(ctx, s.who, s.sub); err != nil {
			return fmt.Errorf("demo step %s: %w", s.sub.ID, err)
		}
	}
	return nil
}

func ptr[T any](v T) *T { return &v }

// demoClock is the clock the demo enters steps on: a set time, or the real one.
type demoClock struct {
	real func() time.Time
	at   time.Time
}

func (c *demoClock) set(t time.Time) { c.at = t }

func (c *demoClock) Now() time.Time {
	if c.at.IsZero() || c.at.After(c.real()) {
		return c.real()
	}
	return c.at
}
