package sqlstore_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

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
	if os.Getenv(sqlstoretest.MySQLEnv) == "" {
		b.Skipf("%s not set: the list benchmark seeds ten million warnings in MySQL", sqlstoretest.MySQLEnv)
	}
	n := 10_000_000
	if v := os.Getenv("POWERCHECK_BENCH_WARNINGS"); v != "" {
		var err error
		if n, err = strconv.Atoi(strings.ReplaceAll(v, "_", "")); err != nil || n <= 0 {
			b.Fatalf("POWERCHECK_BENCH_WARNINGS=%q: want a positive number", v)
		}
	}
	s := sqlstoretest.MustOpen(b, sqlstoretest.MySQLDSN(b))
	ctx := context.Background()
	db, err := s.DB().DB()
	if err != nil {
		b.Fatal(err)
	}
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
	var (
		sqlMu   sync.Mutex
		lastSQL string
	)
	if err := s.DB().Callback().Query().After("gorm:query").Register("lwbench:capture", func(tx *gorm.DB) {
		q := tx.Dialector.Explain(tx.Statement.SQL.String(), tx.Statement.Vars...)
		sqlMu.Lock()
		lastSQL = q
		sqlMu.Unlock()
	}); err != nil {
		b.Fatal(err)
	}
	sqlOf := func(f compliance.WarningFilter) string {
		if _, err := s.ListWarnings(ctx, f); err != nil {
			b.Fatal(err)
		}
		sqlMu.Lock()
		defer sqlMu.Unlock()
		return lastSQL
	}
	mariadb := strings.Contains(strings.ToLower(version), "mariadb")

	run := func(b *testing.B, sh lwShape) {
		h := fnv.New64a()
		h.Write([]byte(sh.name))
		r := rand.New(rand.NewPCG(h.Sum64(), 42)) // the same parameters in every run
		filters := make([]compliance.WarningFilter, lwQueries)
		for i := range filters {
			filters[i] = sh.filter(i, r, seed)
			filters[i].Limit = lwPageSize
		}
		var lat []time.Duration
		rows := 0
		cut := false
		for b.Loop() {
			lat = lat[:0]
			rows = 0
			began := time.Now()
			for _, f := range filters {
				if time.Since(began) > lwBudget {
					cut = true // a hopeless shape: report what was measured
					break
				}
				if sh.page2 {
					first, err := s.ListWarnings(ctx, f)
					if err != nil {
						b.Fatal(err)
					}
					if len(first) < f.Limit {
						b.Fatalf("%s: first page of %+v has %d rows: no second page", sh.name, f, len(first))
					}
					lwContinue(&f, first[len(first)-1])
				}
				start := time.Now()
				ws, err := s.ListWarnings(ctx, f)
				lat = append(lat, time.Since(start))
				if err != nil {
					b.Fatal(err)
				}
				rows += len(ws)
			}
		}
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
			first, _ := s.ListWarnings(ctx, slowest)
			lwContinue(&slowest, first[len(first)-1])
		}
		q := sqlOf(slowest)
		b.Logf("%s: p50 %.2f ms, p99 %.2f ms, max %.2f ms over %d queries, %.1f rows/query",
			sh.name, p(0.5), p(0.99), p(1), len(lat), float64(rows)/float64(len(lat)))
		if cut {
			b.Logf("%s: stopped after %d of %d queries, over the %v budget of a shape", sh.name, len(lat), len(filters), lwBudget)
		}
		b.Logf("slowest: %s", q)
		b.Logf("EXPLAIN: %s", lwTable(b, db, "EXPLAIN "+q, nil))
		if mariadb {
			b.Logf("ANALYZE: %s", lwTable(b, db, "ANALYZE "+q, func(col string) bool { return strings.HasPrefix(col, "r_") }))
		} else {
			b.Logf("EXPLAIN ANALYZE: %s", lwTable(b, db, "EXPLAIN ANALYZE "+q, nil))
		}
	}
	for _, sh := range lwShapes {
		b.Run(sh.name, func(b *testing.B) { run(b, sh) })
	}
	if extra := os.Getenv("POWERCHECK_BENCH_WARNING_INDEXES"); extra != "" {
		var created []string
		began := time.Now()
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
		took := time.Since(began)
		b.Run("with-extra-indexes/create", func(b *testing.B) {
			for _, l := range created {
				b.Log(l)
			}
			b.ReportMetric(took.Seconds(), "create-s")
		})
		for _, sh := range lwShapes {
			b.Run("with-extra-indexes/"+sh.name, func(b *testing.B) { run(b, sh) })
		}
	}
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

