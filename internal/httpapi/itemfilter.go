package httpapi

import (
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"powercheck/internal/compliance"
)

// itemFilter narrows GET /api/v1/power-items beyond the department: by
// category, by status, and by a text found in the code or the name. The
// catalog of one district is a few thousand items, read whole, so the
// narrowing is done on the list the service returns.
type itemFilter struct {
	category string
	status   string
	q        string // lower-cased
}

// maxItemQueryRunes bounds the search text.
const maxItemQueryRunes = 64

// readItemFilter reads category, status and q; an unknown category or status
// is refused rather than answered with an empty list.
func readItemFilter(c *gin.Context) (itemFilter, error) {
	f := itemFilter{category: c.Query("category"), status: c.Query("status"), q: strings.TrimSpace(c.Query("q"))}
	if f.category != "" && !slices.Contains(compliance.Categories, f.category) {
		return f, badRequest("invalid_category", "未知的权力类别“%s”，应为：%s", cutQuery(f.category),
			strings.Join(compliance.Categories, "、"))
	}
	switch f.status {
	case "", compliance.ItemActive, compliance.ItemSuspended, compliance.ItemCancelled:
	default:
		return f, badRequest("invalid_status", "status 须为 active、suspended 或 cancelled")
	}
	if utf8.RuneCountInString(f.q) > maxItemQueryRunes {
		return f, badRequest("invalid_query", "搜索内容不超过 %d 个字", maxItemQueryRunes)
	}
	f.q = strings.ToLower(f.q)
	return f, nil
}

// cutQuery keeps an echoed parameter short.
func cutQuery(s string) string {
	if utf8.RuneCountInString(s) <= maxItemQueryRunes {
		return s
	}
	return string([]rune(s)[:maxItemQueryRunes]) + "…"
}

// empty reports whether the filter keeps every item.
func (f itemFilter) empty() bool { return f.category == "" && f.status == "" && f.q == "" }

// keep returns the items the filter lets through, in their order.
func (f itemFilter) keep(items []compliance.PowerItem) []compliance.PowerItem {
	if f.empty() {
		return items
	}
	out := make([]compliance.PowerItem, 0, len(items))
	for _, it := range items {
		if f.category != "" && it.Category != f.category {
			continue
		}
		if f.status != "" && it.Status != f.status {
			continue
		}
		if f.q != "" && !strings.Contains(strings.ToLower(it.Code), f.q) && !strings.Contains(strings.ToLower(it.Name), f.q) {
			continue
		}
		out = append(out, it)
	}
	return out
}
