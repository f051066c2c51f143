package sqlstore

import (
	"gorm.io/gorm"

	"powercheck/internal/compliance"
)

// The read shapes most stores share: run a query into gorm rows, wrap a
// failure with what was read, and convert each row to its domain type.

// takeOne reads the first row of R that q finds and converts it with to;
// no row is compliance.ErrNotFound (see wrap).
func takeOne[R, T any](q *gorm.DB, what string, to func(R) T) (T, error) {
	var r R
	if err := q.Take(&r).Error; err != nil {
		var zero T
		return zero, wrap(err, what)
	}
	return to(r), nil
}

// findAll reads every row of R that q finds and converts each with to; no
// row is an empty slice, not nil.
func findAll[R, T any](q *gorm.DB, what string, to func(R) T) ([]T, error) {
	var rows []R
	if err := q.Find(&rows).Error; err != nil {
		return nil, wrap(err, what)
	}
	return convertAll(rows, to), nil
}

// findByCase reads the rows of R that q finds for the cases caseNos and
// gives each case its rows, converted with to, in q's order; no case is an
// empty map, not nil, and is not asked.
func findByCase[R, T any](q *gorm.DB, caseNos []string, what string, caseOf func(R) string, to func(R) T) (map[string][]T, error) {
	out := make(map[string][]T, len(caseNos))
	if len(caseNos) == 0 {
		return out, nil
	}
	var rows []R
	if err := q.Where("case_no IN ?", caseNos).Find(&rows).Error; err != nil {
		return nil, wrap(err, what)
	}
	for _, r := range rows {
		c := caseOf(r)
		out[c] = append(out[c], to(r))
	}
	return out, nil
}

// scanAll scans the rows q selects into T, each a row's columns by name.
func scanAll[T any](q *gorm.DB, what string) ([]T, error) {
	var out []T
	if err := q.Scan(&out).Error; err != nil {
		return nil, wrap(err, what)
	}
	return out, nil
}

// oneRow checks the result of a write to the one row a key names: a
// failure is wrapped with what was written, and no row is
// compliance.ErrNotFound.
func oneRow(res *gorm.DB, what string) error {
	if res.Error != nil {
		return wrap(res.Error, what)
	}
	if res.RowsAffected == 0 {
		return compliance.ErrNotFound
	}
	return nil
}

// orEmpty is s, or an empty slice for nil: JSON columns and answers hold
// [] rather than null.
func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// convertAll converts rows with to, in order.
func convertAll[R, T any](rows []R, to func(R) T) []T {
	out := make([]T, len(rows))
	for i, r := range rows {
		out[i] = to(r)
	}
	return out
}
