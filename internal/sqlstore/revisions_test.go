package sqlstore_test

import (
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"powercheck/internal/compliance"
	"powercheck/internal/sqlstore"
	"powercheck/internal/sqlstore/sqlstoretest"
)

const discretionRego = "package compliance.discretion\n\n" +
	"# METADATA\n# title: 处罚金额超出裁量基准\n# custom:\n#   level: alarm\n#   basis: 《中华人民共和国行政处罚法》第三十四条\n" +
	"warnings contains {\"rule\": \"discretion.amount_out_of_range\", \"level\": \"alarm\", \"message\": msg} if {\n" +
	"\td := input.step.discretion\n" +
	"\tmsg := sprintf(`罚款金额 %v 元超出“%s”情形的裁量幅度`, [d.amount, d.tier])\n" +
	"}\n"

const discretionTestRego = "package compliance.discretion_test\n\n" +
	"test_in_range if {\n\tcount(data.compliance.discretion.warnings) == 0 with input as {\"event\": \"step\"}\n}\n" +
	"# 反引号 ` 与 \\ 反斜杠、'单引号'、\"双引号\" 都原样保存\n"

func TestRevisions(t *testing.T) {
	sqlstoretest.EachParallel(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := t.Context()

		t.Run("an empty store has no revision", func(t *testing.T) {
			if _, err := s.Revisions().LatestRevision(ctx); !errors.Is(err, compliance.ErrNotFound) {
				t.Errorf("LatestRevision error = %v, want ErrNotFound", err)
			}
			id, err := s.Revisions().LatestRevisionID(ctx)
			if err != nil || id != 0 {
				t.Errorf("LatestRevisionID = %d, %v; want 0, nil", id, err)
			}
		})

		revs := []compliance.PolicyRevision{
			{Digest: "sha256:aaa", CreatedBy: "legal01", Note: "初始策略", CreatedAt: at(1, 9, 0, 0, 500),
				Modules: []compliance.PolicyModule{{Name: "discretion", Source: discretionRego}, {Name: "discretion_test", Source: discretionTestRego}}},
			{Digest: "sha256:bbb", CreatedBy: "legal02", Note: "回滚到第 1 版", CreatedAt: at(2, 9, 0, 0, 0),
				Modules: []compliance.PolicyModule{{Name: "discretion", Source: discretionRego + "\n# 第二版\n"}}},
		}
		var lastID int64
		for i, r := range revs {
			t.Run(fmt.Sprintf("revision %d is created and read back intact", i+1), func(t *testing.T) {
				created, err := s.Revisions().CreateRevision(ctx, r)
				if err != nil {
					t.Fatalf("CreateRevision #%d: %v", i+1, err)
				}
				if created.ID <= lastID {
					t.Errorf("revision #%d id = %d, want more than %d", i+1, created.ID, lastID)
				}
				lastID = created.ID

				got, err := s.Revisions().LatestRevision(ctx)
				if err != nil {
					t.Fatal(err)
				}
				checkUTC(t, "CreatedAt", got.CreatedAt, r.CreatedAt)
				want := r
				want.ID, want.CreatedAt, got.CreatedAt = created.ID, r.CreatedAt.UTC(), r.CreatedAt.UTC()
				if !reflect.DeepEqual(got, want) {
					t.Errorf("LatestRevision =\n%+v\nwant\n%+v", got, want)
				}
				id, err := s.Revisions().LatestRevisionID(ctx)
				if err != nil || id != created.ID {
					t.Errorf("LatestRevisionID = %d, %v; want %d", id, err, created.ID)
				}
			})
		}
	})
}

// Revisions are numbered one after the other whatever the table's
// auto-increment counter says, as on a Galera cluster, where each node hands
// out auto-increment values in steps of the cluster's size. A publish made
// over a revision that is no longer the newest is refused.
func TestRevisionNumbersHaveNoGaps(t *testing.T) {
	sqlstoretest.EachParallel(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := t.Context()
		// The counter moved far ahead of the newest revision.
		ahead := map[string]string{
			"mysql":  "ALTER TABLE policy_revisions AUTO_INCREMENT = 100",
			"sqlite": "INSERT INTO policy_revisions (id, digest, created_by, note, created_at) VALUES (99, 'gap', 's', 'n', CURRENT_TIMESTAMP)",
		}[s.Dialect()]
		if err := s.DB().Exec(ahead).Error; err != nil {
			t.Fatal(err)
		}
		if s.Dialect() == "sqlite" {
			// SQLite counts from the greatest id there is: take the row away
			// again, leaving its number used.
			if err := s.DB().Exec("DELETE FROM policy_revisions WHERE id = 99").Error; err != nil {
				t.Fatal(err)
			}
		}
		first, err := s.Revisions().CreateRevision(ctx, compliance.PolicyRevision{Digest: "sha256:1", CreatedBy: "system", Note: "默认", CreatedAt: at(1, 9, 0, 0, 0)})
		if err != nil || first.ID != 1 {
			t.Fatalf("first revision = %d, %v; want 1", first.ID, err)
		}
		base := first.ID
		second, err := s.Revisions().CreateRevision(ctx, compliance.PolicyRevision{Digest: "sha256:2", CreatedBy: "legal", Note: "回滚",
			CreatedAt: at(2, 9, 0, 0, 0), Base: base})
		if err != nil || second.ID != 2 {
			t.Fatalf("second revision = %d, %v; want 2", second.ID, err)
		}
		if _, err := s.Revisions().CreateRevision(ctx, compliance.PolicyRevision{Digest: "sha256:3", CreatedBy: "legal", Note: "过时",
			CreatedAt: at(3, 9, 0, 0, 0), Base: base}); !errors.Is(err, compliance.ErrRevisionConflict) {
			t.Errorf("a revision over revision 1 when 2 is the newest: %v, want ErrRevisionConflict", err)
		}
	})
}

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
