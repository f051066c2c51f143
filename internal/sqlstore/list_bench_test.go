package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"powercheck/internal/compliance"
	"powercheck/internal/sqlstore"
	"powercheck/internal/sqlstore/sqlstoretest"
)

// BenchmarkListWarnings10M measures the first pages of the violation lists
// users open every day, on a MySQL warnings table of ten million rows:
//
//	POWERCHECK_TEST_MYSQL_DSN='root@tcp(127.0.0.1:3306)/test' \
//	  go test -run '^$' -bench ListWarnings10M -benchtime=1x -timeout 1h ./internal/sqlstore/
//
// POWERCHECK_BENCH_WARNINGS sets the number of rows (default 10,000,000).
// POWERCHECK_BENCH_WARNING_INDEXES, a list of statements separated by ";"
// (e.g. "CREATE INDEX idx_x ON warnings (department_code, id)"), is run after
// the first measurement, and every shape is measured again under
// "with-extra-indexes/": a way to try an index before adding it to
// warningRow's gorm tags.
//
// Each shape runs lwQueries queries with varied parameters, one at a time,
// and reports the p50, p99 and max latency of one ListWarnings call, in ms.
// The target is p99 < 50 ms. A shape stops after lwBudget and reports over
// the queries it ran. The EXPLAIN and the ANALYZE (rows really read; EXPLAIN
// ANALYZE on MySQL) of each shape's slowest query are logged. Seeding ten
// million rows takes about two minutes on two cores (see lwSeed).
func BenchmarkListWarnings10M(b *testing.B) {
	sqlstoretest.NeedMySQL(b, "the list benchmark seeds ten million warnings in MySQL")
	n := benchRows(b)
	s, db := openWithDB(b, sqlstoretest.MySQLDSN(b))
	ctx := context.Background()
	var version string
	if err := db.QueryRowContext(ctx, "SELECT VERSION()").Scan(&version); err != nil {
		b.Fatal(err)
	}
	var pool int64
	if err := db.QueryRowContext(ctx, "SELECT @@innodb_buffer_pool_size").Scan(&pool); err != nil {
		b.Fatal(err)
	}

	seedStart := time.Now()
	seed := lwSeed(b, s, db, n)
	seedTime := time.Since(seedStart)
	var dataMB, indexMB float64
	if err := db.QueryRowContext(ctx, `SELECT data_length/1048576, index_length/1048576 FROM information_schema.tables
		WHERE table_schema = DATABASE() AND table_name = 'warnings'`).Scan(&dataMB, &indexMB); err != nil {
		b.Fatal(err)
	}
	seed.log = append(seed.log, fmt.Sprintf("warnings: %d rows, data %.0f MiB, indexes %.0f MiB (information_schema estimate)", n, dataMB, indexMB))
	// The seeding, reported as a sub-benchmark so that its log shows without -v.
	b.Run("seed", func(b *testing.B) {
		b.Logf("server %s, innodb_buffer_pool_size %d MiB", version, pool>>20)
		for _, l := range seed.log {
			b.Log(l)
		}
		b.ReportMetric(seedTime.Seconds(), "seed-s")
		b.ReportMetric(float64(n), "rows")
	})

	// Capture the SQL that ListWarnings sends, for EXPLAIN and ANALYZE.
	lb := lwBench{s: s, db: db, seed: seed, mariadb: strings.Contains(strings.ToLower(version), "mariadb"), last: dbCapture(b, s)}
	for _, sh := range lwShapes {
		b.Run(sh.name, func(b *testing.B) { lb.run(b, sh) })
	}
	if extra := os.Getenv("POWERCHECK_BENCH_WARNING_INDEXES"); extra != "" {
		began := time.Now()
		created := lwCreateIndexes(b, db, extra)
		took := time.Since(began)
		b.Run("with-extra-indexes/create", func(b *testing.B) {
			for _, l := range created {
				b.Log(l)
			}
			b.ReportMetric(took.Seconds(), "create-s")
		})
		for _, sh := range lwShapes {
			b.Run("with-extra-indexes/"+sh.name, func(b *testing.B) { lb.run(b, sh) })
		}
	}
}

