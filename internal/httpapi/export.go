package httpapi

import (
	"archive/zip"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/xuri/excelize/v2"

	"powercheck/internal/calendar"
	"powercheck/internal/compliance"
)

// Content types of the export formats.
const (
	contentTypeCSV  = "text/csv; charset=utf-8"
	contentTypeXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
)

// warningFile is an export being written: rows are added one by one, and
// Finish completes the file.
type warningFile interface {
	Add(compliance.Warning) error
	Finish() error
}

// exportWarnings answers GET /api/v1/warnings/export?format=csv|xlsx: every
// warning that the filters of GET /api/v1/warnings select (limit and cursor
// do not apply), in the list's order, as a file. It is read from the database a
// page at a time, so memory stays bounded whatever the number of rows.
// An error before the first byte is answered as JSON; after it, the
// connection is cut so that the client sees a broken transfer, not a
// complete-looking file.
func (h *supervisionAPI) exportWarnings(c *gin.Context) {
	format := c.Query("format")
	if format != "csv" && format != "xlsx" {
		fail(c, badRequest("invalid_format", "format 须为 csv 或 xlsx"))
		return
	}
	f, err := warningFilter(c)
	if err != nil {
		fail(c, err)
		return
	}
	f.Limit, f.BeforeID, f.AfterID, f.Cursor = 0, 0, 0, nil

	ctx := c.Request.Context()
	name := "warnings-" + h.cases.Now().In(calendar.Shanghai).Format("20060102-150405") + "." + format
	dl := &download{c: c, filename: name, contentType: contentTypeCSV}
	var file warningFile
	if format == "csv" {
		file = compliance.NewCSVExport(dl)
	} else {
		dl.contentType = contentTypeXLSX
		x, err := NewXLSXExport(dl)
		if err != nil {
			fail(c, err)
			return
		}
		defer func() {
			if err := x.Close(); err != nil {
				h.log.WarnContext(ctx, "export: removing temporary files", "error", err)
			}
		}()
		file = x
	}
	err = h.supervision.ExportWarnings(ctx, account(c), f, file.Add)
	if err == nil {
		err = file.Finish()
	}
	if err == nil {
		return
	}
	if !dl.started {
		fail(c, err)
		return
	}
	h.log.WarnContext(ctx, "export aborted after it started", "format", format,
		"bytes", dl.c.Writer.Size(), "error", err)
	dl.abort()
}

// attachment sets the headers of a file to download, named filename
// (ASCII), that no cache keeps and no browser sniffs.
func attachment(h http.Header, filename string) {
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"; filename*=UTF-8''%s`, filename, url.PathEscape(filename)))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
}

// downloadWindow is how long one write of a download may block; the
// connection's write deadline moves on as bytes flow, since a large export
// may outlast the server's WriteTimeout.
const downloadWindow = 2 * time.Minute

// download is the body of a file download. The status and headers go out
// with its first byte, so that until then an error can still be answered
// as JSON.
type download struct {
	c           *gin.Context
	contentType string
	filename    string // ASCII

	started  bool
	rc       *http.ResponseController
	deadline time.Time
}

func (d *download) Write(p []byte) (int, error) {
	if !d.started {
		d.started = true
		h := d.c.Writer.Header()
		h.Set("Content-Type", d.contentType)
		attachment(h, d.filename)
		d.c.Status(http.StatusOK)
		d.rc = http.NewResponseController(d.c.Writer)
	}
	if now := time.Now(); d.deadline.Sub(now) < downloadWindow/2 {
		d.deadline = now.Add(downloadWindow)
		_ = d.rc.SetWriteDeadline(d.deadline) // unsupported: the server's WriteTimeout stands
	}
	return d.c.Writer.Write(p)
}

// Flush sends what is buffered, once the download has started.
func (d *download) Flush() {
	if d.started {
		d.c.Writer.Flush()
	}
}

// abort cuts the connection: a chunked body without its last chunk tells the
// client that the file is incomplete.
func (d *download) abort() {
	d.c.Abort()
	// gin refuses to hijack a connection once a body is written; net/http
	// does not.
	var w http.ResponseWriter = d.c.Writer
	if u, ok := w.(interface{ Unwrap() http.ResponseWriter }); ok {
		w = u.Unwrap()
	}
	if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
		_ = conn.Close()
	}
}

