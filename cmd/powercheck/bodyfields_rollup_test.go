package main

import "slices"

// rollupTables are the dashboard's counters and the tables they count: a
// route that writes one of those may add counter rows too.
var rollupTables = map[string][]string{
	"dash_warning_days":   {"warnings", "warning_transitions"},
	"dash_warning_months": {"warnings", "warning_transitions"},
	"dash_case_days":      {"cases", "warnings"},
	"dash_rectify_days":   {"warning_transitions"},
	"dash_overdue_days":   {"warnings"},
}

// countsOf reports whether table counts one of the tables writes lists.
func countsOf(writes []string, table string) bool {
	return slices.ContainsFunc(rollupTables[table], func(t string) bool { return slices.Contains(writes, t) })
}
