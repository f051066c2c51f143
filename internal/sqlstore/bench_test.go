package sqlstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"powercheck/internal/compliance"
	"powercheck/internal/sqlstore"
	"powercheck/internal/sqlstore/sqlstoretest"
)

// The storage benchmarks run on SQLite, and on MySQL too when
// POWERCHECK_TEST_MYSQL_DSN is set (each on a fresh database):
//
//	go test -run '^$' -bench . -benchmem ./internal/sqlstore/
//	POWERCHECK_TEST_MYSQL_DSN='root@tcp(127.0.0.1:3306)/' go test -run '^$' -bench . ./internal/sqlstore/
//
// Every write is durable: SQLite runs in WAL mode with synchronous=FULL and
// MySQL commits with the server's innodb_flush_log_at_trx_commit, so a
// serial RecordStep costs at least one fsync.

// benchItem is testItem as the benchmarks store it: one legal basis, 20
// working days, no discretion tiers.
func benchItem(code, dept string) compliance.PowerItem {
	it := testItem(code, dept)
	it.LegalBases = it.LegalBases[:1]
	it.TimeLimit.Days = 20
	it.Discretion = map[string]compliance.Tier{}
	it.CreatedAt = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	return it
}

// benchSetup creates department dept and its item, and returns the item as stored.
func benchSetup(tb testing.TB, s *sqlstore.Store, dept string) compliance.PowerItem {
	tb.Helper()
	ctx := context.Background()
	if _, err := s.Accounts().CreateDepartment(ctx, compliance.Department{Code: dept, Name: "部门" + dept, CreatedAt: time.Now().UTC()}); err != nil {
		tb.Fatalf("CreateDepartment(%s): %v", dept, err)
	}
	it, err := s.Catalog().SaveItem(ctx, benchItem("XK-"+dept, dept))
	if err != nil {
		tb.Fatalf("SaveItem: %v", err)
	}
	return it
}

// serialAndParallel measures op under name/serial, one caller (the commit
// latency), and under name/parallel, 16 callers per core as under HTTP load.
func serialAndParallel(b *testing.B, name string, op func(b *testing.B)) {
	b.Run(name+"/serial", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			op(b)
		}
	})
	b.Run(name+"/parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.SetParallelism(16)
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				op(b)
			}
		})
	})
}

// benchRecord is the first step of a new case caseNo of item, with findings,
// as the service hands it to the store.
func benchRecord(item compliance.PowerItem, caseNo string, occurred time.Time, findings []compliance.Finding) compliance.StepRecord {
	recorded := occurred.Add(2 * time.Minute)
	step := compliance.Step{ID: caseNo + "-accept", CaseNo: caseNo, StepCode: "accept", Handler: "张三",
		OccurredAt: occurred, RecordedAt: recorded, LegalBasisIDs: []string{"LB1"},
		Approvals:   []compliance.Approval{{Role: "dept_inspector", By: "李四", At: occurred.Add(-time.Minute)}},
		Attributes:  map[string]any{"window": "3号窗口"},
		CheckStatus: compliance.CheckChecked, PolicyRevision: 1}
	c := compliance.Case{CaseNo: caseNo, ItemCode: item.Code, ItemVersion: item.Version, DepartmentCode: item.DepartmentCode,
		Applicant: "某建设工程有限公司", AcceptedAt: occurred, Status: compliance.CaseOpen,
		CreatedAt: recorded, UpdatedAt: recorded}
	return compliance.StepRecord{Case: c, NewCase: true, Step: step, Digest: "digest-" + step.ID, Findings: findings}
}

// recentRecord is benchRecord of case caseNo an hour ago, raising
// twoFindings: a step as it is submitted now.
func recentRecord(item compliance.PowerItem, caseNo string) compliance.StepRecord {
	return benchRecord(item, caseNo, time.Now().Add(-time.Hour).UTC(), twoFindings)
}

// recordedCase sets up ZJJ and its item, and stores a recent first step of
// case caseNo; it returns the item and the step's record.
func recordedCase(t *testing.T, s *sqlstore.Store, caseNo string) (compliance.PowerItem, compliance.StepRecord) {
	t.Helper()
	item := benchSetup(t, s, "ZJJ")
	rec := recentRecord(item, caseNo)
	mustRecord(t, s, rec)
	return item, rec
}

