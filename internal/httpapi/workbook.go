package httpapi

import (
	"bytes"
	"net/http"
	"slices"

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

// newWorkbook starts a workbook whose one sheet is named sheet.
func newWorkbook(sheet string) (*excelize.File, error) {
	f := excelize.NewFile()
	if err := f.SetSheetName(f.GetSheetName(0), sheet); err != nil {
		_ = f.Close()
		return nil, err
	}
	return f, nil
}

// finishWorkbook runs the layout steps on f in order, then returns the
// workbook's bytes.
func finishWorkbook(f *excelize.File, steps []func() error) ([]byte, error) {
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

// sendXLSX answers a small workbook built in memory, or err when building
// it failed.
func sendXLSX(c *gin.Context, filename string, data []byte, err error) {
	if err != nil {
		fail(c, err)
		return
	}
	attachment(c.Writer.Header(), filename)
	c.Data(http.StatusOK, contentTypeXLSX, data)
}

// MonthlyReportXLSX writes a monthly report as label/value rows on sheet 月报.
func MonthlyReportXLSX(r compliance.MonthlyReport) ([]byte, error) {
	f, err := newWorkbook(monthlySheet)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sh := monthlySheet
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return nil, err
	}
	if err := f.SetSheetRow(sh, "A1", &[]any{"项目", "内容"}); err != nil {
		return nil, err
	}
	for i, row := range monthlyRows(r) {
		ref, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := f.SetSheetRow(sh, ref, &[]any{row[0], row[1]}); err != nil {
			return nil, err
		}
	}
	return finishWorkbook(f, []func() error{
		func() error { return f.SetCellStyle(sh, "A1", "B1", bold) },
		func() error { return f.SetColWidth(sh, "A", "A", 26) },
		func() error { return f.SetColWidth(sh, "B", "B", 60) },
	})
}

// monthlyRows are the label/value rows of a monthly report.
func monthlyRows(r compliance.MonthlyReport) [][2]any {
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
	return rows
}
