package httpapi

import "testing"

func TestConsolePath(t *testing.T) {
	t.Parallel()
	for p, want := range map[string]bool{
		"/":                          true,
		"/cases/ZJJ-2026-0001":       true,
		"/public":                    true,
		"/public/items":              true,
		"/public/items/XK-ZJJ-001":   true,
		"/public/cases":              true,
		"/api":                       false,
		"/api/v1/cases":              false,
		"/api/public/v1/items":       false,
		"/api/public/v1/catalog.csv": false,
		"/healthz":                   false,
		"/readyz":                    false,
		"/metrics":                   false,
	} {
		if got := consolePath(p); got != want {
			t.Errorf("consolePath(%q) = %v, want %v", p, got, want)
		}
	}
}