// lwBench measures the shapes of listing on the seeded table.
type lwBench struct {
	s       *sqlstore.Store
	db      *sql.DB
	seed    lwSeeded
	mariadb bool
	last    func() string // the SQL the store sent last (dbCapture)
}

// sqlOf returns the SQL that ListWarnings sends for f.
func (lb *lwBench) sqlOf(b *testing.B, f compliance.WarningFilter) string {
	if _, err := lb.s.Warnings().ListWarnings(context.Background(), f); err != nil {
		b.Fatal(err)
	}
	return lb.last()
}

// run measures shape sh: lwQueries queries, one at a time, within lwBudget.
func (lb *lwBench) run(b *testing.B, sh lwShape) {
	h := fnv.New64a()
	h.Write([]byte(sh.name))
	r := rand.New(rand.NewPCG(h.Sum64(), 42)) // the same parameters in every run
	filters := make([]compliance.WarningFilter, lwQueries)
	for i := range filters {
		filters[i] = sh.filter(i, r, lb.seed)
		filters[i].Limit = lwPageSize
	}
	var (
		lat  []time.Duration
		rows int
		cut  bool
	)
	for b.Loop() {
		var stopped bool
		lat, rows, stopped = lb.time(b, sh, filters)
		cut = cut || stopped
	}
	lb.report(b, sh, filters, lat, rows, cut)
}

// time runs the queries of filters until lwBudget is spent, and returns
// the latency of each it ran, the rows they listed, and whether it stopped
// early.
func (lb *lwBench) time(b *testing.B, sh lwShape, filters []compliance.WarningFilter) (lat []time.Duration, rows int, cut bool) {
	ctx := context.Background()
	began := time.Now()
	for _, f := range filters {
		if time.Since(began) > lwBudget {
			return lat, rows, true // a hopeless shape: report what was measured
		}
		if sh.page2 {
			first, err := lb.s.Warnings().ListWarnings(ctx, f)
			if err != nil {
				b.Fatal(err)
			}
			if len(first) < f.Limit {
				b.Fatalf("%s: first page of %+v has %d rows: no second page", sh.name, f, len(first))
			}
			lwContinue(&f, first[len(first)-1])
		}
		start := time.Now()
		ws, err := lb.s.Warnings().ListWarnings(ctx, f)
		lat = append(lat, time.Since(start))
		if err != nil {
			b.Fatal(err)
		}
		rows += len(ws)
	}
	return lat, rows, false
}

// report reports the latencies lat of shape sh, and logs the plan of the
// shape and what its slowest query really did.
func (lb *lwBench) report(b *testing.B, sh lwShape, filters []compliance.WarningFilter, lat []time.Duration, rows int, cut bool) {
	sorted := slices.Clone(lat)
	slices.Sort(sorted)
	p := func(q float64) float64 { // nearest rank
		i := int(float64(len(sorted))*q+0.999999) - 1
		return float64(sorted[max(i, 0)].Microseconds()) / 1000
	}
	b.ReportMetric(p(0.50), "p50-ms")
	b.ReportMetric(p(0.99), "p99-ms")
	b.ReportMetric(p(1), "max-ms")
	b.ReportMetric(float64(rows)/float64(len(lat)), "rows/query")
	b.ReportMetric(float64(len(lat)), "queries")

	// The plan of the shape, and what the slowest query really did.
	slowest := filters[slices.Index(lat, sorted[len(sorted)-1])]
	if sh.page2 {
		first, _ := lb.s.Warnings().ListWarnings(context.Background(), slowest)
		lwContinue(&slowest, first[len(first)-1])
	}
	q := lb.sqlOf(b, slowest)
	b.Logf("%s: p50 %.2f ms, p99 %.2f ms, max %.2f ms over %d queries, %.1f rows/query",
		sh.name, p(0.5), p(0.99), p(1), len(lat), float64(rows)/float64(len(lat)))
	if cut {
		b.Logf("%s: stopped after %d of %d queries, over the %v budget of a shape", sh.name, len(lat), len(filters), lwBudget)
	}
	b.Logf("slowest: %s", q)
	b.Logf("EXPLAIN: %s", lwTable(b, lb.db, "EXPLAIN "+q, nil))
	if lb.mariadb {
		b.Logf("ANALYZE: %s", lwTable(b, lb.db, "ANALYZE "+q, func(col string) bool { return strings.HasPrefix(col, "r_") }))
	} else {
		b.Logf("EXPLAIN ANALYZE: %s", lwTable(b, lb.db, "EXPLAIN ANALYZE "+q, nil))
	}
}

