package sqlstore_test

import (
	"errors"
	"reflect"
	"slices"
	"sync"
	"testing"

	"powercheck/internal/compliance"
	"powercheck/internal/sqlstore"
	"powercheck/internal/sqlstore/sqlstoretest"
)

// testItem returns a power item with every nested field set.
func testItem(code, dept string) compliance.PowerItem {
	return compliance.PowerItem{
		Code: code, Name: "建筑工程施工许可", Category: "行政许可", DepartmentCode: dept,
		LegalBases: []compliance.LegalBasis{
			{ID: "LB1", Title: "《中华人民共和国建筑法》", Article: "第八条"},
			{ID: "LB2", Title: "《建筑工程施工许可管理办法》", Article: "第四条"},
		},
		TimeLimit: compliance.TimeLimit{Days: 15, Unit: compliance.UnitWorkday},
		Steps: []compliance.FlowStep{
			{Code: "accept", Name: "受理"},
			{Code: "review", Name: "审查", TimeLimitDays: 10},
			{Code: "decide", Name: "决定", RiskCheckpoint: true, RequiresApproval: "dept_inspector", EndsClock: true},
			{Code: "deliver", Name: "送达", TimeLimitDays: 10},
		},
		Discretion: map[string]compliance.Tier{
			"一般": {Min: 1000, Max: 5000, Description: "首次违法"},
			"较重": {Min: 5000.5, Max: 20000},
		},
		Status:    compliance.ItemActive,
		CreatedAt: at(1, 10, 0, 0, 125),
		CreatedBy: "legal01",
	}
}

// mustItem saves it and returns it as stored.
func mustItem(t testing.TB, s *sqlstore.Store, it compliance.PowerItem) compliance.PowerItem {
	t.Helper()
	got, err := s.Catalog().SaveItem(t.Context(), it)
	if err != nil {
		t.Fatalf("SaveItem(%s): %v", it.Code, err)
	}
	return got
}

// asStored is it as the store must give it back: version set, time in UTC.
func asStored(it compliance.PowerItem, version int) compliance.PowerItem {
	it.Version = version
	it.CreatedAt = it.CreatedAt.UTC()
	return it
}

// xk001Versions returns three versions of XK-001, each adjusting something nested.
func xk001Versions() (v1, v2, v3 compliance.PowerItem) {
	v1 = testItem("XK-001", "ZJJ")
	v2 = testItem("XK-001", "ZJJ")
	v2.Name = "建筑工程施工许可（调整）"
	v2.TimeLimit = compliance.TimeLimit{Days: 20, Unit: compliance.UnitCalendar}
	v2.LegalBases = v2.LegalBases[:1]
	v2.Discretion = map[string]compliance.Tier{"特别严重": {Min: 20000, Max: 100000, Description: "造成重大事故"}}
	v2.CreatedAt = at(5, 10, 0, 0, 0)
	v3 = testItem("XK-001", "ZJJ")
	v3.Status = compliance.ItemSuspended
	v3.Steps = append(v3.Steps, compliance.FlowStep{Code: "archive", Name: "归档"})
	v3.CreatedAt = at(9, 10, 0, 0, 0)
	return v1, v2, v3
}