// The seeded warnings are created over three years, in id order.
var (
	lwStart = time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	lwEnd   = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
)

// lwRules are fifteen rules of six families; weight is how often each fires.
var lwRules = []struct {
	rule, family, basis string
	weight              int
}{
	{"deadline.item_due_soon", "deadline", "《中华人民共和国行政许可法》第四十二条", 20},
	{"deadline.item_overdue", "deadline", "《中华人民共和国行政许可法》第四十二条", 8},
	{"deadline.step_due_soon", "deadline", "《中华人民共和国行政许可法》第四十二条", 14},
	{"deadline.step_overdue", "deadline", "《中华人民共和国行政许可法》第四十二条", 6},
	{"checkpoint.approval_missing", "checkpoint", "《廉政风险防控工作规定》第十二条", 8},
	{"checkpoint.self_approval", "checkpoint", "《廉政风险防控工作规定》第十二条", 2},
	{"checkpoint.approval_after_step", "checkpoint", "《廉政风险防控工作规定》第十二条", 3},
	{"legal_basis.missing", "legal_basis", "《中华人民共和国行政处罚法》第三十八条", 6},
	{"legal_basis.unknown", "legal_basis", "《中华人民共和国行政处罚法》第三十八条", 2},
	{"discretion.amount_out_of_range", "discretion", "《中华人民共和国行政处罚法》第三十四条", 4},
	{"discretion.missing", "discretion", "《中华人民共和国行政处罚法》第三十四条", 3},
	{"sequence.out_of_order", "sequence", "", 5},
	{"sequence.time_reversed", "sequence", "", 1},
	{"sync.late_entry", "sync", "《行政权力依法规范公开运行工作方案》同步录入要求", 12},
	{"sync.very_late_entry", "sync", "《行政权力依法规范公开运行工作方案》同步录入要求", 4},
}

var lwFamilies = []string{"deadline", "checkpoint", "legal_basis", "discretion", "sequence", "sync"}

// lwStatuses: mostly open.
var lwStatuses = []struct {
	status string
	weight int
}{
	{compliance.WarningOpen, 60}, {compliance.WarningExplained, 10}, {compliance.WarningRectifying, 8},
	{compliance.WarningRectified, 8}, {compliance.WarningVerified, 6}, {compliance.WarningReferred, 2},
	{compliance.WarningClosed, 6},
}

func lwDept(i int) string { return fmt.Sprintf("D%02d", i+1) }

// lwPick picks an index with probability weight(i)/sum.
func lwPick(r *rand.Rand, n int, weight func(int) float64) int {
	total := 0.0
	for i := range n {
		total += weight(i)
	}
	x := r.Float64() * total
	for i := range n {
		if x -= weight(i); x < 0 {
			return i
		}
	}
	return n - 1
}

// lwSeeded is what the queries draw their parameters from.
type lwSeeded struct {
	caseNos []string // of random rows
	log     []string // how the seeding went
}

