package httpapi

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/xuri/excelize/v2"

	"powercheck/internal/calendar"
	"powercheck/internal/compliance"
)

// quarterlyBulletin answers GET /api/v1/reports/quarterly?quarter=YYYY-Qn[&format=xlsx].
func (h *reportsAPI) quarterlyBulletin(c *gin.Context) {
	format, err := reportFormat(c)
	if err != nil {
		fail(c, err)
		return
	}
	b, err := h.reports.QuarterlyBulletin(c.Request.Context(), account(c), c.Query("quarter"))
	if err != nil {
		fail(c, err)
		return
	}
	if format != "xlsx" {
		c.JSON(http.StatusOK, b)
		return
	}
	data, err := BulletinXLSX(b)
	sendXLSX(c, "quarterly-"+b.Quarter+".xlsx", data, err)
}

// reportFormat reads the format a report is asked in: "" or json for JSON,
// xlsx for a workbook.
func reportFormat(c *gin.Context) (string, error) {
	format := c.Query("format")
	if format != "" && format != "json" && format != "xlsx" {
		return "", badRequest("unsupported_format", "format 须为 json 或 xlsx")
	}
	return format, nil
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
	f, err := newWorkbook(bulletinSheet)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := newBulletinStyles(f)
	if err != nil {
		return nil, err
	}
	if err := writeBulletinCells(f, b); err != nil {
		return nil, err
	}
	return finishWorkbook(f, bulletinLayout(f, st, len(b.Rows)))
}

// bulletinStyles are the bulletin's cell styles.
type bulletinStyles struct {
	title, header, cell, wrap int
}

func newBulletinStyles(f *excelize.File) (bulletinStyles, error) {
	border := []excelize.Border{{Type: "left", Color: "000000", Style: 1}, {Type: "top", Color: "000000", Style: 1},
		{Type: "right", Color: "000000", Style: 1}, {Type: "bottom", Color: "000000", Style: 1}}
	var st bulletinStyles
	for _, s := range []struct {
		id    *int
		style *excelize.Style
	}{
		{&st.title, &excelize.Style{Font: &excelize.Font{Bold: true, Size: 16},
			Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center"}}},
		{&st.header, &excelize.Style{Font: &excelize.Font{Bold: true}, Border: border,
			Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}}},
		{&st.cell, &excelize.Style{Border: border, Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center"}}},
		{&st.wrap, &excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}}},
	} {
		id, err := f.NewStyle(s.style)
		if err != nil {
			return st, err
		}
		*s.id = id
	}
	return st, nil
}

// writeBulletinCells writes the bulletin's text and figures: the title, the
// period, the units, the header on row 4, one row per department from row
// 5 on, then after a blank row the score formula.
func writeBulletinCells(f *excelize.File, b compliance.QuarterlyBulletin) error {
	sh := bulletinSheet
	var err error
	set := func(ref string, v any) {
		if err == nil {
			err = f.SetCellValue(sh, ref, v)
		}
	}
	title := b.Title
	if title == "" {
		title = fmt.Sprintf("行政权力运行监察季度通报（%s 年第 %s 季度）", b.Quarter[:4], strings.TrimPrefix(b.Quarter[5:], "Q"))
	}
	set("A1", title)
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
	set(fmt.Sprintf("A%d", 4+len(b.Rows)+2), "评分办法："+b.ScoreFormula)
	return err
}

// bulletinLayout merges, styles and sets up for printing a bulletin of
// rows departments.
func bulletinLayout(f *excelize.File, st bulletinStyles, rows int) []func() error {
	sh := bulletinSheet
	lastCol, _ := excelize.ColumnNumberToName(len(bulletinColumns))
	lastRow := 4 + rows
	note := fmt.Sprintf("A%d", lastRow+2)
	across := func(row int) func() error {
		return func() error { return f.MergeCell(sh, fmt.Sprintf("A%d", row), fmt.Sprintf("%s%d", lastCol, row)) }
	}
	return []func() error{
		across(1), across(2), across(3), across(lastRow + 2),
		func() error { return f.SetCellStyle(sh, "A1", "A1", st.title) },
		func() error { return f.SetRowHeight(sh, 1, 30) },
		func() error { return f.SetRowHeight(sh, lastRow+2, 45) },
		func() error { return f.SetCellStyle(sh, note, note, st.wrap) },
		func() error { return f.SetCellStyle(sh, "A4", lastCol+"4", st.header) },
		func() error {
			if rows == 0 {
				return nil
			}
			return f.SetCellStyle(sh, "A5", fmt.Sprintf("%s%d", lastCol, lastRow), st.cell)
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
}
