package compliance

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"powercheck/internal/calendar"
)

// Document kinds: the official papers the offices issue about what the
// supervision found.
const (
	DocSupervisionOrder    = "supervision_order"    // 督办单, about a warning
	DocRectificationNotice = "rectification_notice" // 整改通知书, about a finding or a referral
	DocSupervisionAdvice   = "supervision_advice"   // 监察建议书, about a finding or a referral
)

// SubjectDocument names an issued document in the audit log, by id.
const SubjectDocument = "document"

// ActionIssueDocument is the entry a document leaves in its warning's
// history; it does not change the warning's status.
const ActionIssueDocument = "issue_document"

// documentKind describes one kind: its name, the prefix of its numbers and
// who may issue it. A 监察建议书 is the supervision commission's instrument
// (监察法 第四十五条), so only the bureau issues it.
type documentKind struct {
	name    string
	prefix  string
	issuers []Role
}

var documentKinds = map[string]documentKind{
	DocSupervisionOrder:    {name: "督办单", prefix: "区督办", issuers: []Role{RoleOversight, RoleSupervision}},
	DocRectificationNotice: {name: "整改通知书", prefix: "区整改", issuers: []Role{RoleOversight, RoleSupervision}},
	DocSupervisionAdvice:   {name: "监察建议书", prefix: "区监建", issuers: []Role{RoleSupervision}},
}

// DocumentKindName is the Chinese name of a kind ("督办单"), or the kind itself.
func DocumentKindName(kind string) string {
	if k, ok := documentKinds[kind]; ok {
		return k.name
	}
	return kind
}

// DocumentNumber formats a document's number: 区督办〔2026〕17号.
func DocumentNumber(prefix string, year int, seq int64) string {
	return fmt.Sprintf("%s〔%d〕%d号", prefix, year, seq)
}

// Document is an issued document. Its number comes from a sequence per
// kind and year that the store allocates in the issuing transaction; a
// number is never given twice. Content is the text as issued, kept as it
// was even when the warning or the settings change later.
type Document struct {
	ID             int64           `json:"id"`
	Kind           string          `json:"kind"`
	KindName       string          `json:"kind_name"`
	Number         string          `json:"number"`
	Year           int             `json:"year"`
	Seq            int64           `json:"seq"`
	Prefix         string          `json:"-"`
	DepartmentCode string          `json:"department_code"`
	WarningID      *int64          `json:"warning_id"`
	SpotCheckID    *int64          `json:"spot_check_id"`
	CaseNo         string          `json:"case_no"`
	Subject        string          `json:"subject"`
	IssuedBy       string          `json:"issued_by"`
	IssuerRole     Role            `json:"issuer_role"`
	IssuedAt       time.Time       `json:"issued_at"`
	Content        DocumentContent `json:"content"`
}

// DocumentContent is the text of a document as printed.
type DocumentContent struct {
	Title        string `json:"title"`         // 督办单
	DistrictName string `json:"district_name"` // from the settings when issued
	Issuer       string `json:"issuer"`        // the issuing office's name
	Recipient    string `json:"recipient"`     // the department's name
	Facts        string `json:"facts"`         // what was found
	Rule         string `json:"rule"`          // the rule id, for a warning
	RuleTitle    string `json:"rule_title"`
	Basis        string `json:"basis"`       // the legal basis
	Requirement  string `json:"requirement"` // what the department must do
	AnswerBy     string `json:"answer_by"`   // YYYY-MM-DD, Asia/Shanghai
	Note         string `json:"note"`        // the issuer's own words, if any
}

// IssueRequest asks for a document: its kind and its source, a warning
// (a supervision order, or a referred warning) or a spot check's finding.
type IssueRequest struct {
	Kind        string
	WarningID   int64
	SpotCheckID int64
	CaseNo      string
	AnswerDays  int    // working days to answer; 0: DefaultAnswerDays
	Note        string // at most 2,000 characters
	RuleTitle   string // the rule's title, read from the policies by the caller
}

// DefaultAnswerDays is the answer time of a document when none is asked.
const DefaultAnswerDays = 5

// DocumentFilter selects documents; zero fields do not filter.
type DocumentFilter struct {
	WarningID   int64
	SpotCheckID int64
	Department  string
	Limit       int
}

// DocumentStore keeps issued documents.
type DocumentStore interface {
	// IssueDocument allocates the next number of d's kind and year, stores
	// d and, when d is about a warning, appends t to its history with the
	// warning's status as it is inside the transaction; all or nothing.
	IssueDocument(ctx context.Context, d Document, t *Transition) (Document, error)
	Document(ctx context.Context, id int64) (Document, error)
	Documents(ctx context.Context, f DocumentFilter) ([]Document, error)
}

// DocumentsStorage is what Documents reads and writes.
type DocumentsStorage interface {
	DocumentStore
	LifecycleStore
}

// Documents issues and reads documents.
type Documents struct {
	*Core
	store       DocumentsStorage
	accounts    *Accounts    // the district's names
	supervision *Supervision // the spot checks documents are about
}

// NewDocuments returns the documents over store.
func NewDocuments(core *Core, store DocumentsStorage, accounts *Accounts, supervision *Supervision) *Documents {
	return &Documents{Core: core, store: store, accounts: accounts, supervision: supervision}
}

