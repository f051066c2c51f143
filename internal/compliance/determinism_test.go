package compliance_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"powercheck/internal/checker"
	"powercheck/internal/compliance"
	"powercheck/internal/sqlstore"
	"powercheck/internal/sqlstore/sqlstoretest"
)

// Environment of the determinism test: how many steps (2,000 by default;
// `make bench` runs 100,000), and whether to write the golden file instead
// of comparing with it.
const (
	detStepsEnv  = "POWERCHECK_DETERMINISM_STEPS"
	detUpdateEnv = "POWERCHECK_DETERMINISM_UPDATE"
)

// The same steps give the same warnings: the data set (determinism_data_test.go)
// is submitted in batches through the real service, step writer (group
// commit) and policies, and a digest of every stored warning (rule, level,
// case, step, message), with the count of each rule and of each refusal,
// must equal the golden file written from the code before the step path
// was last changed. A change to the path that stores steps must leave it
// as it is; a change to the policies or the data set writes it again
// (POWERCHECK_DETERMINISM_UPDATE=1) and says why in its commit.
func TestDeterminism(t *testing.T) {
	t.Parallel()
	n := sqlstoretest.BenchSize(t, detStepsEnv, 2000)
	golden := filepath.Join("..", "..", "testdata", "determinism", fmt.Sprintf("steps-%d.txt", n))
	events := detGenerate(n)
	for _, d := range sqlstoretest.Drivers() {
		t.Run(d.Name, func(t *testing.T) {
			store := sqlstoretest.MustOpen(t, d.DSN(t))
			got := detRun(t, store, events)
			t.Logf("%d steps: warnings by family:\n%s", n, detFamilies(got))
			for _, f := range []string{"checkpoint", "deadline", "discretion", "legal_basis", "penalty", "sequence", "sync"} {
				if !strings.Contains(got, "\nfamily "+f+" ") {
					t.Errorf("the data set raises no %s warning: it no longer exercises that family", f)
				}
			}
			if os.Getenv(detUpdateEnv) != "" {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (write it with %s=1 from the code before the change)", err, detUpdateEnv)
			}
			if got != string(want) {
				t.Errorf("the warnings of %d steps changed; got, want:\n%s", n, detDiff(got, string(want)))
			}
		})
	}
}

// detRun loads the district into store, submits events in recording order
// and returns the summary of what was stored.
func detRun(t testing.TB, store *sqlstore.Store, events []detEvent) string {
	t.Helper()
	ctx := context.Background()
	clk := clockAt("2026-01-01T08:00:00+08:00")
	svc := newService(t, store, clk)
	detSetup(t, svc)
	refused := map[string]int{}
	refuse := func(err error) {
		var e *compliance.Error
		if !errors.As(err, &e) {
			t.Fatalf("not a refusal: %v", err)
		}
		refused[e.Code]++
	}
	for i := 0; i < len(events); {
		at := events[i].at
		j := i
		for j < len(events) && events[j].at.Equal(at) {
			j++
		}
		clk.mu.Lock()
		clk.t = at
		clk.mu.Unlock()
		batches := make([][]compliance.StepSubmission, len(detDepartments))
		for _, e := range events[i:j] {
			if e.approval != nil {
				if _, err := svc.Supervision.SignApproval(ctx, detAccount(e.dept, e.role), e.caseNo, *e.approval); err != nil {
					refuse(err)
				}
				continue
			}
			batches[e.dept] = append(batches[e.dept], *e.step)
		}
		for d, subs := range batches {
			for start := 0; start < len(subs); start += compliance.MaxBatchSteps {
				part := subs[start:min(start+compliance.MaxBatchSteps, len(subs))]
				for _, o := range svc.Cases.SubmitSteps(ctx, detAccount(d, compliance.RoleClerk), part) {
					if o.Err != nil {
						refuse(o.Err)
					}
				}
			}
		}
		i = j
	}
	return detSummary(t, store, len(events), refused)
}

// warningRef is a warning's id in another warning's message.
var warningRef = regexp.MustCompile(`编号 (\d+)`)

// detAccount is the account of a department's role.
func detAccount(d int, role compliance.Role) *compliance.Account {
	dep := detDepartments[d]
	name := map[compliance.Role]string{compliance.RoleClerk: dep.clerk, compliance.RoleDeptInspector: dep.inspector,
		compliance.RoleDeptAdmin: dep.leader}[role]
	return &compliance.Account{Username: strings.ToLower(dep.code) + "-" + string(role), RealName: name, Role: role,
		DepartmentCode: dep.code}
}