// lwSeed fills the warnings table with n rows, fast: lwBase rows in
// multi-row INSERTs (one case in three is new; the department of a case is
// Zipf-distributed, D01 the largest, D40 the smallest; 20 % alarms), then
// copies of the table into itself (INSERT … SELECT, doubling) until n. Row
// k (id k+1) is created at lwStart + k·(three years / n), so ids follow
// time as they do in production, and the departments, rules and statuses
// repeat every lwBase rows (about 26 hours at 10 million rows). Copies get
// their own case numbers (CONCAT(case_no, '-', round)), so every (case_no,
// dedupe) pair stays distinct. The secondary indexes are dropped while
// copying and built again at the end in one ALTER TABLE, then checked
// against the migrated schema.
func lwSeed(tb testing.TB, s *sqlstore.Store, db *sql.DB, n int) lwSeeded {
	tb.Helper()
	ctx := context.Background()
	begin := time.Now()
	var out lwSeeded
	logf := func(format string, args ...any) {
		tb.Logf(format, args...)
		out.log = append(out.log, fmt.Sprintf(format, args...))
	}
	stepMs := lwEnd.Sub(lwStart).Milliseconds() / int64(n)
	if stepMs == 0 {
		tb.Fatalf("%d rows: more than one a millisecond", n)
	}

	// The migrated secondary indexes, to drop now and build again later.
	names, adds := lwIndexes(tb, db)
	indexDefs := strings.Join(adds, ", ")
	var drops []string
	for _, name := range names {
		drops = append(drops, "DROP INDEX `"+name+"`")
	}
	if len(drops) > 0 {
		if _, err := db.ExecContext(ctx, "ALTER TABLE warnings "+strings.Join(drops, ", ")); err != nil {
			tb.Fatal(err)
		}
	}

	// The base rows.
	const cols14 = "id, case_no, dedupe, step_id, department_code, `rule`, family, level, status, message, basis, warning_key, policy_revision, created_at, updated_at"
	base := min(n, lwBase)
	r := rand.New(rand.NewPCG(1, 2))
	var (
		dept, caseNo string
		args         []any
	)
	steps := []string{"accept", "review", "decide", "deliver"}
	flush := func() {
		if len(args) == 0 {
			return
		}
		nrows := len(args) / 15
		ph := "(" + strings.TrimSuffix(strings.Repeat("?,", 15), ",") + ")"
		q := "INSERT INTO warnings (" + cols14 + ") VALUES " + strings.TrimSuffix(strings.Repeat(ph+",", nrows), ",")
		if _, err := db.ExecContext(ctx, q, args...); err != nil {
			tb.Fatalf("seed: %v", err)
		}
		args = args[:0]
	}
	for i := range base {
		if i%3 == 0 { // a new case: three warnings a case
			dept = lwDept(lwPick(r, lwDepts, func(d int) float64 { return 1 / float64(d+1) }))
			caseNo = fmt.Sprintf("%s-%08d", dept, i/3)
		}
		rule := lwRules[lwPick(r, len(lwRules), func(j int) float64 { return float64(lwRules[j].weight) })]
		level := compliance.LevelPrewarning
		if r.IntN(5) == 0 {
			level = compliance.LevelAlarm
		}
		status := lwStatuses[lwPick(r, len(lwStatuses), func(j int) float64 { return float64(lwStatuses[j].weight) })].status
		sum := sha256.Sum256([]byte("lw-" + strconv.Itoa(i)))
		step := steps[r.IntN(len(steps))]
		created := lwStart.Add(time.Duration(int64(i)*stepMs) * time.Millisecond)
		msg := fmt.Sprintf("办件 %s 的“%s”环节触发规则 %s，请及时核查处理", caseNo, step, rule.rule)
		args = append(args, i+1, caseNo, hex.EncodeToString(sum[:]), caseNo+"-"+step, dept, rule.rule, rule.family,
			level, status, msg, rule.basis, "", 1+i%7, created, created)
		if len(args) == 1000*15 {
			flush()
		}
	}
	flush()
	logf("seed: %d base rows in %v", base, time.Since(begin).Round(time.Millisecond))

	// Doubling: the copy of row id gets id+count, and the time of its id.
	// Each round copies in chunks of ids, lwWorkers chunks at a time; a
	// chunk's temporary table (MySQL buffers an INSERT … SELECT from the
	// same table) stays small.
	copyChunk := func(conn *sql.Conn, count, lo, hi int) error {
		q := `INSERT INTO warnings (` + cols14 + `)
			SELECT id + ?, CONCAT(department_code, '-', LPAD((id - 1 + ?) DIV 3, 8, '0')), dedupe,
				CONCAT(department_code, '-', LPAD((id - 1 + ?) DIV 3, 8, '0'), '-', SUBSTRING_INDEX(step_id, '-', -1)),
				department_code, ` + "`rule`" + `, family, level, status, message, basis, warning_key, policy_revision,
				TIMESTAMPADD(MICROSECOND, (id - 1 + ?) * ?, ?), TIMESTAMPADD(MICROSECOND, (id - 1 + ?) * ?, ?)
			FROM warnings WHERE id BETWEEN ? AND ? ORDER BY id`
		res, err := conn.ExecContext(ctx, q, count, count, count, count, stepMs*1000, lwStart, count, stepMs*1000, lwStart, lo, hi)
		if err != nil {
			return err
		}
		if got, _ := res.RowsAffected(); got != int64(hi-lo+1) {
			return fmt.Errorf("ids %d–%d: copied %d rows, want %d", lo, hi, got, hi-lo+1)
		}
		return nil
	}
	conns := make([]*sql.Conn, lwWorkers)
	for w := range conns {
		c, err := db.Conn(ctx)
		if err != nil {
			tb.Fatal(err)
		}
		defer c.Close()
		// No shared locks on the rows copied: nothing else writes them.
		if _, err := c.ExecContext(ctx, "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED"); err != nil {
			tb.Fatal(err)
		}
		conns[w] = c
	}
	var rounds []string
	copyStart := time.Now()
	for round, count := 1, base; count < n; round++ {
		add := min(count, n-count)
		start := time.Now()
		chunks := make(chan int)
		errs := make(chan error, len(conns))
		var wg sync.WaitGroup
		for _, c := range conns {
			wg.Go(func() {
				for lo := range chunks {
					if err := copyChunk(c, count, lo, min(lo+lwChunk-1, add)); err != nil {
						errs <- err
						for range chunks { // drain
						}
						return
					}
				}
			})
		}
		for lo := 1; lo <= add; lo += lwChunk {
			chunks <- lo
		}
		close(chunks)
		wg.Wait()
		close(errs)
		if err := <-errs; err != nil {
			tb.Fatalf("seed round %d: %v", round, err)
		}
		count += add
		rounds = append(rounds, fmt.Sprintf("+%d %v", add, time.Since(start).Round(time.Millisecond)))
	}
	logf("seed: %d doubling rounds (%d workers, chunks of %d ids) in %v: %s", len(rounds), lwWorkers, lwChunk,
		time.Since(copyStart).Round(time.Millisecond), strings.Join(rounds, ", "))

	// The indexes, all in one pass over the table.
	if len(drops) > 0 {
		start := time.Now()
		if _, err := db.ExecContext(ctx, "ALTER TABLE warnings "+indexDefs); err != nil {
			tb.Fatalf("build indexes: %v", err)
		}
		logf("seed: built %d secondary indexes (%s) in %v", len(names), strings.Join(names, ", "), time.Since(start).Round(time.Millisecond))
	}
	if _, err := db.ExecContext(ctx, "ANALYZE TABLE warnings"); err != nil {
		tb.Fatal(err)
	}
	// Migrate again: the schema must be the migrated one, nothing to add.
	if err := s.Migrate(ctx); err != nil {
		tb.Fatal(err)
	}
	if _, after := lwIndexes(tb, db); !slices.Equal(after, adds) {
		tb.Fatalf("seed: the indexes are\n%s\nafter migrating again, want\n%s", strings.Join(after, "\n"), strings.Join(adds, "\n"))
	}
	var got int
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM warnings").Scan(&got); err != nil {
		tb.Fatal(err)
	}
	if got != n {
		tb.Fatalf("seeded %d warnings, want %d", got, n)
	}
	logf("seeded %d warnings in %v", n, time.Since(begin).Round(time.Millisecond))

	// Case numbers of random rows, for the case_no shape.
	for range lwQueries {
		var c string
		if err := db.QueryRowContext(ctx, "SELECT case_no FROM warnings WHERE id = ?", 1+r.IntN(n)).Scan(&c); err != nil {
			tb.Fatal(err)
		}
		out.caseNos = append(out.caseNos, c)
	}
	return out
}

