package sqlstore_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"powercheck/internal/checker"
	"powercheck/internal/compliance"
	"powercheck/internal/httpapi"
	"powercheck/internal/sqlstore"
	"powercheck/internal/sqlstore/sqlstoretest"
)

// The export benchmark needs MySQL (a million rows):
//
//	POWERCHECK_TEST_MYSQL_DSN='root@tcp(127.0.0.1:3306)/test' \
//	  go test -run '^$' -bench ExportWarnings -benchtime=1x -timeout 1h ./internal/sqlstore/

// seedRules are the rules that seeded warnings raise, with their family.
var seedRules = []struct{ rule, family, basis string }{
	{"deadline.item_due_soon", "deadline", "《中华人民共和国行政许可法》第四十二条"},
	{"deadline.item_overdue", "deadline", "《中华人民共和国行政许可法》第四十二条"},
	{"checkpoint.approval_missing", "checkpoint", "《廉政风险防控工作规定》第十二条"},
	{"legal_basis.missing", "legal_basis", "《中华人民共和国行政处罚法》第三十八条"},
	{"discretion.amount_out_of_range", "discretion", "《中华人民共和国行政处罚法》第三十四条"},
	{"sequence.step_before_required", "sequence", ""},
	{"sync.late_entry", "sync", "《行政权力依法规范公开运行工作方案》同步录入要求"},
}

var seedStatuses = []string{compliance.WarningOpen, compliance.WarningOpen, compliance.WarningOpen,
	compliance.WarningExplained, compliance.WarningRectified, compliance.WarningVerified, compliance.WarningClosed}

