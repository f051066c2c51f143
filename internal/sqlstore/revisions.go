package sqlstore

import (
	"context"
	"errors"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"powercheck/internal/compliance"
)

var _ compliance.DraftStore = (*Revisions)(nil)

func toRevision(r revisionRow) compliance.PolicyRevision {
	out := compliance.PolicyRevision{ID: r.ID, Digest: r.Digest, CreatedBy: r.CreatedBy, Note: r.Note, CreatedAt: r.CreatedAt,
		Summary: compliance.RevisionChange(r.Summary)}
	if r.BaseID != nil {
		out.Base = *r.BaseID
	}
	for _, m := range r.Modules {
		out.Modules = append(out.Modules, compliance.PolicyModule(m))
	}
	if r.Params != nil {
		out.Params = []byte(*r.Params)
	}
	return out
}

func fromRevision(rev compliance.PolicyRevision) revisionRow {
	r := revisionRow{Digest: rev.Digest, CreatedBy: rev.CreatedBy, Note: rev.Note, CreatedAt: utc(rev.CreatedAt),
		Summary: changeJSON(rev.Summary)}
	if rev.Base != 0 {
		base := rev.Base
		r.BaseID = &base
	}
	for _, m := range rev.Modules {
		r.Modules = append(r.Modules, moduleJSON(m))
	}
	if len(rev.Params) > 0 {
		p := string(rev.Params)
		r.Params = &p
	}
	return r
}

// createRevision stores r in tx, as the newest revision. A revision made
// over a base (r.BaseID) is stored only while that base is the newest: the
// newest is read inside the transaction, which on SQLite is the only
// writer; on MySQL two transactions may both read the same newest, and the
// unique base then lets only one of them commit.
func createRevision(tx *gorm.DB, r *revisionRow) error {
	var newest int64
	if err := tx.Model(&revisionRow{}).Select("COALESCE(MAX(id), 0)").Scan(&newest).Error; err != nil {
		return err
	}
	if r.BaseID != nil && newest != *r.BaseID {
		return compliance.ErrRevisionConflict
	}
	// The number is the newest one's plus one, not the table's
	// auto-increment: revisions are numbered without gaps, also on a Galera
	// cluster, whose nodes hand out auto-increment values in steps of the
	// cluster's size. Two publishes racing for one number: one is refused.
	r.ID = newest + 1
	err := tx.Create(r).Error
	if errors.Is(wrap(err, "create policy revision"), compliance.ErrDuplicate) {
		return compliance.ErrRevisionConflict
	}
	return err
}

// LatestRevision implements compliance.RevisionStore.
func (s *Revisions) LatestRevision(ctx context.Context) (compliance.PolicyRevision, error) {
	return takeOne(s.db.WithContext(ctx).Order("id DESC"), "latest policy revision", toRevision)
}

// LatestRevisionID implements compliance.RevisionStore; it is what every node
// polls to pick up a new revision, so it reads one integer.
func (s *Revisions) LatestRevisionID(ctx context.Context) (int64, error) {
	var id int64
	if err := s.db.WithContext(ctx).Model(&revisionRow{}).Select("COALESCE(MAX(id), 0)").Scan(&id).Error; err != nil {
		return 0, wrap(err, "latest policy revision id")
	}
	return id, nil
}

// CreateRevision implements compliance.RevisionStore.
func (s *Revisions) CreateRevision(ctx context.Context, rev compliance.PolicyRevision) (compliance.PolicyRevision, error) {
	return s.storeRevision(ctx, rev, "create policy revision", func(tx *gorm.DB, r revisionRow) error {
		// A revision made over another is a rollback, made by a person;
		// the first one (no base) is the installation's own.
		if r.BaseID == nil {
			return nil
		}
		return appendEvents(tx, []compliance.Event{compliance.PolicyPublishedEvent(toRevision(r))})
	})
}

// Revision implements compliance.DraftStore.
func (s *Revisions) Revision(ctx context.Context, id int64) (compliance.PolicyRevision, error) {
	return takeOne(s.db.WithContext(ctx).Where("id = ?", id), "get policy revision", toRevision)
}

// ListRevisions implements compliance.DraftStore.
func (s *Revisions) ListRevisions(ctx context.Context, limit int) ([]compliance.PolicyRevision, error) {
	return findAll(s.db.WithContext(ctx).Omit("modules", "params").Order("id DESC").Limit(limit), "list policy revisions", toRevision)
}

// Drafts implements compliance.DraftStore.
func (s *Revisions) Drafts(ctx context.Context) ([]compliance.PolicyDraft, error) {
	return findAll(s.db.WithContext(ctx).Order("module"), "list policy drafts", func(r draftRow) compliance.PolicyDraft {
		return compliance.PolicyDraft(r)
	})
}

// SaveDraft implements compliance.DraftStore.
func (s *Revisions) SaveDraft(ctx context.Context, d compliance.PolicyDraft) error {
	r := draftRow(d)
	r.UpdatedAt = utc(r.UpdatedAt)
	err := s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "module"}},
		DoUpdates: clause.AssignmentColumns([]string{"source", "updated_by", "updated_at"}),
	}).Create(&r).Error
	return wrap(err, "save policy draft")
}

// PublishDrafts implements compliance.DraftStore.
func (s *Revisions) PublishDrafts(ctx context.Context, rev compliance.PolicyRevision, drafts []compliance.PolicyDraft) (compliance.PolicyRevision, error) {
	return s.storeRevision(ctx, rev, "publish policy drafts", func(tx *gorm.DB, r revisionRow) error {
		for _, d := range drafts {
			// A draft saved again since it was read stays a draft.
			if err := tx.Where("module = ? AND updated_at = ?", d.Module, utc(d.UpdatedAt)).Delete(&draftRow{}).Error; err != nil {
				return err
			}
		}
		return appendEvents(tx, []compliance.Event{compliance.PolicyPublishedEvent(toRevision(r))})
	})
}

// storeRevision stores rev as the newest revision (see createRevision) and
// runs then on the stored row in the same transaction; what names the
// write in a failure.
func (s *Revisions) storeRevision(ctx context.Context, rev compliance.PolicyRevision, what string, then func(tx *gorm.DB, r revisionRow) error) (compliance.PolicyRevision, error) {
	r := fromRevision(rev)
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		if err := createRevision(tx, &r); err != nil {
			return err
		}
		return then(tx, r)
	})
	if err != nil {
		return compliance.PolicyRevision{}, wrap(err, what)
	}
	rev.ID = r.ID
	return rev, nil
}
