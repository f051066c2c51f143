package sqlstore_test

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"slices"
	"testing"
	"time"

	"powercheck/internal/compliance"
	"powercheck/internal/sqlstore"
	"powercheck/internal/sqlstore/sqlstoretest"
)

// The storage suite: every test runs once per driver through
// sqlstoretest.Each, on a fresh migrated database, so SQLite and MySQL are
// held to the same contract.

// cst is the zone callers' times come in (Asia/Shanghai has no DST).
var cst = time.FixedZone("CST", 8*60*60)

func TestMain(m *testing.M) {
	// The process zone is set away from UTC so that a driver or conversion
	// that leaks the local zone into stored or returned times shows up.
	time.Local = cst
	os.Exit(m.Run())
}

// at returns a moment in March 2026, Shanghai time, with milliseconds: every
// driver keeps at least millisecond precision.
func at(day, hour, min, sec, ms int) time.Time {
	return time.Date(2026, time.March, day, hour, min, sec, ms*int(time.Millisecond), cst)
}

// mustZJJItem creates department ZJJ and its item XK-001 (testItem), and
// returns the item as stored.
func mustZJJItem(t testing.TB, s *sqlstore.Store) compliance.PowerItem {
	t.Helper()
	mustDepartment(t, s, "ZJJ")
	return mustItem(t, s, testItem("XK-001", "ZJJ"))
}

func mustDepartment(t testing.TB, s *sqlstore.Store, code string) compliance.Department {
	t.Helper()
	d, err := s.Accounts().CreateDepartment(t.Context(), compliance.Department{Code: code, Name: "部门" + code, CreatedAt: at(1, 8, 0, 0, 0)})
	if err != nil {
		t.Fatalf("CreateDepartment(%s): %v", code, err)
	}
	return d
}

// countRows counts the rows of table with raw SQL, behind the store's back.
func countRows(t *testing.T, s *sqlstore.Store, table string) int64 {
	t.Helper()
	var n int64
	if err := s.DB().Table(table).Count(&n).Error; err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

// rowCounts counts the rows of every table a step writes.
func rowCounts(t *testing.T, s *sqlstore.Store) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, table := range []string{"cases", "steps", "warnings"} {
		out[table] = countRows(t, s, table)
	}
	return out
}

// checkUTC fails unless got is want, as an instant, and is in UTC.
func checkUTC(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if !got.Equal(want) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
	if got.Location() != time.UTC {
		t.Errorf("%s location = %v, want UTC", what, got.Location())
	}
}

func TestDepartments(t *testing.T) {
	sqlstoretest.EachParallel(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := t.Context()
		created := at(2, 9, 30, 0, 250)
		for _, d := range []compliance.Department{
			{Code: "ZJJ", Name: "区住房和城乡建设局", CreatedAt: created},
			{Code: "AJJ", Name: "区应急管理局", CreatedAt: created},
			{Code: "SCJ", Name: "区市场监督管理局", CreatedAt: created},
		} {
			got, err := s.Accounts().CreateDepartment(ctx, d)
			if err != nil {
				t.Fatalf("CreateDepartment(%s): %v", d.Code, err)
			}
			if got.Code != d.Code || got.Name != d.Name {
				t.Errorf("CreateDepartment(%s) = %+v, want %+v", d.Code, got, d)
			}
		}

		t.Run("get returns what was created", func(t *testing.T) {
			got, err := s.Accounts().Department(ctx, "ZJJ")
			if err != nil {
				t.Fatal(err)
			}
			if got.Code != "ZJJ" || got.Name != "区住房和城乡建设局" {
				t.Errorf("Department(ZJJ) = %+v, want code ZJJ, name 区住房和城乡建设局", got)
			}
			checkUTC(t, "CreatedAt", got.CreatedAt, created)
		})

		t.Run("list is ordered by code", func(t *testing.T) {
			ds, err := s.Accounts().ListDepartments(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range ds {
				got = append(got, d.Code)
			}
			if want := []string{"AJJ", "SCJ", "ZJJ"}; !slices.Equal(got, want) {
				t.Errorf("ListDepartments codes = %v, want %v", got, want)
			}
		})

		t.Run("duplicate code is ErrDuplicate", func(t *testing.T) {
			_, err := s.Accounts().CreateDepartment(ctx, compliance.Department{Code: "ZJJ", Name: "另一个", CreatedAt: created})
			if !errors.Is(err, compliance.ErrDuplicate) {
				t.Errorf("CreateDepartment(ZJJ again) error = %v, want ErrDuplicate", err)
			}
			if got, want := countRows(t, s, "departments"), int64(3); got != want {
				t.Errorf("departments rows = %d, want %d", got, want)
			}
		})

		t.Run("missing code is ErrNotFound", func(t *testing.T) {
			_, err := s.Accounts().Department(ctx, "NOPE")
			if !errors.Is(err, compliance.ErrNotFound) {
				t.Errorf("Department(NOPE) error = %v, want ErrNotFound", err)
			}
		})
	})
}