// lwCreateIndexes runs the statements of extra, separated by ";", then
// analyzes the table; it returns a line a statement with its time.
func lwCreateIndexes(b *testing.B, db *sql.DB, extra string) (created []string) {
	ctx := context.Background()
	for stmt := range strings.SplitSeq(extra, ";") {
		if stmt = strings.TrimSpace(stmt); stmt == "" {
			continue
		}
		start := time.Now()
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			b.Fatalf("%s: %v", stmt, err)
		}
		created = append(created, fmt.Sprintf("%s: %v", stmt, time.Since(start).Round(time.Millisecond)))
	}
	if _, err := db.ExecContext(ctx, "ANALYZE TABLE warnings"); err != nil {
		b.Fatal(err)
	}
	return created
}

const (
	lwQueries  = 200              // queries per shape
	lwBudget   = 90 * time.Second // per shape; a shape this slow stops early
	lwPageSize = 50
	lwBase     = 12_000 // rows inserted by the client (a multiple of 3); the rest are copies
	lwDepts    = 40
	lwWorkers  = 2       // connections copying at once
	lwChunk    = 100_000 // ids a copy statement reads
)

// lwShape is one kind of listing; filter returns the parameters of its i-th query.
type lwShape struct {
	name   string
	page2  bool // time the second page, continued after the first page's last warning
	filter func(i int, r *rand.Rand, seed lwSeeded) compliance.WarningFilter
}

// lwContinue continues f after last as the API's cursor does: by id, or by
// (created_at, id) for a list with a time window.
func lwContinue(f *compliance.WarningFilter, last compliance.Warning) {
	if f.TimeOrdered() {
		k := compliance.KeyOf(last)
		f.Cursor = &k
		return
	}
	f.BeforeID = last.ID
}

// lwDepartments returns k distinct random departments.
func lwDepartments(r *rand.Rand, k int) []string {
	out := make([]string, 0, k)
	for _, d := range r.Perm(lwDepts)[:k] {
		out = append(out, lwDept(d))
	}
	slices.Sort(out)
	return out
}

// lwMonth returns a random calendar month of the seeded span.
func lwMonth(r *rand.Rand) (time.Time, time.Time) {
	from := lwStart.AddDate(0, r.IntN(36), 0)
	return from, from.AddDate(0, 1, 0)
}

func lwLevel(i int) string {
	if i%2 == 0 {
		return compliance.LevelAlarm
	}
	return compliance.LevelPrewarning
}