// detSetup creates the departments, their accounts and the catalog.
func detSetup(t testing.TB, svc *checker.Services) {
	t.Helper()
	ctx := context.Background()
	for d, dep := range detDepartments {
		if _, err := svc.Accounts.CreateDepartment(ctx, admin, compliance.Department{Code: dep.code, Name: dep.name}); err != nil {
			t.Fatal(err)
		}
		for _, role := range []compliance.Role{compliance.RoleClerk, compliance.RoleDeptInspector, compliance.RoleDeptAdmin} {
			a := detAccount(d, role)
			if _, _, err := svc.Accounts.CreateAccount(ctx, admin, *a, "det-token-"+a.Username+"-0123456789abcdef"); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, it := range detItems() {
		if _, err := svc.Catalog.SaveItem(ctx, legal, it); err != nil {
			t.Fatalf("item %s: %v", it.Code, err)
		}
	}
}

// detSummary reads every stored warning and returns the golden text: the
// counts of steps, refusals by code, warnings by family and by rule and
// level, and the digest of the sorted warnings.
func detSummary(t testing.TB, store *sqlstore.Store, events int, refused map[string]int) string {
	t.Helper()
	type row struct {
		ID                                   int64
		Rule, Level, CaseNo, StepID, Message string
	}
	var rows []row
	if err := store.DB().Raw("SELECT id, rule, level, case_no, step_id, message FROM warnings").Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	var steps int64
	if err := store.DB().Raw("SELECT COUNT(*) FROM steps").Scan(&steps).Error; err != nil {
		t.Fatal(err)
	}
	// A message that names another warning by its id (编号) names it here by
	// its step and rule instead: ids are handed out in commit order, which
	// the cases stored at the same time share in any order.
	byID := make(map[string]string, len(rows))
	for _, r := range rows {
		byID[fmt.Sprint(r.ID)] = r.StepID + "/" + r.Rule
	}
	lines := make([]string, len(rows))
	families, rules := map[string]int{}, map[string]int{}
	for i, r := range rows {
		msg := warningRef.ReplaceAllStringFunc(r.Message, func(m string) string {
			return "编号 " + byID[warningRef.FindStringSubmatch(m)[1]]
		})
		lines[i] = strings.Join([]string{r.Rule, r.Level, r.CaseNo, r.StepID, msg}, "\x1f")
		families[strings.SplitN(r.Rule, ".", 2)[0]]++
		rules[r.Rule+" "+r.Level]++
	}
	slices.Sort(lines)
	if f := os.Getenv("POWERCHECK_DETERMINISM_DUMP"); f != "" {
		_ = os.WriteFile(f, []byte(strings.Join(lines, "\n")), 0o644)
	}
	sum := sha256.Sum256([]byte(strings.Join(lines, "\n")))
	var b strings.Builder
	fmt.Fprintf(&b, "# powercheck determinism data set: what the policies make of it (TestDeterminism)\nevents %d\nstepsStored %d\n", events, steps)
	write := func(kind string, m map[string]int) {
		for _, k := range slices.Sorted(maps.Keys(m)) {
			fmt.Fprintf(&b, "%s %s %d\n", kind, k, m[k])
		}
	}
	write("refused", refused)
	write("family", families)
	write("rule", rules)
	fmt.Fprintf(&b, "warnings %d\ndigest sha256:%x\n", len(rows), sum)
	return b.String()
}

// detFamilies is the family lines of a summary.
func detFamilies(summary string) string {
	var out []string
	for _, l := range strings.Split(summary, "\n") {
		if strings.HasPrefix(l, "family ") || strings.HasPrefix(l, "warnings ") || strings.HasPrefix(l, "refused ") {
			out = append(out, "  "+l)
		}
	}
	return strings.Join(out, "\n")
}

// detDiff lists the lines of two summaries that differ.
func detDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	var out []string
	for _, l := range g {
		if !slices.Contains(w, l) {
			out = append(out, "+ "+l)
		}
	}
	for _, l := range w {
		if !slices.Contains(g, l) {
			out = append(out, "- "+l)
		}
	}
	return strings.Join(out, "\n")
}
