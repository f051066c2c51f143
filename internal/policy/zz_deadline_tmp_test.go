package policy_test
import ("context";"testing";"powercheck/internal/calendar";"powercheck/internal/policy";"powercheck/policies")
func TestDeadlineTmp(t *testing.T){
	e := policy.NewEngine(calendar.Default(), 0)
	mods, err := policy.ReadModules(policies.FS); if err != nil { t.Fatal(err) }
	res, err := e.RunTests(context.Background(), mods); if err != nil { t.Fatal(err) }
	for _, r := range res { if !r.Passed { t.Errorf("%s %s:%d %s", r.Module, r.Name, r.Line, r.Error) } }
	t.Logf("%d tests", len(res))
}