// lwIndexes returns the names of the secondary indexes of the warnings
// table, and the clauses of an ALTER TABLE that adds them: "ADD INDEX
// `name` (`col`, …)".
func lwIndexes(tb testing.TB, db *sql.DB) (names, adds []string) {
	tb.Helper()
	rows, err := db.Query(`SELECT index_name, non_unique = 0, column_name, sub_part FROM information_schema.statistics
		WHERE table_schema = DATABASE() AND table_name = 'warnings' AND index_name <> 'PRIMARY'
		ORDER BY index_name, seq_in_index`)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	var (
		name   string
		unique bool
		parts  []string
	)
	flush := func() {
		if name == "" {
			return
		}
		kind := "INDEX"
		if unique {
			kind = "UNIQUE INDEX"
		}
		names = append(names, name)
		adds = append(adds, fmt.Sprintf("ADD %s `%s` (%s)", kind, name, strings.Join(parts, ", ")))
	}
	for rows.Next() {
		var (
			idx, col string
			uniq     bool
			sub      sql.NullInt64
		)
		if err := rows.Scan(&idx, &uniq, &col, &sub); err != nil {
			tb.Fatal(err)
		}
		if idx != name {
			flush()
			name, unique, parts = idx, uniq, nil
		}
		part := "`" + col + "`"
		if sub.Valid {
			part += fmt.Sprintf("(%d)", sub.Int64)
		}
		parts = append(parts, part)
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	flush()
	return names, adds
}

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
