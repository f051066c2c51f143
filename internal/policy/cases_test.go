package policy_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"powercheck/internal/compliance"
	"powercheck/internal/policy"
)

// casesDir holds the policy behaviour specified as data: one folder per rule
// family, YAML files of input documents and the warnings they must raise.
const casesDir = "../../testdata/cases"

// caseFile is one YAML file of cases.
type caseFile struct {
	Cases []policyCase `yaml:"cases"`
}

// policyCase is one input document and the warnings of the folder's family
// that it must raise, no more and no fewer. An empty want (want: []) means
// none; a missing want is a mistake in the file.
type policyCase struct {
	Name  string         `yaml:"name"`
	Input map[string]any `yaml:"input"`
	Want  []wantWarning  `yaml:"want"`
	// Lifted, when given, are the ids of the case's warnings that the
	// policies must say to lift (lifted sets), no more and no fewer.
	Lifted []int64 `yaml:"lifted"`
}

// wantWarning is a wanted warning. Key, Message and Basis are compared only
// when given.
type wantWarning struct {
	Rule    string `yaml:"rule"`
	Level   string `yaml:"level"`
	Key     string `yaml:"key"`
	Message string `yaml:"message"`
	Basis   string `yaml:"basis"`
}

func (w wantWarning) String() string {
	s := w.Rule + "/" + w.Level
	if w.Key != "" {
		s += "[" + w.Key + "]"
	}
	if w.Message != "" {
		s += " " + strconv.Quote(w.Message)
	}
	if w.Basis != "" {
		s += " basis " + strconv.Quote(w.Basis)
	}
	return s
}

func (w wantWarning) matches(f compliance.Finding) bool {
	return w.Rule == f.Rule && w.Level == f.Level && (w.Key == "" || w.Key == f.Key) &&
		(w.Message == "" || w.Message == f.Message) && (w.Basis == "" || w.Basis == f.Basis)
}

// specific counts what a want compares beyond rule and level.
func (w wantWarning) specific() int {
	n := 0
	for _, s := range []string{w.Key, w.Message, w.Basis} {
		if s != "" {
			n++
		}
	}
	return n
}

// TestCases evaluates every YAML case against the real embedded policies and
// compares the warnings of the case's family with the wanted ones.
func TestCases(t *testing.T) {
	t.Parallel()
	families, err := os.ReadDir(casesDir)
	if err != nil {
		t.Fatalf("read %s: %v", casesDir, err)
	}
	e := mustActiveEngine(t, roomyTimeout, embeddedModules(t))
	ran := 0
	for _, fam := range families {
		if !fam.IsDir() {
			continue
		}
		family := fam.Name()
		files, err := filepath.Glob(filepath.Join(casesDir, family, "*.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		t.Run(family, func(t *testing.T) {
			if len(files) == 0 {
				t.Fatalf("%s/%s has no *.yaml files", casesDir, family)
			}
			for _, path := range files {
				cases := readCases(t, path)
				t.Run(strings.TrimSuffix(filepath.Base(path), ".yaml"), func(t *testing.T) {
					for _, c := range cases {
						ran++
						t.Run(c.Name, func(t *testing.T) { runCase(t, e, family, c) })
					}
				})
			}
		})
	}
	if ran == 0 {
		t.Fatalf("no cases under %s", casesDir)
	}
}

// readCases decodes and checks one file of cases.
func readCases(t *testing.T, path string) []policyCase {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var f caseFile
	if err := yaml.Unmarshal(b, &f); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(f.Cases) == 0 {
		t.Fatalf("%s: no cases", path)
	}
	seen := map[string]bool{}
	for i, c := range f.Cases {
		switch {
		case c.Name == "":
			t.Fatalf("%s: case %d has no name", path, i+1)
		case seen[c.Name]:
			t.Fatalf("%s: two cases named %q", path, c.Name)
		case c.Input == nil:
			t.Fatalf("%s: case %q has no input", path, c.Name)
		case c.Want == nil:
			t.Fatalf("%s: case %q has no want (write want: [] for none)", path, c.Name)
		}
		seen[c.Name] = true
	}
	return f.Cases
}

func runCase(t *testing.T, e *policy.Engine, family string, c policyCase) {
	for _, w := range c.Want {
		if compliance.RuleFamily(w.Rule) != family || w.Rule == family {
			t.Fatalf("want %s: a case under %s/ can only want %s.* rules", w, family, family)
		}
		if w.Level != compliance.LevelPrewarning && w.Level != compliance.LevelAlarm {
			t.Fatalf("want %s: level must be prewarning or alarm", w)
		}
	}
	ev, err := e.EvaluateDocument(context.Background(), normalize(c.Input).(map[string]any))
	if err != nil {
		t.Fatalf("EvaluateDocument: %v", err)
	}
	var got []compliance.Finding
	for _, f := range ev.Findings {
		if f.Family() == family {
			got = append(got, f)
		}
	}
	missing, extra := match(c.Want, got)
	if len(missing) > 0 || len(extra) > 0 {
		t.Errorf("warnings of %s:\n got  %s\n want %s\n missing %s\n unexpected %s\n notes %v",
			family, findingsString(got), wantsString(c.Want), wantsString(missing), findingsString(extra), ev.Notes)
	}
	for _, f := range got {
		if f.Message == "" || f.Basis == "" {
			t.Errorf("%s: want a message and a basis, got %+v", f.Rule, f)
		}
	}
	if c.Lifted != nil {
		var ids []int64
		for _, l := range ev.Lifts {
			if l.Reason == "" {
				t.Errorf("lift of warning %d without a reason", l.WarningID)
			}
			ids = append(ids, l.WarningID)
		}
		slices.Sort(ids)
		want := slices.Sorted(slices.Values(c.Lifted))
		if !slices.Equal(ids, want) {
			t.Errorf("lifted: got %v, want %v", ids, want)
		}
	}
}

// match pairs wanted and found warnings as multisets. The most specific
// wants are paired first, so that a want without a key or message never
// takes the finding a more specific one needs.
func match(want []wantWarning, got []compliance.Finding) (missing []wantWarning, extra []compliance.Finding) {
	ordered := slices.Clone(want)
	slices.SortStableFunc(ordered, func(a, b wantWarning) int { return b.specific() - a.specific() })
	used := make([]bool, len(got))
	for _, w := range ordered {
		found := false
		for i, f := range got {
			if !used[i] && w.matches(f) {
				used[i], found = true, true
				break
			}
		}
		if !found {
			missing = append(missing, w)
		}
	}
	for i, f := range got {
		if !used[i] {
			extra = append(extra, f)
		}
	}
	return missing, extra
}

func wantsString(ws []wantWarning) string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = w.String()
	}
	slices.Sort(out)
	return "[" + strings.Join(out, " ") + "]"
}

func findingsString(fs []compliance.Finding) string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = fmt.Sprintf("%s/%s", f.Rule, f.Level)
		if f.Key != "" {
			out[i] += "[" + f.Key + "]"
		}
		out[i] += " «" + f.Message + "»"
	}
	slices.Sort(out)
	return "[" + strings.Join(out, " ") + "]"
}

// normalize turns what YAML decodes into what an input document holds:
// timestamps YAML read as times become RFC 3339 strings again, and maps with
// non-string keys get string keys.
func normalize(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = normalize(e)
		}
		return out
	case map[any]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[fmt.Sprint(k)] = normalize(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalize(e)
		}
		return out
	case time.Time:
		return x.Format(time.RFC3339)
	}
	return v
}