// The worksheet of an XLSX export; rows past one sheet's limit continue on
// "预警清单（2）" and so on.
const xlsxSheet = "预警清单"

// XLSXExport writes warnings as an Excel workbook with excelize's
// StreamWriter: one sheet, a bold and frozen header row, set column widths.
// Rows go to a temporary file as they are added, and Finish zips the
// workbook straight into the destination, so memory stays bounded.
type XLSXExport struct {
	dst    io.Writer
	file   *excelize.File
	bold   int
	sheet  *excelize.StreamWriter
	sheets int // sheets started
	row    int // the last row written on the current sheet
	rec    []string
	cells  []any
}

// NewXLSXExport starts an XLSX export to w; nothing reaches w before
// Finish. Close it when done, finished or not, to remove its temporary files.
func NewXLSXExport(w io.Writer) (*XLSXExport, error) {
	x := &XLSXExport{dst: w, file: excelize.NewFile(), cells: make([]any, len(compliance.ExportColumns))}
	bold, err := x.file.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err == nil {
		x.bold = bold
		err = x.file.SetSheetName(x.file.GetSheetName(0), xlsxSheet)
	}
	if err == nil {
		err = x.startSheet()
	}
	if err != nil {
		_ = x.file.Close()
		return nil, fmt.Errorf("xlsx export: %w", err)
	}
	return x, nil
}

// startSheet starts the first sheet, or the next one when the current one
// is full.
func (x *XLSXExport) startSheet() error {
	name := xlsxSheet
	if x.sheets > 0 {
		if err := x.sheet.Flush(); err != nil {
			return err
		}
		name = fmt.Sprintf("%s（%d）", xlsxSheet, x.sheets+1)
		if _, err := x.file.NewSheet(name); err != nil {
			return err
		}
	}
	sw, err := x.file.NewStreamWriter(name)
	if err != nil {
		return err
	}
	header := make([]any, len(compliance.ExportColumns))
	for i, col := range compliance.ExportColumns {
		if err := sw.SetColWidth(i+1, i+1, col.Width); err != nil {
			return err
		}
		header[i] = excelize.Cell{StyleID: x.bold, Value: col.Header}
	}
	err = sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}}})
	if err != nil {
		return err
	}
	if err := sw.SetRow("A1", header); err != nil {
		return err
	}
	x.sheet, x.row = sw, 1
	x.sheets++
	return nil
}

// Add writes w's row; integers are numbers, the rest text.
func (x *XLSXExport) Add(w compliance.Warning) error {
	if x.row == excelize.TotalRows {
		if err := x.startSheet(); err != nil {
			return fmt.Errorf("xlsx export: %w", err)
		}
	}
	x.rec = compliance.ExportRecord(x.rec, &w)
	for i, v := range x.rec {
		x.cells[i] = v
		if compliance.ExportColumns[i].Numeric {
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				x.cells[i] = n
			}
		}
	}
	x.row++
	cell, err := excelize.CoordinatesToCellName(1, x.row)
	if err == nil {
		err = x.sheet.SetRow(cell, x.cells)
	}
	if err != nil {
		return fmt.Errorf("xlsx export: row %d: %w", x.row, err)
	}
	return nil
}

// Finish writes the workbook to the destination.
func (x *XLSXExport) Finish() error {
	if err := x.sheet.Flush(); err != nil {
		return fmt.Errorf("xlsx export: %w", err)
	}
	// excelize assembles the archive in a memory buffer for the writer it is
	// given; aimed at the destination instead, the zip writer compresses the
	// sheets as they are sent, and the buffer stays empty.
	x.file.SetZipWriter(func(io.Writer) excelize.ZipWriter { return zip.NewWriter(x.dst) })
	if err := x.file.Write(io.Discard); err != nil {
		return fmt.Errorf("xlsx export: %w", err)
	}
	return nil
}

// Close removes the export's temporary files.
func (x *XLSXExport) Close() error { return x.file.Close() }
