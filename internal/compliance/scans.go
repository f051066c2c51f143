package compliance

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"time"

	"powercheck/internal/calendar"
)

// MaxScanBytes is the largest signed scan of an explanation.
const MaxScanBytes = 10 << 20

// Content types of the scans an explanation may carry.
const (
	ScanPDF  = "application/pdf"
	ScanJPEG = "image/jpeg"
	ScanPNG  = "image/png"
)

// ScanInfo describes the signed scan of an explanation (书面说明扫描件):
// its type as read from its content, its size, its SHA-256 (hex), and who
// attached it when.
type ScanInfo struct {
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	UploadedBy  string    `json:"uploaded_by"`
	UploadedAt  time.Time `json:"uploaded_at"`
}

// Ext is the file name extension of the scan's type.
func (i ScanInfo) Ext() string {
	switch i.ContentType {
	case ScanPDF:
		return ".pdf"
	case ScanJPEG:
		return ".jpg"
	case ScanPNG:
		return ".png"
	}
	return ""
}

// ScanFile is a stored scan with its content.
type ScanFile struct {
	ScanInfo
	Data []byte
}

// ScanStore keeps the signed scans of explanations.
type ScanStore interface {
	// AttachScan stores the scan of a department's explanation of a month:
	// ErrNotFound without an explanation, ErrDuplicate when it has a scan.
	AttachScan(ctx context.Context, dept, month string, f ScanFile) (Explanation, error)
	// ExplanationScan returns the scan, or ErrNotFound.
	ExplanationScan(ctx context.Context, dept, month string) (ScanFile, error)
}

// ScanType tells the type of a scan by its first bytes (PDF, JPEG or PNG),
// or "" for anything else, whatever its name or declared type.
func ScanType(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte("%PDF-")):
		return ScanPDF
	case bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}):
		return ScanJPEG
	case bytes.HasPrefix(data, []byte{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'}):
		return ScanPNG
	}
	return ""
}

// AttachScan keeps the signed scan of the account's own department's
// explanation of month. A scan is evidence: it is attached once and never
// replaced.
func (s *Reports) AttachScan(ctx context.Context, who *Account, dept, month string, data []byte) (Explanation, error) {
	if err := Authorize(who, ActExplainMonth, ""); err != nil {
		return Explanation{}, err
	}
	if dept != who.DepartmentCode {
		return Explanation{}, Errorf(ClassForbidden, "other_department", "无权为其他部门（%.32s）上传书面说明扫描件", dept)
	}
	if _, err := parseMonth(month); err != nil {
		return Explanation{}, err
	}
	if len(data) > MaxScanBytes {
		return Explanation{}, Errorf(ClassTooLarge, "payload_too_large", "扫描件不能超过 %d MB", MaxScanBytes>>20)
	}
	typ := ScanType(data)
	if typ == "" {
		return Explanation{}, Errorf(ClassInvalid, "unsupported_scan_type",
			"扫描件须为 PDF、JPEG 或 PNG 文件（按文件内容判断，与文件名无关）")
	}
	ss := s.store
	sum := sha256.Sum256(data)
	f := ScanFile{ScanInfo: ScanInfo{ContentType: typ, Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:]),
		UploadedBy: who.Username, UploadedAt: s.now().UTC()}, Data: data}
	e, err := ss.AttachScan(ctx, dept, month, f)
	switch {
	case errors.Is(err, ErrNotFound):
		return Explanation{}, Errorf(ClassNotFound, "explanation_not_found", "%s 部门 %s 尚未提交书面说明，请先提交说明再上传扫描件", dept, month)
	case errors.Is(err, ErrDuplicate):
		return Explanation{}, Errorf(ClassConflict, "scan_exists", "%s 部门 %s 的书面说明已有扫描件，不能替换", dept, month)
	case err != nil:
		return Explanation{}, err
	}
	if due, err := s.ExplanationDue(month); err == nil {
		e.Late = calendar.DateOf(e.SubmittedAt).String() > due
	}
	return e, nil
}

// ExplanationScan returns the signed scan of a department's explanation,
// for the department's own accounts and the district's oversight,
// supervision and admin.
func (s *Reports) ExplanationScan(ctx context.Context, who *Account, dept, month string) (ScanFile, error) {
	if err := Authorize(who, ActReadScan, ""); err != nil {
		return ScanFile{}, err
	}
	if _, err := parseMonth(month); err != nil {
		return ScanFile{}, err
	}
	d, err := s.scopedDepartment(ctx, who, dept)
	if err != nil {
		return ScanFile{}, err
	}
	ss := s.store
	f, err := ss.ExplanationScan(ctx, d.Code, month)
	if errors.Is(err, ErrNotFound) {
		return ScanFile{}, Errorf(ClassNotFound, "scan_not_found", "%s 部门 %s 的书面说明没有扫描件", d.Code, month)
	}
	return f, err
}
