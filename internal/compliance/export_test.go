package compliance

import "testing"

func TestDefuseFormula(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"罚款金额超出裁量幅度", "罚款金额超出裁量幅度"},
		{"ZJJ-2026-0001", "ZJJ-2026-0001"},
		{"=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"},
		{"+1", "'+1"},
		{"-1+2", "'-1+2"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\t=1", "'\t=1"},
		{"\rabc", "'\rabc"},
		{"   =1+1", "'   =1+1"}, // after leading spaces
		{"\n=cmd|' /C calc'!A0", "'\n=cmd|' /C calc'!A0"}, // after a line break
		{"＝1+1", "'＝1+1"},                                 // full-width equals sign
		{"\u3000＋1", "'\u3000＋1"},                         // full-width space, full-width plus
		{"经办人 =张三", "经办人 =张三"},                            // not at the start
		{"   ", "   "},
	} {
		if got := DefuseFormula(tc.in); got != tc.want {
			t.Errorf("DefuseFormula(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