// Departments cycle through all forty, from the largest to the smallest.
var lwShapes = []lwShape{
	{name: "no-filter", filter: func(int, *rand.Rand, lwSeeded) compliance.WarningFilter {
		return compliance.WarningFilter{}
	}},
	{name: "department", filter: func(i int, _ *rand.Rand, _ lwSeeded) compliance.WarningFilter {
		return compliance.WarningFilter{Departments: []string{lwDept(i % lwDepts)}}
	}},
	{name: "department+level", filter: func(i int, _ *rand.Rand, _ lwSeeded) compliance.WarningFilter {
		return compliance.WarningFilter{Departments: []string{lwDept(i % lwDepts)}, Level: lwLevel(i / lwDepts)}
	}},
	{name: "departments+open", filter: func(i int, r *rand.Rand, _ lwSeeded) compliance.WarningFilter {
		return compliance.WarningFilter{Departments: lwDepartments(r, 2+r.IntN(4)), Status: compliance.WarningOpen}
	}},
	{name: "family+month", filter: func(i int, r *rand.Rand, _ lwSeeded) compliance.WarningFilter {
		from, to := lwMonth(r)
		return compliance.WarningFilter{Family: lwFamilies[r.IntN(len(lwFamilies))], From: from, To: to}
	}},
	{name: "month", filter: func(i int, r *rand.Rand, _ lwSeeded) compliance.WarningFilter {
		from, to := lwMonth(r)
		return compliance.WarningFilter{From: from, To: to}
	}},
	{name: "department+month", filter: func(i int, r *rand.Rand, _ lwSeeded) compliance.WarningFilter {
		from, to := lwMonth(r)
		return compliance.WarningFilter{Departments: []string{lwDept(i % lwDepts)}, From: from, To: to}
	}},
	{name: "departments+month", filter: func(i int, r *rand.Rand, _ lwSeeded) compliance.WarningFilter {
		from, to := lwMonth(r)
		return compliance.WarningFilter{Departments: lwDepartments(r, 2+r.IntN(4)), From: from, To: to}
	}},
	{name: "rule+month", filter: func(i int, r *rand.Rand, _ lwSeeded) compliance.WarningFilter {
		from, to := lwMonth(r)
		return compliance.WarningFilter{Rule: lwRules[r.IntN(len(lwRules))].rule, From: from, To: to}
	}},
	{name: "rule+department+month", filter: func(i int, r *rand.Rand, _ lwSeeded) compliance.WarningFilter {
		from, to := lwMonth(r)
		return compliance.WarningFilter{Rule: lwRules[r.IntN(len(lwRules))].rule, Departments: []string{lwDept(i % lwDepts)}, From: from, To: to}
	}},
	{name: "case_no", filter: func(i int, _ *rand.Rand, seed lwSeeded) compliance.WarningFilter {
		return compliance.WarningFilter{CaseNo: seed.caseNos[i%len(seed.caseNos)]}
	}},
	{name: "rule+department", filter: func(i int, r *rand.Rand, _ lwSeeded) compliance.WarningFilter {
		return compliance.WarningFilter{Rule: lwRules[r.IntN(len(lwRules))].rule, Departments: []string{lwDept(i % lwDepts)}}
	}},
	{name: "page2/department", page2: true, filter: func(i int, _ *rand.Rand, _ lwSeeded) compliance.WarningFilter {
		return compliance.WarningFilter{Departments: []string{lwDept(i % lwDepts)}}
	}},
	{name: "page2/family+month", page2: true, filter: func(i int, r *rand.Rand, _ lwSeeded) compliance.WarningFilter {
		from, to := lwMonth(r)
		return compliance.WarningFilter{Family: lwFamilies[r.IntN(len(lwFamilies))], From: from, To: to}
	}},
	{name: "page2/departments+open", page2: true, filter: func(i int, r *rand.Rand, _ lwSeeded) compliance.WarningFilter {
		return compliance.WarningFilter{Departments: lwDepartments(r, 2+r.IntN(4)), Status: compliance.WarningOpen}
	}},
}

// lwTable runs q and formats its result as a line of col=value a row,
// leaving out NULLs, "id" and "select_type", and columns keep does not want.
func lwTable(tb testing.TB, db *sql.DB, q string, keep func(col string) bool) string {
	tb.Helper()
	rows, err := db.Query(q)
	if err != nil {
		tb.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		tb.Fatal(err)
	}
	vals := make([]sql.NullString, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var lines []string
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			tb.Fatal(err)
		}
		var fields []string
		for i, v := range vals {
			if !v.Valid || v.String == "" || cols[i] == "id" || cols[i] == "select_type" || (keep != nil && !keep(cols[i])) {
				continue
			}
			if len(cols) == 1 {
				fields = append(fields, v.String)
			} else {
				fields = append(fields, cols[i]+"="+v.String)
			}
		}
		lines = append(lines, strings.Join(fields, " "))
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	return strings.Join(lines, " | ")
}
