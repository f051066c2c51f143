package httpapi

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/xuri/excelize/v2"

	"powercheck/internal/calendar"
	"powercheck/internal/compliance"
)

// Sheet names of the report workbooks.
const (
	bulletinSheet = "季度通报"
	monthlySheet  = "月报"
)

// quarterlyBulletin answers GET /api/v1/reports/quarterly?quarter=YYYY-Qn[&format=xlsx].
func (s *Server) quarterlyBulletin(c *gin.Context) {
	format := c.Query("format")
	if format != "" && format != "json" && format != "xlsx" {
		fail(c, badRequest("unsupported_format", "format 须为 json 或 xlsx"))
		return
	}
	b, err := s.reports.QuarterlyBulletin(c.Request.Context(), account(c), c.Query("quarter"))
	if err != nil {
		fail(c, err)
		return
	}
	if format != "xlsx" {
		c.JSON(http.StatusOK, b)
		return
	}
	data, err := BulletinXLSX(b)
	if err != nil {
		fail(c, err)
		return
	}
	sendXLSX(c, "quarterly-"+b.Quarter+".xlsx", data)
}

// sendXLSX answers with a small workbook built in memory.
func sendXLSX(c *gin.Context, filename string, data []byte) {
	h := c.Writer.Header()
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"; filename*=UTF-8''%s`, filename, url.PathEscape(filename)))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	c.Data(http.StatusOK, contentTypeXLSX, data)
}

// bulletinColumn is one column of the bulletin's table.
type bulletinColumn struct {
	header string
	width  float64
	value  func(r *compliance.BulletinRow) any
}

func percent(v float64) string { return strconv.FormatFloat(v*100, 'f', 1, 64) + "%" }

var bulletinColumns = []bulletinColumn{
	{"名次", 6, func(r *compliance.BulletinRow) any { return r.Rank }},
	{"部门", 24, func(r *compliance.BulletinRow) any { return r.DepartmentName }},
	{"在用事项", 9, func(r *compliance.BulletinRow) any { return r.ItemsInForce }},
	{"调整事项", 9, func(r *compliance.BulletinRow) any { return r.ItemsChanged }},
	{"网上办件", 9, func(r *compliance.BulletinRow) any { return r.CasesAccepted }},
	{"预警", 7, func(r *compliance.BulletinRow) any { return r.Prewarnings }},
	{"报警", 7, func(r *compliance.BulletinRow) any { return r.Alarms }},
	{"已处置", 8, func(r *compliance.BulletinRow) any { return r.WarningsHandled }},
	{"整改率", 9, func(r *compliance.BulletinRow) any { return percent(r.RectificationRate) }},
	{"巡查合规率", 11, func(r *compliance.BulletinRow) any { return percent(r.PatrolCompliance) }},
	{"零办件月数", 11, func(r *compliance.BulletinRow) any { return r.ZeroCaseMonths }},
	{"迟报说明", 9, func(r *compliance.BulletinRow) any { return r.LateExplanations }},
	{"缺报说明", 9, func(r *compliance.BulletinRow) any { return r.MissingExplanations }},
	{"得分", 8, func(r *compliance.BulletinRow) any { return r.Score }},
}

