package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"testing"

	mysqldrv "github.com/go-sql-driver/mysql"
)

func TestRetryable(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"deadlock or certification failure", &mysqldrv.MySQLError{Number: 1213}, true},
		{"lock wait timeout", &mysqldrv.MySQLError{Number: 1205}, true},
		{"galera node not ready", &mysqldrv.MySQLError{Number: 1047}, true},
		{"TiDB write conflict", &mysqldrv.MySQLError{Number: 9007}, true},
		{"TiDB commit rolled back", &mysqldrv.MySQLError{Number: 8022}, true},
		{"wrapped", fmt.Errorf("record step: %w", &mysqldrv.MySQLError{Number: 1213}), true},
		{"wrapped into the domain", wrap(&mysqldrv.MySQLError{Number: 1213}, "record step"), true},
		{"triggers misread (Galera)", &mysqldrv.MySQLError{Number: 1064,
			Message: "Unknown trigger has an error in its body: 'Query was empty'"}, true},
		{"triggers misread, wrapped into the domain", wrap(&mysqldrv.MySQLError{Number: 1064,
			Message: "Unknown trigger has an error in its body: 'You have an error in your SQL syntax'"}, "record step"), true},
		{"a named trigger misread", &mysqldrv.MySQLError{Number: 1064,
			Message: "Trigger 'dash_rollup_upd_warnings' has an error in its body: 'You have an error in your SQL syntax'"}, true},
		{"a syntax error of a statement", &mysqldrv.MySQLError{Number: 1064,
			Message: "You have an error in your SQL syntax; check the manual"}, false},
		{"duplicate key", &mysqldrv.MySQLError{Number: 1062}, false},
		{"other", errors.New("boom"), false},
		{"nil", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := retryable(tc.err); got != tc.want {
				t.Errorf("retryable(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}

func TestRetryRunsAgainOnlyLostConflicts(t *testing.T) {
	conflict := &mysqldrv.MySQLError{Number: 1213}
	other := errors.New("boom")
	for _, tc := range []struct {
		name     string
		fails    []error // what the runs return, in turn; nil after them
		wantRuns int
		wantErr  error
	}{
		{"succeeds at once", nil, 1, nil},
		{"conflict then success", []error{conflict, conflict}, 3, nil},
		{"other error is not run again", []error{other}, 1, other},
		{"conflict every time gives up", repeat(conflict, 20), conflictRetries + 1, conflict},
	} {
		t.Run(tc.name, func(t *testing.T) {
			runs := 0
			err := retry(context.Background(), func() error {
				runs++
				if runs <= len(tc.fails) {
					return tc.fails[runs-1]
				}
				return nil
			})
			if runs != tc.wantRuns || !errors.Is(err, tc.wantErr) {
				t.Errorf("runs %d, err %v; want %d, %v", runs, err, tc.wantRuns, tc.wantErr)
			}
		})
	}
}

func repeat(err error, n int) []error {
	out := make([]error, n)
	for i := range out {
		out[i] = err
	}
	return out
}
