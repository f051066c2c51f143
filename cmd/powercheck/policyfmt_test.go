package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPolicyFmt formats a folder: a module that is not formatted is
// rewritten, one OPA's formatter would break is named and left as it is,
// and the command fails so that a script notices.
func TestPolicyFmt(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	files := map[string]struct{ src, want string }{
		"messy.rego": {
			src:  "package compliance.messy\n\nlimit:=10\n",
			want: "package compliance.messy\n\nlimit := 10\n",
		},
		"law.rego": { // OPA's formatter writes it back as text that does not parse
			src:  "package compliance.law\n\nlaw := \"甲\" if input.c == \"a\"\n\nelse := \"乙\" if input.c == \"b\"\n",
			want: "package compliance.law\n\nlaw := \"甲\" if input.c == \"a\"\n\nelse := \"乙\" if input.c == \"b\"\n",
		},
	}
	for name, f := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(f.src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var out bytes.Buffer
	err := policyCmd(t.Context(), []string{"fmt", dir}, &out)
	if err == nil || !strings.Contains(err.Error(), "modules left unformatted: 1") {
		t.Fatalf("policy fmt: %v, want one module left unformatted\n%s", err, out.String())
	}
	for _, want := range []string{"left law.rego as it is", "formatted messy.rego", "1 of 2 modules reformatted"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("policy fmt said:\n%s\nwant a line with %q", out.String(), want)
		}
	}
	for name, f := range files {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != f.want {
			t.Errorf("%s after policy fmt:\n%s\nwant\n%s", name, got, f.want)
		}
	}
}