func TestAccounts(t *testing.T) {
	sqlstoretest.EachParallel(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := t.Context()
		mustDepartment(t, s, "ZJJ")

		t.Run("count is zero on an empty database", func(t *testing.T) { checkAccountCount(t, s, 0) })

		clerkToken, adminToken := compliance.NewToken(), compliance.NewToken()
		clerk := compliance.Account{Username: "zhangsan", RealName: "张三", Role: compliance.RoleClerk,
			DepartmentCode: "ZJJ", AllowedCIDRs: []string{"10.1.0.0/16", "2001:db8::/32"}, CreatedAt: at(2, 9, 0, 0, 5)}
		admin := compliance.Account{Username: "admin", RealName: "系统管理员", Role: compliance.RoleAdmin, CreatedAt: at(2, 9, 0, 1, 0)}
		gotClerk, err := s.Accounts().CreateAccount(ctx, clerk, compliance.HashToken(clerkToken))
		if err != nil {
			t.Fatalf("CreateAccount(clerk): %v", err)
		}
		gotAdmin, err := s.Accounts().CreateAccount(ctx, admin, compliance.HashToken(adminToken))
		if err != nil {
			t.Fatalf("CreateAccount(admin): %v", err)
		}
		if gotClerk.ID == 0 || gotAdmin.ID == 0 || gotClerk.ID == gotAdmin.ID {
			t.Errorf("account ids = %d, %d, want distinct and non-zero", gotClerk.ID, gotAdmin.ID)
		}

		t.Run("AccountByTokenHash finds the account", func(t *testing.T) {
			for _, tc := range []struct {
				token string
				want  compliance.Account
				id    int64
			}{{clerkToken, clerk, gotClerk.ID}, {adminToken, admin, gotAdmin.ID}} {
				got, err := s.Accounts().AccountByTokenHash(ctx, compliance.HashToken(tc.token))
				if err != nil {
					t.Fatalf("AccountByTokenHash(%s): %v", tc.want.Username, err)
				}
				checkUTC(t, "CreatedAt", got.CreatedAt, tc.want.CreatedAt)
				want := tc.want
				want.ID, want.CreatedAt, got.CreatedAt = tc.id, time.Time{}, time.Time{}
				if len(want.AllowedCIDRs) == 0 && len(got.AllowedCIDRs) == 0 {
					want.AllowedCIDRs, got.AllowedCIDRs = nil, nil
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("AccountByTokenHash(%s) = %+v, want %+v", want.Username, got, want)
				}
			}
		})

		t.Run("unknown token hash is ErrNotFound", func(t *testing.T) {
			_, err := s.Accounts().AccountByTokenHash(ctx, compliance.HashToken("pc_unknown"))
			if !errors.Is(err, compliance.ErrNotFound) {
				t.Errorf("AccountByTokenHash(unknown) error = %v, want ErrNotFound", err)
			}
		})

		t.Run("count counts every account", func(t *testing.T) { checkAccountCount(t, s, 2) })

		t.Run("duplicates are ErrDuplicate", func(t *testing.T) {
			for _, tc := range []struct {
				name     string
				username string
				hash     string
			}{
				{"same username", "zhangsan", compliance.HashToken(compliance.NewToken())},
				{"same token hash", "lisi", compliance.HashToken(clerkToken)},
			} {
				a := compliance.Account{Username: tc.username, RealName: "李四", Role: compliance.RoleClerk, DepartmentCode: "ZJJ", CreatedAt: at(3, 9, 0, 0, 0)}
				_, err := s.Accounts().CreateAccount(ctx, a, tc.hash)
				if !errors.Is(err, compliance.ErrDuplicate) {
					t.Errorf("%s: CreateAccount error = %v, want ErrDuplicate", tc.name, err)
				}
			}
			if got, want := countRows(t, s, "accounts"), int64(2); got != want {
				t.Errorf("accounts rows = %d, want %d", got, want)
			}
		})

		t.Run("only the token hash is stored", func(t *testing.T) { checkOnlyTokenHashes(t, s, clerkToken, adminToken) })
	})
}

