package compliance

import (
	"bufio"
	"context"
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"powercheck/internal/calendar"
)

// WarningExporter reads every warning a filter selects, a page at a time, so
// that an export of any size holds one page in memory.
type WarningExporter interface {
	// EachWarning calls fn for every warning f selects, in the order of
	// ListWarnings (by id, or by recording time when f has a time window),
	// reading pageSize rows at a time; f.Limit is ignored, and where f
	// continues (BeforeID, AfterID, Cursor) starts the walk. An error from
	// fn stops the walk and is returned.
	EachWarning(ctx context.Context, f WarningFilter, pageSize int, fn func(Warning) error) error
}

// ExportPageSize is how many warnings an export reads from the store at a time.
const ExportPageSize = 2000

// ExportWarnings calls fn for every warning that f selects and the account
// may see, in the order of ListWarnings, whatever their number. The scoping
// is that of ListWarnings: a department-scoped account asking for another
// department is refused; otherwise it gets its own department only.
func (s *Supervision) ExportWarnings(ctx context.Context, who *Account, f WarningFilter, fn func(Warning) error) error {
	f, err := scopeWarningFilter(who, f)
	if err != nil {
		return err
	}
	es := s.store
	f.Limit = 0
	return es.EachWarning(ctx, f, ExportPageSize, fn)
}

// scopeWarningFilter restricts f to what who may see.
func scopeWarningFilter(who *Account, f WarningFilter) (WarningFilter, error) {
	if !who.Role.DepartmentScoped() {
		return f, nil
	}
	for _, d := range f.Departments {
		if d != who.DepartmentCode {
			return f, Errorf(ClassForbidden, "other_department", "无权查看其他部门（%s）的预警", d)
		}
	}
	f.Departments = []string{who.DepartmentCode}
	return f, nil
}

// ExportColumn is one column of a warnings export.
type ExportColumn struct {
	Header  string
	Numeric bool    // the cell is an integer (a number in a spreadsheet)
	Width   float64 // a spreadsheet column's width, in characters
}

// ExportColumns are the columns of a warnings export, in the order of
// ExportRecord's cells.
var ExportColumns = []ExportColumn{
	{Header: "编号", Numeric: true, Width: 10},
	{Header: "级别", Width: 8},
	{Header: "规则", Width: 32},
	{Header: "规则族", Width: 14},
	{Header: "说明", Width: 60},
	{Header: "法律依据", Width: 40},
	{Header: "部门", Width: 10},
	{Header: "办件编号", Width: 22},
	{Header: "环节记录", Width: 26},
	{Header: "策略修订", Numeric: true, Width: 10},
	{Header: "状态", Width: 10},
	{Header: "产生时间", Width: 20},
}

// ExportTimeLayout is how an export shows times, in Asia/Shanghai.
const ExportTimeLayout = "2006-01-02 15:04:05"

var levelNames = map[string]string{LevelPrewarning: "预警", LevelAlarm: "报警"}

// ExportRecord appends the cells of w's export row to dst[:0] and returns
// it, so that one slice serves every row of an export.
func ExportRecord(dst []string, w *Warning) []string {
	return append(dst[:0],
		strconv.FormatInt(w.ID, 10),
		nameOr(levelNames, w.Level),
		w.Rule,
		w.Family,
		w.Message,
		w.Basis,
		w.DepartmentCode,
		w.CaseNo,
		w.StepID,
		strconv.FormatInt(w.PolicyRevision, 10),
		nameOr(statusNames, w.Status),
		w.CreatedAt.In(calendar.Shanghai).Format(ExportTimeLayout),
	)
}

// nameOr returns the Chinese name of code, or code itself when it has none.
func nameOr(names map[string]string, code string) string {
	if n, ok := names[code]; ok {
		return n
	}
	return code
}

// csvFlushEvery is how many rows a CSV export buffers before pushing them
// on, so that a large export reaches the client as it is read.
const csvFlushEvery = 1000

// CSVExport writes warnings as a CSV file: UTF-8 with a byte-order mark
// (without it, Excel reads the file in the system's code page), RFC 4180
// quoting, the ExportColumns header first.
type CSVExport struct {
	dst  io.Writer
	csv  *csv.Writer
	rec  []string
	rows int
}

// NewCSVExport starts a CSV export to w. Nothing reaches w until its buffer
// fills, csvFlushEvery rows are added or Finish is called, so that an error
// before the first rows can still be answered in another way.
func NewCSVExport(w io.Writer) *CSVExport {
	buf := bufio.NewWriterSize(w, 64<<10)
	_, _ = buf.WriteString("\uFEFF") // the BOM; a buffered write cannot fail
	// csv.NewWriter reuses buf, which is larger than its own default.
	e := &CSVExport{dst: w, csv: csv.NewWriter(buf), rec: make([]string, 0, len(ExportColumns))}
	for _, c := range ExportColumns {
		e.rec = append(e.rec, c.Header)
	}
	_ = e.csv.Write(e.rec) // buffered: an error shows at the next flush
	return e
}

// Add writes w's row. Every csvFlushEvery rows the buffer is flushed to the
// destination, and the destination flushed too when it has a Flush method
// (an http.ResponseWriter does).
func (e *CSVExport) Add(w Warning) error {
	e.rec = ExportRecord(e.rec, &w)
	for i, v := range e.rec {
		e.rec[i] = DefuseFormula(v)
	}
	if err := e.csv.Write(e.rec); err != nil {
		return err
	}
	e.rows++
	if e.rows%csvFlushEvery == 0 {
		return e.flush()
	}
	return nil
}

// Rows returns how many warnings were added.
func (e *CSVExport) Rows() int { return e.rows }

// Finish writes what is buffered; the file is then complete.
func (e *CSVExport) Finish() error { return e.flush() }

func (e *CSVExport) flush() error {
	e.csv.Flush()
	if err := e.csv.Error(); err != nil {
		return err
	}
	if f, ok := e.dst.(interface{ Flush() }); ok {
		f.Flush()
	}
	return nil
}

// DefuseFormula keeps a spreadsheet from running a cell as a formula: text
// whose first character after any white space (spaces, tabs, line breaks,
// the full-width space) is = + - @ or their full-width forms ＝ ＋ － ＠ —
// or that starts with a tab or carriage return, which Excel skips — gets a
// leading apostrophe. Case numbers and step ids cannot start so, but
// messages may quote what a clerk typed.
func DefuseFormula(s string) string {
	if s == "" {
		return s
	}
	if s[0] == '\t' || s[0] == '\r' {
		return "'" + s
	}
	first := strings.TrimLeftFunc(s, unicode.IsSpace)
	if first == "" {
		return s
	}
	switch r, _ := utf8.DecodeRuneInString(first); r {
	case '=', '+', '-', '@', '＝', '＋', '－', '＠':
		return "'" + s
	}
	return s
}
