package sqlstore

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"powercheck/internal/compliance"
)

var _ compliance.DocumentStore = (*Documents)(nil)

// documentRow is an issued document; (kind, year, seq) is unique, so that
// no number is ever given twice.
type documentRow struct {
	ID             int64                      `gorm:"primaryKey;autoIncrement"`
	Kind           string                     `gorm:"size:32;not null;uniqueIndex:uq_document_number,priority:1"`
	Year           int                        `gorm:"not null;uniqueIndex:uq_document_number,priority:2"`
	Seq            int64                      `gorm:"not null;uniqueIndex:uq_document_number,priority:3"`
	Number         string                     `gorm:"size:64;not null"`
	DepartmentCode string                     `gorm:"size:32;not null;index"`
	WarningID      *int64                     `gorm:"index"`
	SpotCheckID    *int64                     `gorm:"index"`
	CaseNo         string                     `gorm:"size:64;not null"`
	Subject        string                     `gorm:"size:255;not null"`
	IssuedBy       string                     `gorm:"size:64;not null"`
	IssuerRole     string                     `gorm:"size:32;not null"`
	IssuedAt       time.Time                  `gorm:"not null"`
	Content        compliance.DocumentContent `gorm:"type:text;serializer:json"`
}

func (documentRow) TableName() string { return "documents" }

// documentSeqRow is the last number given to a kind of document in a year.
// Issuing increments it inside the issuing transaction: the row lock (MySQL)
// or the single writer (SQLite) makes concurrent issuers take turns, and a
// rolled-back issue gives its number back before anyone saw it.
type documentSeqRow struct {
	Kind    string `gorm:"primaryKey;size:32"`
	Year    int    `gorm:"primaryKey;autoIncrement:false"`
	LastSeq int64  `gorm:"not null"`
}

func (documentSeqRow) TableName() string { return "document_sequences" }

func toDocument(r documentRow) compliance.Document {
	return compliance.Document{ID: r.ID, Kind: r.Kind, Number: r.Number, Year: r.Year, Seq: r.Seq,
		DepartmentCode: r.DepartmentCode, WarningID: r.WarningID, SpotCheckID: r.SpotCheckID, CaseNo: r.CaseNo,
		Subject: r.Subject, IssuedBy: r.IssuedBy, IssuerRole: compliance.Role(r.IssuerRole), IssuedAt: r.IssuedAt,
		Content: r.Content}
}

// IssueDocument implements compliance.DocumentStore.
func (s *Documents) IssueDocument(ctx context.Context, d compliance.Document, t *compliance.Transition) (compliance.Document, error) {
	// The year's counter exists before the transaction, so that two first
	// issuers of a year do not both insert it.
	seed := documentSeqRow{Kind: d.Kind, Year: d.Year}
	if err := s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&seed).Error; err != nil {
		return compliance.Document{}, wrap(err, "create document sequence")
	}
	r := documentRow{Kind: d.Kind, Year: d.Year, DepartmentCode: d.DepartmentCode, WarningID: d.WarningID,
		SpotCheckID: d.SpotCheckID, CaseNo: d.CaseNo, Subject: d.Subject, IssuedBy: d.IssuedBy,
		IssuerRole: string(d.IssuerRole), IssuedAt: utc(d.IssuedAt), Content: d.Content}
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&documentSeqRow{}).Where("kind = ? AND year = ?", d.Kind, d.Year).
			Update("last_seq", gorm.Expr("last_seq + 1"))
		if res.Error != nil {
			return res.Error
		}
		var seq documentSeqRow
		if err := tx.Where("kind = ? AND year = ?", d.Kind, d.Year).Take(&seq).Error; err != nil {
			return err
		}
		r.ID = 0 // no id: run again after a lost conflict, it inserts anew
		r.Seq = seq.LastSeq
		r.Number = compliance.DocumentNumber(d.Prefix, d.Year, r.Seq)
		if t == nil {
			return tx.Create(&r).Error
		}
		var w warningRow
		if err := tx.Select("id", "status").Where("id = ?", t.WarningID).Take(&w).Error; err != nil {
			return err
		}
		if err := tx.Create(&r).Error; err != nil {
			return err
		}
		// The history entry keeps the warning's status: issuing moves nothing.
		tr := transitionRow{WarningID: w.ID, Action: t.Action, FromState: w.Status, ToState: w.Status, Actor: t.Actor,
			Role: string(t.Role), Note: t.Note + " " + r.Number, Reference: r.Number, At: utc(t.At)}
		return tx.Create(&tr).Error
	})
	if err != nil {
		return compliance.Document{}, wrap(err, "issue document")
	}
	return toDocument(r), nil
}

// Document implements compliance.DocumentStore.
func (s *Documents) Document(ctx context.Context, id int64) (compliance.Document, error) {
	return takeOne(s.db.WithContext(ctx).Where("id = ?", id), "get document", toDocument)
}

// Documents implements compliance.DocumentStore, newest first.
func (s *Documents) Documents(ctx context.Context, f compliance.DocumentFilter) ([]compliance.Document, error) {
	q := s.db.WithContext(ctx).Model(&documentRow{})
	if f.WarningID != 0 {
		q = q.Where("warning_id = ?", f.WarningID)
	}
	if f.SpotCheckID != 0 {
		q = q.Where("spot_check_id = ?", f.SpotCheckID)
	}
	if f.Department != "" {
		q = q.Where("department_code = ?", f.Department)
	}
	return findAll(q.Order("id DESC").Limit(f.Limit), "list documents", toDocument)
}