// benchRespond answers like the service does.
func benchRespond(rec *compliance.StepRecord) compliance.Responder {
	return func(stored []compliance.Warning) (compliance.StepResult, error) {
		if stored == nil {
			stored = []compliance.Warning{}
		}
		return compliance.StepResult{StepID: rec.Step.ID, CaseNo: rec.Case.CaseNo, PolicyRevision: rec.Step.PolicyRevision,
			CheckStatus: rec.Step.CheckStatus, Warnings: stored}, nil
	}
}

// twoFindings is what the default policies typically raise on a step.
var twoFindings = []compliance.Finding{
	{Rule: "deadline.item_due_soon", Level: compliance.LevelPrewarning, Message: "距办理时限仅剩 2 个工作日",
		Basis: "《中华人民共和国行政许可法》第四十二条", Key: "item"},
	{Rule: "sync.late_entry", Level: compliance.LevelPrewarning, Message: "环节录入不及时",
		Basis: "《行政权力依法规范公开运行工作方案》同步录入要求"},
}

// BenchmarkRecordStep measures one durable RecordStep: a new case, its first
// step and two warnings in one transaction. "serial" is one writer (the
// commit latency); "parallel" is 16 writers per core, as under HTTP load,
// where the database may commit several transactions with one flush.
func BenchmarkRecordStep(b *testing.B) {
	for _, d := range sqlstoretest.Drivers() {
		s := sqlstoretest.MustOpen(b, d.DSN(b))
		item := benchSetup(b, s, "ZJJ")
		var seq atomic.Int64
		occurred := time.Now().Add(-time.Hour).UTC()
		record := func(b *testing.B) {
			no := "B-" + strconv.FormatInt(seq.Add(1), 10)
			rec := benchRecord(item, no, occurred, twoFindings)
			res, err := s.Cases().RecordStep(context.Background(), rec, benchRespond(&rec))
			if err != nil {
				b.Fatalf("RecordStep(%s): %v", no, err)
			}
			if len(res.Warnings) != 2 {
				b.Fatalf("RecordStep(%s) stored %d warnings, want 2", no, len(res.Warnings))
			}
		}
		serialAndParallel(b, d.Name, record)
	}
}

// BenchmarkListWarningsFirstPage measures the first page (50, newest first)
// of a department's alarms among 20,000 warnings of four departments, one in
// five of them an alarm.
func BenchmarkListWarningsFirstPage(b *testing.B) {
	const (
		depts           = 4
		stepsPerDept    = 100
		findingsPerStep = 50 // 4 × 100 × 50 = 20,000 warnings
	)
	sqlstoretest.EachBench(b, func(b *testing.B, s *sqlstore.Store) {
		ctx := context.Background()
		start := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
		total := 0
		for i := range depts {
			dept := "D" + strconv.Itoa(i+1)
			item := benchSetup(b, s, dept)
			for j := range stepsPerDept {
				fs := make([]compliance.Finding, findingsPerStep)
				for k := range fs {
					level := compliance.LevelPrewarning
					if k%5 == 0 {
						level = compliance.LevelAlarm
					}
					fs[k] = compliance.Finding{Rule: fmt.Sprintf("deadline.rule_%02d", k), Level: level,
						Message: "办理时限预警", Basis: "《中华人民共和国行政许可法》第四十二条"}
				}
				// Departments interleave in time, as they do in real life.
				occurred := start.Add(time.Duration(j*depts+i) * 10 * time.Minute)
				rec := benchRecord(item, fmt.Sprintf("%s-%04d", dept, j), occurred, fs)
				res, err := s.Cases().RecordStep(ctx, rec, benchRespond(&rec))
				if err != nil {
					b.Fatalf("seed: %v", err)
				}
				total += len(res.Warnings)
			}
		}
		if total != depts*stepsPerDept*findingsPerStep {
			b.Fatalf("seeded %d warnings, want %d", total, depts*stepsPerDept*findingsPerStep)
		}
		f := compliance.WarningFilter{Departments: []string{"D2"}, Level: compliance.LevelAlarm, Limit: 50}
		b.ReportAllocs()
		for b.Loop() {
			ws, err := s.Warnings().ListWarnings(ctx, f)
			if err != nil {
				b.Fatal(err)
			}
			if len(ws) != f.Limit {
				b.Fatalf("page has %d warnings, want %d", len(ws), f.Limit)
			}
		}
	})
}