// BulletinXLSX lays the bulletin out to be printed: a title, the period and
// generation time, the units, Chinese headers (frozen), one row per
// department in rank order, the score formula below; landscape A4 fitted
// to the page's width.
func BulletinXLSX(b compliance.QuarterlyBulletin) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	sh := bulletinSheet
	if err := f.SetSheetName(f.GetSheetName(0), sh); err != nil {
		return nil, err
	}
	year, n := b.Quarter[:4], strings.TrimPrefix(b.Quarter[5:], "Q")
	lastCol, _ := excelize.ColumnNumberToName(len(bulletinColumns))
	title, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 16},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center"}})
	if err != nil {
		return nil, err
	}
	border := []excelize.Border{{Type: "left", Color: "000000", Style: 1}, {Type: "top", Color: "000000", Style: 1},
		{Type: "right", Color: "000000", Style: 1}, {Type: "bottom", Color: "000000", Style: 1}}
	header, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Border: border,
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}})
	if err != nil {
		return nil, err
	}
	cell, err := f.NewStyle(&excelize.Style{Border: border, Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center"}})
	if err != nil {
		return nil, err
	}
	set := func(ref string, v any) {
		if err == nil {
			err = f.SetCellValue(sh, ref, v)
		}
	}
	if b.Title != "" {
		set("A1", b.Title)
	} else {
		set("A1", fmt.Sprintf("行政权力运行监察季度通报（%s 年第 %s 季度）", year, n))
	}
	issuer := ""
	if b.Issuer != "" {
		issuer = "    通报单位：" + b.Issuer
	}
	set("A2", fmt.Sprintf("统计期间：%s 至 %s    生成时间：%s%s", b.From, b.To,
		b.GeneratedAt.In(calendar.Shanghai).Format("2006-01-02 15:04"), issuer))
	set("A3", "单位：事项（项）、办件（件）、预（报）警（条）、月数（个）、说明（份）、比率（%）、得分（分）")
	for i, col := range bulletinColumns {
		name, _ := excelize.ColumnNumberToName(i + 1)
		set(name+"4", col.header)
		if err == nil {
			err = f.SetColWidth(sh, name, name, col.width)
		}
	}
	for i := range b.Rows {
		for j, col := range bulletinColumns {
			ref, _ := excelize.CoordinatesToCellName(j+1, i+5)
			set(ref, col.value(&b.Rows[i]))
		}
	}
	lastRow := 4 + len(b.Rows)
	set(fmt.Sprintf("A%d", lastRow+2), "评分办法："+b.ScoreFormula)
	if err != nil {
		return nil, err
	}
	for _, r := range []int{1, 2, 3} {
		if err := f.MergeCell(sh, fmt.Sprintf("A%d", r), fmt.Sprintf("%s%d", lastCol, r)); err != nil {
			return nil, err
		}
	}
	note := fmt.Sprintf("A%d", lastRow+2)
	steps := []func() error{
		func() error { return f.MergeCell(sh, note, fmt.Sprintf("%s%d", lastCol, lastRow+2)) },
		func() error { return f.SetCellStyle(sh, "A1", "A1", title) },
		func() error { return f.SetRowHeight(sh, 1, 30) },
		func() error { return f.SetRowHeight(sh, lastRow+2, 45) },
		func() error {
			wrap, err := f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
			if err != nil {
				return err
			}
			return f.SetCellStyle(sh, note, note, wrap)
		},
		func() error { return f.SetCellStyle(sh, "A4", lastCol+"4", header) },
		func() error {
			if len(b.Rows) == 0 {
				return nil
			}
			return f.SetCellStyle(sh, "A5", fmt.Sprintf("%s%d", lastCol, lastRow), cell)
		},
		func() error {
			return f.SetPanes(sh, &excelize.Panes{Freeze: true, YSplit: 4, TopLeftCell: "A5", ActivePane: "bottomLeft",
				Selection: []excelize.Selection{{SQRef: "A5", ActiveCell: "A5", Pane: "bottomLeft"}}})
		},
		func() error {
			orientation, size, fitW, fitH := "landscape", 9, 1, 0 // 9: A4
			return f.SetPageLayout(sh, &excelize.PageLayoutOptions{Orientation: &orientation, Size: &size,
				FitToWidth: &fitW, FitToHeight: &fitH})
		},
		func() error {
			fit := true
			return f.SetSheetProps(sh, &excelize.SheetPropsOptions{FitToPage: &fit})
		},
		func() error {
			// Repeat the header on every printed page.
			return f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", Scope: sh,
				RefersTo: fmt.Sprintf("'%s'!$4:$4", sh)})
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, err
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// MonthlyReportXLSX writes a monthly report as label/value rows on sheet 月报.
func MonthlyReportXLSX(r compliance.MonthlyReport) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	sh := monthlySheet
	if err := f.SetSheetName(f.GetSheetName(0), sh); err != nil {
		return nil, err
	}
	yesNo := func(b bool) string {
		if b {
			return "是"
		}
		return "否"
	}
	rows := [][2]any{
		{"部门", r.DepartmentCode},
		{"月份", r.Month},
		{"受理办件（件）", r.CasesAccepted},
		{"已办结（件）", r.CasesClosed},
		{"在办（件）", r.CasesOpen},
		{"办理环节（个）", r.Steps},
		{"预警（条）", r.Warnings.Prewarning},
		{"报警（条）", r.Warnings.Alarm},
	}
	families := make([]string, 0, len(r.Warnings.ByFamily))
	for k := range r.Warnings.ByFamily {
		families = append(families, k)
	}
	slices.Sort(families)
	for _, k := range families {
		rows = append(rows, [2]any{"预（报）警·" + k + "（条）", r.Warnings.ByFamily[k]})
	}
	rows = append(rows,
		[2]any{"已整改（条）", r.WarningsRectified},
		[2]any{"已核实（条）", r.WarningsVerified},
		[2]any{"风险点审批（次）", r.CheckpointApprovals},
		[2]any{"巡查工作日（天）", r.Patrol.WorkingDays},
		[2]any{"巡查达标（天）", r.Patrol.OKDays},
		[2]any{"巡查不足（天）", r.Patrol.InsufficientDays},
		[2]any{"未巡查（天）", r.Patrol.MissingDays},
		[2]any{"须提交书面说明", yesNo(r.ExplanationRequired)},
		[2]any{"书面说明截止日", r.ExplanationDue},
	)
	if e := r.Explanation; e != nil {
		rows = append(rows,
			[2]any{"书面说明提交时间", e.SubmittedAt.In(calendar.Shanghai).Format("2006-01-02 15:04")},
			[2]any{"签字负责人", e.SignedBy},
			[2]any{"是否迟报", yesNo(e.Late)},
			[2]any{"说明内容", e.Text})
	} else {
		rows = append(rows, [2]any{"书面说明", "未提交"})
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return nil, err
	}
	if err := f.SetSheetRow(sh, "A1", &[]any{"项目", "内容"}); err != nil {
		return nil, err
	}
	for i, row := range rows {
		ref, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := f.SetSheetRow(sh, ref, &[]any{row[0], row[1]}); err != nil {
			return nil, err
		}
	}
	for _, step := range []func() error{
		func() error { return f.SetCellStyle(sh, "A1", "B1", bold) },
		func() error { return f.SetColWidth(sh, "A", "A", 26) },
		func() error { return f.SetColWidth(sh, "B", "B", 60) },
	} {
		if err := step(); err != nil {
			return nil, err
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// sendMonthlyXLSX answers a monthly report as a workbook.
func sendMonthlyXLSX(c *gin.Context, r compliance.MonthlyReport) {
	data, err := MonthlyReportXLSX(r)
	if err != nil {
		fail(c, err)
		return
	}
	sendXLSX(c, "monthly-"+r.DepartmentCode+"-"+r.Month+".xlsx", data)
}
