package sqlstore

import (
	"context"

	"powercheck/internal/compliance"
)

var _ compliance.RevisionStore = (*Store)(nil)

// LatestRevision implements compliance.RevisionStore.
func (s *Store) LatestRevision(ctx context.Context) (compliance.PolicyRevision, error) {
	var r revisionRow
	if err := s.db.WithContext(ctx).Order("id DESC").Take(&r).Error; err != nil {
		return compliance.PolicyRevision{}, wrap(err, "latest policy revision")
	}
	out := compliance.PolicyRevision{ID: r.ID, Digest: r.Digest, CreatedBy: r.CreatedBy, Note: r.Note, CreatedAt: r.CreatedAt}
	for _, m := range r.Modules {
		out.Modules = append(out.Modules, compliance.PolicyModule(m))
	}
	return out, nil
}

// LatestRevisionID implements compliance.RevisionStore; it is what every node
// polls to pick up a new revision, so it reads one integer.
func (s *Store) LatestRevisionID(ctx context.Context) (int64, error) {
	var id int64
	if err := s.db.WithContext(ctx).Model(&revisionRow{}).Select("COALESCE(MAX(id), 0)").Scan(&id).Error; err != nil {
		return 0, wrap(err, "latest policy revision id")
	}
	return id, nil
}

// CreateRevision implements compliance.RevisionStore.
func (s *Store) CreateRevision(ctx context.Context, rev compliance.PolicyRevision) (compliance.PolicyRevision, error) {
	r := revisionRow{Digest: rev.Digest, CreatedBy: rev.CreatedBy, Note: rev.Note, CreatedAt: utc(rev.CreatedAt)}
	for _, m := range rev.Modules {
		r.Modules = append(r.Modules, moduleJSON(m))
	}
	if err := s.db.WithContext(ctx).Create(&r).Error; err != nil {
		return compliance.PolicyRevision{}, wrap(err, "create policy revision")
	}
	rev.ID = r.ID
	return rev, nil
}