// BenchmarkRecordNextStep measures a later step of an existing case as the
// service stores it: read the case, then RecordStep, which updates the case
// row only at the version read. "parallel" spreads 16 writers per core over
// 1,000 open cases; a step that finds its case changed reads it again.
func BenchmarkRecordNextStep(b *testing.B) {
	for _, d := range sqlstoretest.Drivers() {
		s := sqlstoretest.MustOpen(b, d.DSN(b))
		item := benchSetup(b, s, "ZJJ")
		ctx := context.Background()
		occurred := time.Now().Add(-time.Hour).UTC()
		const cases = 1000
		for i := range cases {
			rec := benchRecord(item, "N-"+strconv.Itoa(i), occurred, nil)
			if _, err := s.Cases().RecordStep(ctx, rec, benchRespond(&rec)); err != nil {
				b.Fatal(err)
			}
		}
		var seq atomic.Int64
		record := func(b *testing.B) {
			n := seq.Add(1)
			caseNo := "N-" + strconv.FormatInt(n%cases, 10)
			for {
				c, err := s.Cases().Case(ctx, caseNo)
				if err != nil {
					b.Fatal(err)
				}
				c.UpdatedAt = occurred
				step := compliance.Step{ID: fmt.Sprintf("%s-review-%d", caseNo, n), CaseNo: caseNo, StepCode: "review", Handler: "张三",
					OccurredAt: occurred, RecordedAt: occurred, LegalBasisIDs: []string{"LB1"}, Approvals: []compliance.Approval{},
					Attributes: map[string]any{}, CheckStatus: compliance.CheckChecked, PolicyRevision: 1}
				rec := compliance.StepRecord{Case: c, Step: step, Digest: "digest-" + step.ID, Findings: twoFindings}
				_, err = s.Cases().RecordStep(ctx, rec, benchRespond(&rec))
				if errors.Is(err, compliance.ErrCaseChanged) {
					continue
				}
				if err != nil {
					b.Fatalf("RecordStep(%s): %v", step.ID, err)
				}
				return
			}
		}
		serialAndParallel(b, d.Name, record)
	}
}

// BenchmarkRecordStepOutbox measures what writing one outbox row adds to a
// step: RecordStep of a new case, alternately without and with one event in
// the same transaction, so that both see the same database and machine; it
// reports both and their ratio. The steps raise no warning: the store
// writes an event for each warning it stores, which would be in both.
func BenchmarkRecordStepOutbox(b *testing.B) {
	sqlstoretest.EachBench(b, func(b *testing.B, s *sqlstore.Store) {
		item := benchSetup(b, s, "ZJJ")
		ctx := context.Background()
		occurred := time.Now().Add(-time.Hour).UTC()
		data, _ := json.Marshal(map[string]any{"rule": "deadline.item_due_soon", "level": "prewarning", "case_no": "x"})
		var plain, outbox time.Duration
		n := 0
		for b.Loop() {
			n++
			for _, withEvent := range []bool{false, true} {
				caseNo := fmt.Sprintf("OB-%t-%d", withEvent, n)
				rec := benchRecord(item, caseNo, occurred, nil)
				if withEvent {
					rec.Events = []compliance.Event{{ID: fmt.Sprintf("00000000-0000-4000-8000-%012d", n), Name: compliance.EventWarningRaised,
						At: occurred, Department: "ZJJ", CaseNo: caseNo, Data: data}}
				}
				start := time.Now()
				if _, err := s.Cases().RecordStep(ctx, rec, benchRespond(&rec)); err != nil {
					b.Fatal(err)
				}
				if withEvent {
					outbox += time.Since(start)
				} else {
					plain += time.Since(start)
				}
			}
		}
		b.ReportMetric(float64(plain.Nanoseconds())/float64(n), "ns/step")
		b.ReportMetric(float64(outbox.Nanoseconds())/float64(n), "ns/step+event")
		b.ReportMetric(float64(outbox)/float64(plain), "ratio")
	})
}