// seedWarningRows inserts n warnings straight into the warnings table, in
// multi-row INSERTs: ten departments, four warnings a case, one in five an
// alarm, created over the ten years before 2026 in id order. Every row has
// its own dedupe value.
func seedWarningRows(tb testing.TB, s *sqlstore.Store, n int) {
	tb.Helper()
	const (
		batch   = 1000
		cols    = "case_no, dedupe, step_id, department_code, `rule`, family, level, status, message, basis, warning_key, policy_revision, created_at, updated_at"
		perRow  = 14
		workers = 4
	)
	db, err := s.DB().DB()
	if err != nil {
		tb.Fatal(err)
	}
	start := time.Date(2016, 1, 1, 0, 0, 0, 0, time.UTC)
	span := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Sub(start)
	placeholders := "(" + strings.TrimSuffix(strings.Repeat("?,", perRow), ",") + ")"
	insert := func(ctx context.Context, from, to int) error {
		sql := "INSERT INTO warnings (" + cols + ") VALUES " + strings.TrimSuffix(strings.Repeat(placeholders+",", to-from), ",")
		args := make([]any, 0, (to-from)*perRow)
		for i := from; i < to; i++ {
			r := seedRules[i%len(seedRules)]
			level := compliance.LevelPrewarning
			if (i/10)%5 == 0 {
				level = compliance.LevelAlarm
			}
			dept := "D" + strconv.Itoa(i%10)
			caseNo := fmt.Sprintf("%s-%07d", dept, i/4)
			created := start.Add(time.Duration(int64(span) / int64(n) * int64(i))).Truncate(time.Millisecond)
			msg := fmt.Sprintf("办件 %s 的“决定”环节距办理时限仅剩 %d 个工作日，请及时办理，逾期将转为报警", caseNo, i%5)
			args = append(args, caseNo, fmt.Sprintf("%064x", i), caseNo+"-decide", dept, r.rule, r.family, level,
				seedStatuses[(i/7)%len(seedStatuses)], msg, r.basis, "", 1+i/100000, created, created)
		}
		_, err := db.ExecContext(ctx, sql, args...)
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var (
		wg       sync.WaitGroup
		once     sync.Once
		firstErr error
		batches  = make(chan int)
	)
	for range workers {
		wg.Go(func() {
			for from := range batches {
				if err := insert(ctx, from, min(from+batch, n)); err != nil {
					once.Do(func() { firstErr = err; cancel() })
				}
			}
		})
	}
	for from := 0; from < n && ctx.Err() == nil; from += batch {
		batches <- from
	}
	close(batches)
	wg.Wait()
	if firstErr != nil {
		tb.Fatalf("seed warnings: %v", firstErr)
	}
}

// EachWarning walks the same rows, in the same order, as ListWarnings paging
// does, whatever the page size: smaller than, equal to and larger than the
// number of rows, and not dividing it.
func TestEachWarningPages(t *testing.T) {
	sqlstoretest.EachParallel(t, func(t *testing.T, s *sqlstore.Store) {
		const n = 2345
		seedWarningRows(t, s, n)
		for i, f := range []compliance.WarningFilter{
			{},
			{Departments: []string{"D3", "D4"}, Level: compliance.LevelAlarm},
			{Family: "deadline", Status: compliance.WarningOpen, From: time.Date(2018, 1, 1, 0, 0, 0, 0, time.UTC)},
			{Departments: []string{"NOPE"}},
		} {
			want := pagedIDs(t, s, f)
			switch {
			case i == 0 && len(want) != n:
				t.Fatalf("ListWarnings pages through %d warnings, want %d", len(want), n)
			case i > 0 && !slices.Equal(f.Departments, []string{"NOPE"}) && (len(want) == 0 || len(want) == n):
				t.Fatalf("filter %+v selects %d of %d warnings: not discriminating", f, len(want), n)
			}
			for _, size := range []int{1, 7, 1000, len(want), n, 5000} {
				if size == 0 {
					continue
				}
				var got []int64
				err := s.Warnings().EachWarning(t.Context(), f, size, func(w compliance.Warning) error {
					got = append(got, w.ID)
					return nil
				})
				if err != nil {
					t.Fatalf("EachWarning(%+v, %d): %v", f, size, err)
				}
				if !slices.Equal(got, want) {
					t.Errorf("EachWarning(%+v, %d) walks %d ids, ListWarnings %d; first %v vs %v",
						f, size, len(got), len(want), got[:min(len(got), 3)], want[:min(len(want), 3)])
				}
			}
		}
		t.Run("an error from fn stops the walk", func(t *testing.T) {
			stop := fmt.Errorf("stop")
			calls := 0
			err := s.Warnings().EachWarning(t.Context(), compliance.WarningFilter{}, 100, func(compliance.Warning) error {
				calls++
				if calls == 150 {
					return stop
				}
				return nil
			})
			if err != stop || calls != 150 {
				t.Errorf("EachWarning = %v after %d calls, want stop after 150", err, calls)
			}
		})
		t.Run("the CSV export has a line per warning", func(t *testing.T) { checkD3Export(t, s, n) })
	})
}

// pagedIDs returns the ids of the warnings f selects, paging through
// ListWarnings by id, pages as large as they may be.
func pagedIDs(t *testing.T, s *sqlstore.Store, f compliance.WarningFilter) []int64 {
	t.Helper()
	var ids []int64
	f.Limit = compliance.MaxPageSize
	for {
		ws, err := s.Warnings().ListWarnings(t.Context(), f)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, warningIDs(ws)...)
		if len(ws) < f.Limit {
			return ids
		}
		f.BeforeID = ws[len(ws)-1].ID
	}
}

// checkD3Export exports the warnings as the D3 clerk, from the n
// seedWarningRows stored, and wants a CSV line for each of D3's and none
// of D4's.
func checkD3Export(t *testing.T, s *sqlstore.Store, n int) {
	var buf bytes.Buffer
	stores := checker.SQLStores(s)
	svc := compliance.NewSupervision(compliance.NewCore(compliance.CoreConfig{Lookup: stores.Lookup}), stores.Supervision)
	clerk := &compliance.Account{Username: "d3-clerk", Role: compliance.RoleClerk, DepartmentCode: "D3"}
	file := compliance.NewCSVExport(&buf)
	if err := svc.ExportWarnings(t.Context(), clerk, compliance.WarningFilter{}, file.Add); err != nil {
		t.Fatal(err)
	}
	if err := file.Finish(); err != nil {
		t.Fatal(err)
	}
	d3 := 0
	for i := range n {
		if i%10 == 3 {
			d3++
		}
	}
	if got, want := strings.Count(buf.String(), "\n"), 1+d3; got != want || file.Rows() != d3 {
		t.Errorf("the D3 clerk's CSV has %d lines (%d rows), want %d", got, file.Rows(), want)
	}
	if strings.Contains(buf.String(), ",D4,") {
		t.Error("the D3 clerk's CSV holds a D4 warning")
	}
}