// checkAccountCount holds CountAccounts to want.
func checkAccountCount(t *testing.T, s *sqlstore.Store, want int64) {
	t.Helper()
	n, err := s.Accounts().CountAccounts(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if n != want {
		t.Errorf("CountAccounts = %d, want %d", n, want)
	}
}

// checkOnlyTokenHashes reads every column of every account and finds none
// of tokens in plain, and the hash of each in token_hash.
func checkOnlyTokenHashes(t *testing.T, s *sqlstore.Store, tokens ...string) {
	rows, err := s.DB().Raw("SELECT * FROM accounts").Rows()
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	hashes := map[string]bool{}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for i, v := range vals {
			var str string
			switch v := v.(type) {
			case []byte:
				str = string(v)
			case string:
				str = v
			default:
				str = fmt.Sprint(v)
			}
			if slices.Contains(tokens, str) {
				t.Errorf("accounts.%s holds the plain token", cols[i])
			}
			if cols[i] == "token_hash" {
				hashes[str] = true
			}
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for _, tok := range tokens {
		if !hashes[compliance.HashToken(tok)] {
			t.Errorf("accounts.token_hash values %v lack HashToken(token)", hashes)
		}
	}
}

func TestMigrateTwiceKeepsRows(t *testing.T) {
	sqlstoretest.EachParallel(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := t.Context()
		mustDepartment(t, s, "ZJJ")
		token := compliance.NewToken()
		if _, err := s.Accounts().CreateAccount(ctx, compliance.Account{Username: "zhangsan", RealName: "张三", Role: compliance.RoleClerk,
			DepartmentCode: "ZJJ", CreatedAt: at(2, 8, 0, 0, 0)}, compliance.HashToken(token)); err != nil {
			t.Fatal(err)
		}
		item := mustItem(t, s, testItem("XK-001", "ZJJ"))
		rec := newCaseRecord("ZJJ-2026-0001", item, newStep("ZJJ-2026-0001-accept", "ZJJ-2026-0001", "accept", at(2, 9, 30, 0, 0)),
			compliance.Finding{Rule: "sync.late", Level: compliance.LevelPrewarning, Message: "录入不及时"})
		res := mustRecord(t, s, rec)
		rev, err := s.Revisions().CreateRevision(ctx, compliance.PolicyRevision{Digest: "d1", Modules: []compliance.PolicyModule{{Name: "sync", Source: "package compliance.sync\n"}},
			CreatedBy: "legal", CreatedAt: at(1, 8, 0, 0, 0)})
		if err != nil {
			t.Fatal(err)
		}
		tables := []string{"departments", "accounts", "power_items", "cases", "steps", "warnings", "policy_revisions"}
		before := map[string]int64{}
		for _, tb := range tables {
			before[tb] = countRows(t, s, tb)
			if before[tb] == 0 {
				t.Fatalf("%s is empty before migrating: the test seeds nothing there", tb)
			}
		}

		for i := range 2 {
			if err := s.Migrate(ctx); err != nil {
				t.Fatalf("Migrate #%d: %v", i+2, err)
			}
		}

		for _, tb := range tables {
			if got, want := countRows(t, s, tb), before[tb]; got != want {
				t.Errorf("%s rows after migrating again = %d, want %d", tb, got, want)
			}
		}
		if got, err := s.Catalog().Item(ctx, item.Code, 0); err != nil || !reflect.DeepEqual(got, item) {
			t.Errorf("Item after migrating = %+v, %v; want %+v", got, err, item)
		}
		if got, err := s.Cases().StepByID(ctx, "ZJJ", rec.Step.ID); err != nil || !reflect.DeepEqual(got.Result, res) {
			t.Errorf("StepByID after migrating: result = %+v, %v; want %+v", got.Result, err, res)
		}
		if _, err := s.Accounts().AccountByTokenHash(ctx, compliance.HashToken(token)); err != nil {
			t.Errorf("AccountByTokenHash after migrating: %v", err)
		}
		if got, err := s.Revisions().LatestRevision(ctx); err != nil || got.ID != rev.ID || len(got.Modules) != 1 {
			t.Errorf("LatestRevision after migrating = %+v, %v; want revision %d with 1 module", got, err, rev.ID)
		}
	})
}

func TestClosedStoreIsUnavailable(t *testing.T) {
	sqlstoretest.EachParallel(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := t.Context()
		mustDepartment(t, s, "ZJJ")
		if err := s.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		rec := newCaseRecord("C-1", testItem("XK-001", "ZJJ"), newStep("C-1-accept", "C-1", "accept", at(2, 9, 0, 0, 0)))
		for _, tc := range []struct {
			name string
			call func() error
		}{
			{"Ping", func() error { return s.Ping(ctx) }},
			{"Department", func() error { _, err := s.Accounts().Department(ctx, "ZJJ"); return err }},
			{"ListDepartments", func() error { _, err := s.Accounts().ListDepartments(ctx); return err }},
			{"CreateDepartment", func() error {
				_, err := s.Accounts().CreateDepartment(ctx, compliance.Department{Code: "AJJ", Name: "区应急管理局"})
				return err
			}},
			{"SaveItem", func() error { _, err := s.Catalog().SaveItem(ctx, testItem("XK-002", "ZJJ")); return err }},
			{"RecordStep", func() error { _, err := s.Cases().RecordStep(ctx, rec, respond(rec)); return err }},
			{"ListWarnings", func() error {
				_, err := s.Warnings().ListWarnings(ctx, compliance.WarningFilter{Limit: 10})
				return err
			}},
			{"LatestRevisionID", func() error { _, err := s.Revisions().LatestRevisionID(ctx); return err }},
		} {
			t.Run(tc.name, func(t *testing.T) {
				err := tc.call()
				if got, want := compliance.ClassOf(err), compliance.ClassUnavailable; got != want {
					t.Errorf("%s on a closed store: ClassOf(%v) = %q, want %q", tc.name, err, got, want)
				}
			})
		}
	})
}