func TestItems(t *testing.T) {
	sqlstoretest.EachParallel(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := t.Context()
		mustDepartment(t, s, "ZJJ")
		mustDepartment(t, s, "SCJ")

		v1, v2, v3 := xk001Versions()
		versions := []compliance.PowerItem{v1, v2, v3}

		t.Run("SaveItem assigns versions 1, 2, 3", func(t *testing.T) {
			for i, it := range versions {
				got := mustItem(t, s, it)
				if want := asStored(it, i+1); !reflect.DeepEqual(got, want) {
					t.Errorf("SaveItem #%d = %+v, want %+v", i+1, got, want)
				}
			}
		})

		t.Run("Item round-trips every version", func(t *testing.T) {
			for _, tc := range []struct {
				version int
				want    compliance.PowerItem
			}{
				{0, asStored(v3, 3)},
				{1, asStored(v1, 1)},
				{2, asStored(v2, 2)},
				{3, asStored(v3, 3)},
			} {
				got, err := s.Catalog().Item(ctx, "XK-001", tc.version)
				if err != nil {
					t.Fatalf("Item(XK-001, %d): %v", tc.version, err)
				}
				if !reflect.DeepEqual(got, tc.want) {
					t.Errorf("Item(XK-001, %d) =\n%+v\nwant\n%+v", tc.version, got, tc.want)
				}
			}
		})

		t.Run("missing item or version is ErrNotFound", func(t *testing.T) {
			for _, tc := range []struct {
				code    string
				version int
			}{{"XK-999", 0}, {"XK-999", 1}, {"XK-001", 4}} {
				if _, err := s.Catalog().Item(ctx, tc.code, tc.version); !errors.Is(err, compliance.ErrNotFound) {
					t.Errorf("Item(%s, %d) error = %v, want ErrNotFound", tc.code, tc.version, err)
				}
			}
		})

		mustItem(t, s, testItem("CF-001", "SCJ"))
		cf2 := testItem("CF-001", "SCJ")
		cf2.Name = "食品安全违法行为处罚"
		cf2.Category = "行政处罚"
		mustItem(t, s, cf2)
		mustItem(t, s, testItem("JC-001", "ZJJ"))

		t.Run("ListItems returns the latest versions, filtered by department", func(t *testing.T) {
			checkListItems(t, s, cf2, v3)
		})

		t.Run("concurrent saves of one code get distinct versions", func(t *testing.T) {
			checkConcurrentSaves(t, s)
		})
	})
}

// checkListItems holds ListItems to the latest versions of the items
// TestItems saved: CF-001 at cf2, JC-001 and XK-001 at v3.
func checkListItems(t *testing.T, s *sqlstore.Store, cf2, v3 compliance.PowerItem) {
	for _, tc := range []struct {
		dept string
		want []compliance.PowerItem
	}{
		{"", []compliance.PowerItem{asStored(cf2, 2), asStored(testItem("JC-001", "ZJJ"), 1), asStored(v3, 3)}},
		{"ZJJ", []compliance.PowerItem{asStored(testItem("JC-001", "ZJJ"), 1), asStored(v3, 3)}},
		{"SCJ", []compliance.PowerItem{asStored(cf2, 2)}},
		{"NOPE", nil},
	} {
		got, err := s.Catalog().ListItems(t.Context(), tc.dept)
		if err != nil {
			t.Fatalf("ListItems(%q): %v", tc.dept, err)
		}
		if len(got) != len(tc.want) {
			t.Fatalf("ListItems(%q) returned %d items, want %d: %+v", tc.dept, len(got), len(tc.want), got)
		}
		for i := range got {
			if !reflect.DeepEqual(got[i], tc.want[i]) {
				t.Errorf("ListItems(%q)[%d] = %s v%d %+v, want %s v%d %+v", tc.dept, i,
					got[i].Code, got[i].Version, got[i], tc.want[i].Code, tc.want[i].Version, tc.want[i])
			}
		}
	}
}

// checkConcurrentSaves saves XK-RACE from eight goroutines at once and
// wants versions 1 to 8, next to the six rows TestItems saved before.
func checkConcurrentSaves(t *testing.T, s *sqlstore.Store) {
	ctx := t.Context()
	// On MySQL each round of colliding inserts lets exactly one
	// writer win, so the last of n writers may need n attempts.
	const n = 8
	var wg sync.WaitGroup
	versions := make([]int, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			it := testItem("XK-RACE", "ZJJ")
			it.CreatedBy = "worker"
			got, err := s.Catalog().SaveItem(ctx, it)
			versions[i], errs[i] = got.Version, err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("SaveItem in goroutine %d: %v", i, err)
		}
	}
	slices.Sort(versions)
	if want := []int{1, 2, 3, 4, 5, 6, 7, 8}; !slices.Equal(versions, want) {
		t.Errorf("versions = %v, want %v", versions, want)
	}
	if got, want := countRows(t, s, "power_items")-8, int64(6); got != want {
		t.Errorf("other power_items rows = %d, want %d", got, want)
	}
	latest, err := s.Catalog().Item(ctx, "XK-RACE", 0)
	if err != nil || latest.Version != n {
		t.Errorf("Item(XK-RACE, 0) = version %d, %v; want version %d", latest.Version, err, n)
	}
}