// Issue issues a document and returns it with its number.
func (d *Documents) Issue(ctx context.Context, who *Account, req IssueRequest) (Document, error) {
	kind, ok := documentKinds[req.Kind]
	if !ok {
		return Document{}, Errorf(ClassInvalid, "invalid_document_kind",
			"文书种类须为 supervision_order、rectification_notice 或 supervision_advice")
	}
	if !slices.Contains(kind.issuers, who.Role) {
		return Document{}, Errorf(ClassForbidden, "document_issuer", "%s无权签发%s", who.Role.Name(), kind.name)
	}
	if err := checkIssueRequest(&req); err != nil {
		return Document{}, err
	}
	now := d.now()
	answerBy, err := d.answerBy(now, req.AnswerDays)
	if err != nil {
		return Document{}, err
	}
	names := d.accounts.DistrictSettings(ctx).Settings
	issuer := names.Offices.Oversight
	if who.Role == RoleSupervision {
		issuer = names.Offices.Supervision
	}
	doc := Document{Kind: req.Kind, KindName: kind.name, Prefix: kind.prefix, Year: now.In(calendar.Shanghai).Year(),
		IssuedBy: who.Username, IssuerRole: who.Role, IssuedAt: now.UTC(),
		Content: DocumentContent{Title: kind.name, DistrictName: names.DistrictName, Issuer: issuer,
			AnswerBy: answerBy, Note: req.Note}}
	var t *Transition
	if req.WarningID != 0 {
		if t, err = d.fromWarning(ctx, &doc, req); err != nil {
			return Document{}, err
		}
	} else if err := d.fromFinding(ctx, who, &doc, req); err != nil {
		return Document{}, err
	}
	dept, err := d.department(ctx, doc.DepartmentCode)
	if err != nil {
		return Document{}, err
	}
	doc.Content.Recipient = dept.Name
	out, err := d.store.IssueDocument(ctx, doc, t)
	if err != nil {
		return Document{}, fmt.Errorf("issue %s: %w", req.Kind, err)
	}
	out.KindName = kind.name
	return out, nil
}

// checkIssueRequest validates what does not need the store.
func checkIssueRequest(req *IssueRequest) error {
	var v Validation
	fromWarning, fromFinding := req.WarningID != 0, req.SpotCheckID != 0 || req.CaseNo != ""
	switch {
	case fromWarning == fromFinding:
		v.Add("warning_id", "须且只须给出 warning_id，或 spot_check_id 与 case_no 之一")
	case fromFinding && (req.SpotCheckID <= 0 || req.CaseNo == ""):
		v.Add("spot_check_id", "抽查结果须同时给出 spot_check_id 与 case_no")
	case fromWarning && req.WarningID < 0:
		v.Add("warning_id", "warning_id 须为正整数")
	case fromFinding && req.Kind == DocSupervisionOrder:
		v.Add("kind", "督办单针对预警签发，须给出 warning_id")
	}
	if req.AnswerDays == 0 {
		req.AnswerDays = DefaultAnswerDays
	}
	if req.AnswerDays < 1 || req.AnswerDays > 60 {
		v.Add("answer_days", "答复期限须为 1–60 个工作日")
	}
	if err := v.Err("invalid_document", "文书请求不合法"); err != nil {
		return err
	}
	return CheckNote(req.Note, 2000)
}

// answerBy is the day the answer is due: answer days working days after
// today, the day of issue not counted.
func (d *Documents) answerBy(now time.Time, days int) (string, error) {
	c, err := d.cal()
	if err != nil {
		return "", err
	}
	due, err := c.AddWorkdays(calendar.DateOf(now), days)
	if err != nil {
		return "", Errorf(ClassInvalid, "calendar_year_missing", "缺少计算答复期限所需年度的节假日安排：%v", err)
	}
	return due.String(), nil
}

// Document returns a document the account may read.
func (d *Documents) Document(ctx context.Context, who *Account, id int64) (Document, error) {
	if err := Authorize(who, ActReadDocuments, ""); err != nil {
		return Document{}, err
	}
	doc, err := d.store.Document(ctx, id)
	if errors.Is(err, ErrNotFound) || (err == nil && !who.CanSeeDepartment(doc.DepartmentCode)) {
		return Document{}, Errorf(ClassNotFound, "document_not_found", "文书 %d 不存在", id)
	}
	if err != nil {
		return Document{}, err
	}
	doc.KindName = DocumentKindName(doc.Kind)
	return doc, nil
}

// List returns the documents the account may read that f selects, newest first.
func (d *Documents) List(ctx context.Context, who *Account, f DocumentFilter) ([]Document, error) {
	if err := Authorize(who, ActReadDocuments, ""); err != nil {
		return nil, err
	}
	if who.Role.DepartmentScoped() {
		if f.Department != "" && f.Department != who.DepartmentCode {
			return nil, Errorf(ClassForbidden, "other_department", "无权查看其他部门（%s）的文书", f.Department)
		}
		f.Department = who.DepartmentCode
	}
	if f.Limit <= 0 || f.Limit > MaxPageSize {
		f.Limit = 100
	}
	docs, err := d.store.Documents(ctx, f)
	if err != nil {
		return nil, err
	}
	for i := range docs {
		docs[i].KindName = DocumentKindName(docs[i].Kind)
	}
	return nonNil(docs), nil
}