// BenchmarkExportWarnings exports a million warnings (all of them, as the
// supervision bureau would) through the handler's path, Service.ExportWarnings
// into the CSV or XLSX writer, to io.Discard, and reports:
//
//	rows/s          warnings exported per second
//	out-MB          size of the file
//	peak-heap-MiB   the largest HeapInuse seen (sampled every 5 ms)
//	alloc-B/row     bytes allocated per warning (TotalAlloc)
//	rss-hwm-MiB     the process's peak RSS (VmHWM) during the export, after
//	                resetting it (/proc/self/clear_refs) when the kernel allows
func BenchmarkExportWarnings(b *testing.B) {
	if os.Getenv(sqlstoretest.MySQLEnv) == "" {
		b.Skipf("%s not set: the export benchmark seeds a million warnings in MySQL", sqlstoretest.MySQLEnv)
	}
	const n = 1_000_000
	s := sqlstoretest.MustOpen(b, sqlstoretest.MySQLDSN(b))
	seeded := time.Now()
	seedWarningRows(b, s, n)
	b.Logf("seeded %d warnings in %v", n, time.Since(seeded).Round(time.Second))
	stores := checker.SQLStores(s)
	svc := compliance.NewSupervision(compliance.NewCore(compliance.CoreConfig{Lookup: stores.Lookup}), stores.Supervision)
	who := &compliance.Account{Username: "supervision", Role: compliance.RoleSupervision}

	type file interface {
		Add(compliance.Warning) error
		Finish() error
	}
	for _, format := range []string{"csv", "xlsx"} {
		b.Run(format, func(b *testing.B) {
			for b.Loop() {
				out := &countingWriter{}
				var f file
				if format == "csv" {
					f = compliance.NewCSVExport(out)
				} else {
					x, err := httpapi.NewXLSXExport(out)
					if err != nil {
						b.Fatal(err)
					}
					defer x.Close()
					f = x
				}
				runtime.GC()
				resetHWM := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
				hwmBefore := procStatusKB(b, "VmHWM")
				var before runtime.MemStats
				runtime.ReadMemStats(&before)
				peak := sampleHeapInuse(5 * time.Millisecond)

				rows := 0
				start := time.Now()
				err := svc.ExportWarnings(context.Background(), who, compliance.WarningFilter{}, func(w compliance.Warning) error {
					rows++
					return f.Add(w)
				})
				if err == nil {
					err = f.Finish()
				}
				elapsed := time.Since(start)
				peakHeap := peak()
				if err != nil {
					b.Fatal(err)
				}
				var after runtime.MemStats
				runtime.ReadMemStats(&after)
				hwmAfter := procStatusKB(b, "VmHWM")
				if rows != n {
					b.Fatalf("exported %d rows, want %d", rows, n)
				}
				b.ReportMetric(float64(rows)/elapsed.Seconds(), "rows/s")
				b.ReportMetric(float64(out.n)/1e6, "out-MB")
				b.ReportMetric(float64(peakHeap)/(1<<20), "peak-heap-MiB")
				b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(rows), "alloc-B/row")
				b.ReportMetric(float64(hwmAfter)/1024, "rss-hwm-MiB")
				b.Logf("%s: %d rows in %v, %.1f MB; VmHWM %d → %d KiB (reset: %v)",
					format, rows, elapsed.Round(time.Millisecond), float64(out.n)/1e6, hwmBefore, hwmAfter, resetHWM)
			}
		})
	}
}

// countingWriter discards what it is given and counts it.
type countingWriter struct{ n int64 }

func (w *countingWriter) Write(p []byte) (int, error) {
	w.n += int64(len(p))
	return len(p), nil
}

var _ io.Writer = (*countingWriter)(nil)

// sampleHeapInuse samples HeapInuse every interval until the returned
// function is called, which answers the largest value seen.
func sampleHeapInuse(every time.Duration) func() uint64 {
	var (
		mu   sync.Mutex
		peak uint64
		wg   sync.WaitGroup
	)
	done := make(chan struct{})
	sample := func() {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		mu.Lock()
		peak = max(peak, m.HeapInuse)
		mu.Unlock()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				sample()
			}
		}
	}()
	return func() uint64 {
		close(done)
		wg.Wait()
		sample()
		mu.Lock()
		defer mu.Unlock()
		return peak
	}
}

// procStatusKB reads a "<field>: <n> kB" line of /proc/self/status.
func procStatusKB(tb testing.TB, field string) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				tb.Fatalf("%s: %v", line, err)
			}
			return n
		}
	}
	return -1
}
