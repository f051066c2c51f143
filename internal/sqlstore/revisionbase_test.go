package sqlstore_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"powercheck/internal/compliance"
	"powercheck/internal/sqlstore"
	"powercheck/internal/sqlstore/sqlstoretest"
)

// A revision made over a base is stored only while that base is the newest.
func TestRevisionBase(t *testing.T) {
	sqlstoretest.EachParallel(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := t.Context()
		rev := func(base int64, module string) compliance.PolicyRevision {
			return compliance.PolicyRevision{Digest: module, CreatedBy: "legal01", CreatedAt: time.Now(), Base: base,
				Modules: []compliance.PolicyModule{{Name: module, Source: "package compliance." + module + "\n"}}}
		}
		first, err := s.Revisions().CreateRevision(ctx, rev(0, "a"))
		if err != nil {
			t.Fatal(err)
		}

		t.Run("over the newest it is stored and keeps its base", func(t *testing.T) {
			second, err := s.Revisions().CreateRevision(ctx, rev(first.ID, "b"))
			if err != nil {
				t.Fatal(err)
			}
			if got, err := s.Revisions().LatestRevision(ctx); err != nil || got.ID != second.ID || got.Base != first.ID {
				t.Errorf("LatestRevision = %d over %d, %v; want %d over %d", got.ID, got.Base, err, second.ID, first.ID)
			}
		})

		t.Run("over a stale base it is refused and drafts are kept", func(t *testing.T) {
			newest, err := s.Revisions().LatestRevisionID(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Revisions().CreateRevision(ctx, rev(first.ID, "c")); !errors.Is(err, compliance.ErrRevisionConflict) {
				t.Errorf("CreateRevision over stale %d: %v, want ErrRevisionConflict", first.ID, err)
			}
			d := compliance.PolicyDraft{Module: "d", Source: "package compliance.d\n", UpdatedBy: "legal01", UpdatedAt: time.Now()}
			if err := s.Revisions().SaveDraft(ctx, d); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Revisions().PublishDrafts(ctx, rev(first.ID, "d"), []compliance.PolicyDraft{d}); !errors.Is(err, compliance.ErrRevisionConflict) {
				t.Errorf("PublishDrafts over stale %d: %v, want ErrRevisionConflict", first.ID, err)
			}
			if drafts, err := s.Revisions().Drafts(ctx); err != nil || len(drafts) != 1 {
				t.Errorf("drafts after a refused publish: %v, %v; want the one kept", drafts, err)
			}
			if id, err := s.Revisions().LatestRevisionID(ctx); err != nil || id != newest {
				t.Errorf("newest revision %d, %v; want %d unchanged", id, err, newest)
			}
		})

		t.Run("of concurrent revisions over one base exactly one is stored", func(t *testing.T) {
			base, err := s.Revisions().LatestRevisionID(ctx)
			if err != nil {
				t.Fatal(err)
			}
			const n = 8
			var wg sync.WaitGroup
			results := make(chan error, n)
			for range n {
				wg.Go(func() {
					_, err := s.Revisions().CreateRevision(ctx, rev(base, "e"))
					results <- err
				})
			}
			wg.Wait()
			close(results)
			stored := 0
			for err := range results {
				switch {
				case err == nil:
					stored++
				case !errors.Is(err, compliance.ErrRevisionConflict):
					t.Errorf("CreateRevision: %v, want nil or ErrRevisionConflict", err)
				}
			}
			if stored != 1 {
				t.Errorf("%d of %d concurrent revisions over %d stored, want 1", stored, n, base)
			}
		})
	})
}
