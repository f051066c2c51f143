package sqlstore_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"powercheck/internal/compliance"
	"powercheck/internal/sqlstore"
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
	var drops []string
	for _, name := range names {
		drops = append(drops, "DROP INDEX `"+name+"`")
	}
	if len(drops) > 0 {
		if _, err := db.ExecContext(ctx, "ALTER TABLE warnings "+strings.Join(drops, ", ")); err != nil {
			tb.Fatal(err)
		}
	}

	base := min(n, lwBase)
	r := rand.New(rand.NewPCG(1, 2))
	lwInsertBase(tb, db, base, stepMs, r)
	logf("seed: %d base rows in %v", base, time.Since(begin).Round(time.Millisecond))

	copyStart := time.Now()
	rounds := lwDouble(tb, db, base, n, stepMs)
	logf("seed: %d doubling rounds (%d workers, chunks of %d ids) in %v: %s", len(rounds), lwWorkers, lwChunk,
		time.Since(copyStart).Round(time.Millisecond), strings.Join(rounds, ", "))

	// The indexes, all in one pass over the table.
	if len(drops) > 0 {
		start := time.Now()
		if _, err := db.ExecContext(ctx, "ALTER TABLE warnings "+strings.Join(adds, ", ")); err != nil {
			tb.Fatalf("build indexes: %v", err)
		}
		logf("seed: built %d secondary indexes (%s) in %v", len(names), strings.Join(names, ", "), time.Since(start).Round(time.Millisecond))
	}
	lwCheckSeeded(tb, s, db, n, adds)
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

// lwCols are the columns lwSeed writes.
const lwCols = "id, case_no, dedupe, step_id, department_code, `rule`, family, level, status, message, basis, warning_key, policy_revision, created_at, updated_at"

// lwInsertBase inserts the base rows, ids 1 to base, in multi-row INSERTs
// of a thousand rows, drawing their departments, rules and statuses from r.
func lwInsertBase(tb testing.TB, db *sql.DB, base int, stepMs int64, r *rand.Rand) {
	tb.Helper()
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
		q := "INSERT INTO warnings (" + lwCols + ") VALUES " + strings.TrimSuffix(strings.Repeat(ph+",", nrows), ",")
		if _, err := db.ExecContext(context.Background(), q, args...); err != nil {
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
}

// lwDouble copies the table into itself until it holds n rows, from base:
// the copy of row id gets id+count, and the time of its id. Each round
// copies in chunks of ids, lwWorkers chunks at a time; a chunk's temporary
// table (MySQL buffers an INSERT … SELECT from the same table) stays
// small. It returns a line a round: rows added and time taken.
func lwDouble(tb testing.TB, db *sql.DB, base, n int, stepMs int64) (rounds []string) {
	tb.Helper()
	ctx := context.Background()
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
	for round, count := 1, base; count < n; round++ {
		add := min(count, n-count)
		start := time.Now()
		chunks := make(chan int)
		errs := make(chan error, len(conns))
		var wg sync.WaitGroup
		for _, c := range conns {
			wg.Go(func() {
				for lo := range chunks {
					if err := lwCopyChunk(c, count, lo, min(lo+lwChunk-1, add), stepMs); err != nil {
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
	return rounds
}

// lwCopyChunk copies the rows of ids lo to hi as ids lo+count to hi+count,
// on case numbers of their own.
func lwCopyChunk(conn *sql.Conn, count, lo, hi int, stepMs int64) error {
	q := `INSERT INTO warnings (` + lwCols + `)
		SELECT id + ?, CONCAT(department_code, '-', LPAD((id - 1 + ?) DIV 3, 8, '0')), dedupe,
			CONCAT(department_code, '-', LPAD((id - 1 + ?) DIV 3, 8, '0'), '-', SUBSTRING_INDEX(step_id, '-', -1)),
			department_code, ` + "`rule`" + `, family, level, status, message, basis, warning_key, policy_revision,
			TIMESTAMPADD(MICROSECOND, (id - 1 + ?) * ?, ?), TIMESTAMPADD(MICROSECOND, (id - 1 + ?) * ?, ?)
		FROM warnings WHERE id BETWEEN ? AND ? ORDER BY id`
	res, err := conn.ExecContext(context.Background(), q, count, count, count, count, stepMs*1000, lwStart, count, stepMs*1000, lwStart, lo, hi)
	if err != nil {
		return err
	}
	if got, _ := res.RowsAffected(); got != int64(hi-lo+1) {
		return fmt.Errorf("ids %d–%d: copied %d rows, want %d", lo, hi, got, hi-lo+1)
	}
	return nil
}

// lwCheckSeeded analyzes the seeded table, migrates again and fails unless
// the indexes are adds, the migrated ones, and the table holds n rows.
func lwCheckSeeded(tb testing.TB, s *sqlstore.Store, db *sql.DB, n int, adds []string) {
	tb.Helper()
	ctx := context.Background()
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
