package compliance

import (
	"context"
	crand "crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"powercheck/internal/calendar"
)

// SpotCheck is a sample of cases that the supervision bureau draws for a
// closer look (重点抽查), as a summary: its parameters and how far the
// examination has got.
type SpotCheck struct {
	ID          int64     `json:"id"`
	Departments []string  `json:"departments"` // empty: every department
	From        string    `json:"from"`        // accepted_at period, YYYY-MM-DD, Asia/Shanghai
	To          string    `json:"to"`          // included
	Size        int       `json:"size"`        // asked for; the sample is smaller when fewer cases qualify
	Seed        int64     `json:"seed"`
	Note        string    `json:"note"`
	CreatedBy   string    `json:"created_by"`
	CreatedAt   time.Time `json:"created_at"`
	Sampled     int       `json:"sampled"`  // cases in the sample
	Examined    int       `json:"examined"` // of them, with a finding
	Problems    int       `json:"problems"` // of them, found to have a problem
}

// SpotCheckView is a spot check with its sample, in the order drawn.
type SpotCheckView struct {
	SpotCheck
	Cases []SpotCheckCase `json:"cases"`
}

// SpotCheckCase is one sampled case and what the bureau found (nil until
// examined).
type SpotCheckCase struct {
	CaseNo         string            `json:"case_no"`
	DepartmentCode string            `json:"department_code"`
	PowerItemCode  string            `json:"power_item_code"`
	Finding        *SpotCheckFinding `json:"finding"`
}

// Spot-check results.
const (
	SpotCompliant = "compliant" // the case was handled lawfully
	SpotProblem   = "problem"   // a problem was found; the note says which
)

// SpotCheckFinding is the bureau's finding on a sampled case, with who
// recorded it and when; recording again replaces it.
type SpotCheckFinding struct {
	Result     string    `json:"result"`
	Note       string    `json:"note"`
	RecordedBy string    `json:"recorded_by"`
	RecordedAt time.Time `json:"recorded_at"`
}

// SpotCheckRequest asks for a new spot check.
type SpotCheckRequest struct {
	Departments []string
	From, To    string // YYYY-MM-DD, required
	Size        int
	Seed        *int64 // nil: a random seed, returned with the check
	Note        string
}

// Spot-check limits.
const (
	MaxSpotCheckSize = 1000
	// MaxSpotCheckCandidates bounds the cases one draw reads; a wider
	// request is refused and must be narrowed by period or department.
	MaxSpotCheckCandidates = 1_000_000
	// MaxSpotCheckDepartments bounds the departments named by one check.
	MaxSpotCheckDepartments = 1000
)

// SpotCheckStore keeps spot checks and their samples.
type SpotCheckStore interface {
	// SpotCheckCandidates lists up to limit cases accepted in [from, to) of
	// the departments (every department when empty), ordered by case number.
	SpotCheckCandidates(ctx context.Context, depts []string, from, to time.Time, limit int) ([]SpotCheckCase, error)
	// CreateSpotCheck writes a spot check and its sample in one transaction
	// and returns it with its id.
	CreateSpotCheck(ctx context.Context, sc SpotCheckView) (SpotCheckView, error)
	// SpotChecks lists up to limit spot checks, newest first, of ids below
	// beforeID when it is positive.
	SpotChecks(ctx context.Context, limit int, beforeID int64) ([]SpotCheck, error)
	// SpotCheck returns a spot check with its sample; ErrNotFound when there
	// is none.
	SpotCheck(ctx context.Context, id int64) (SpotCheckView, error)
	// RecordSpotCheckFinding stores the finding of a case of the sample and
	// returns the case; ErrNotFound when the case is not in it.
	RecordSpotCheckFinding(ctx context.Context, id int64, caseNo string, f SpotCheckFinding) (SpotCheckCase, error)
}

// DrawSample returns the sample of a spot check from its candidates: they
// are ordered by case number, shuffled with rand.Shuffle of math/rand/v2 on
// rand.New(rand.NewPCG(uint64(seed), 0)), and the first size are taken (all
// of them when there are fewer). The same candidates and seed always give the
// same sample, so anyone can verify a draw. candidates is reordered.
func DrawSample(candidates []SpotCheckCase, size int, seed int64) []SpotCheckCase {
	slices.SortFunc(candidates, func(a, b SpotCheckCase) int { return strings.Compare(a.CaseNo, b.CaseNo) })
	r := rand.New(rand.NewPCG(uint64(seed), 0))
	r.Shuffle(len(candidates), func(i, j int) { candidates[i], candidates[j] = candidates[j], candidates[i] })
	return candidates[:min(size, len(candidates))]
}

// CreateSpotCheck draws and stores a spot check.
func (s *Supervision) CreateSpotCheck(ctx context.Context, who *Account, req SpotCheckRequest) (SpotCheckView, error) {
	if err := Authorize(who, ActWriteSpotChecks, ""); err != nil {
		return SpotCheckView{}, err
	}
	ss := s.store
	var v Validation
	from, errFrom := calendar.ParseDate(req.From)
	if errFrom != nil {
		v.Add("from", "起始日期“%s”须为 YYYY-MM-DD 格式", req.From)
	}
	to, errTo := calendar.ParseDate(req.To)
	if errTo != nil {
		v.Add("to", "截止日期“%s”须为 YYYY-MM-DD 格式", req.To)
	}
	if errFrom == nil && errTo == nil && from > to {
		v.Add("to", "截止日期 %s 早于起始日期 %s", to, from)
	}
	if req.Size < 1 || req.Size > MaxSpotCheckSize {
		v.Add("size", "抽查数量须为 1–%d", MaxSpotCheckSize)
	}
	note := strings.TrimSpace(req.Note)
	if utf8.RuneCountInString(note) > 2000 {
		v.Add("note", "说明不超过 2000 字")
	}
	checkChars(&v, "note", "说明", note, true)
	if len(req.Departments) > MaxSpotCheckDepartments {
		v.Add("departments", "一次抽查最多指定 %d 个部门；不指定即为全部部门", MaxSpotCheckDepartments)
	}
	for i, d := range req.Departments {
		if !codePattern.MatchString(d) {
			v.Add(fmt.Sprintf("departments[%d]", i), "部门编码须为 1–32 位字母、数字、下划线、点或连字符")
			break
		}
	}
	if err := v.Err("invalid_spot_check", "抽查请求不合法"); err != nil {
		return SpotCheckView{}, err
	}
	depts := slices.Clone(req.Departments)
	slices.Sort(depts)
	depts = slices.Compact(depts)
	if err := s.checkDepartments(ctx, depts); err != nil {
		return SpotCheckView{}, err
	}
	seed := randomSeed()
	if req.Seed != nil {
		seed = *req.Seed
	}
	cands, err := ss.SpotCheckCandidates(ctx, depts, from.Start(), to.End(), MaxSpotCheckCandidates+1)
	if err != nil {
		return SpotCheckView{}, err
	}
	if len(cands) > MaxSpotCheckCandidates {
		return SpotCheckView{}, Errorf(ClassInvalid, "too_many_candidates",
			"符合条件的办件超过 %d 件，请缩短期间或指定部门", MaxSpotCheckCandidates)
	}
	sample := DrawSample(cands, req.Size, seed)
	sc := SpotCheckView{SpotCheck: SpotCheck{Departments: nonNil(depts), From: from.String(), To: to.String(),
		Size: req.Size, Seed: seed, Note: note, CreatedBy: who.Username, CreatedAt: s.now().UTC(),
		Sampled: len(sample)}, Cases: nonNil(slices.Clone(sample))}
	return ss.CreateSpotCheck(ctx, sc)
}

// randomSeed returns a seed for a request that gives none; it stays below
// 2^53 so that JSON clients read it back exactly.
func randomSeed() int64 {
	var b [8]byte
	_, _ = crand.Read(b[:]) // never fails on supported platforms
	return int64(binary.LittleEndian.Uint64(b[:]) >> 11)
}

// SpotChecks lists spot checks, newest first.
func (s *Supervision) SpotChecks(ctx context.Context, who *Account, limit int, beforeID int64) ([]SpotCheck, error) {
	if err := Authorize(who, ActReadSpotChecks, ""); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > MaxPageSize {
		return nil, Errorf(ClassBadRequest, "invalid_limit", "limit 须在 1–%d 之间", MaxPageSize)
	}
	ss := s.store
	out, err := ss.SpotChecks(ctx, limit, beforeID)
	return nonNil(out), err
}

// SpotCheck returns a spot check with its sample and findings.
func (s *Supervision) SpotCheck(ctx context.Context, who *Account, id int64) (SpotCheckView, error) {
	if err := Authorize(who, ActReadSpotChecks, ""); err != nil {
		return SpotCheckView{}, err
	}
	ss := s.store
	sc, err := ss.SpotCheck(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return SpotCheckView{}, Errorf(ClassNotFound, "spot_check_not_found", "抽查 %d 不存在", id)
	}
	sc.Cases = nonNil(sc.Cases)
	return sc, err
}

// RecordSpotCheckFinding records, or replaces, the finding on a case of a
// spot check's sample.
func (s *Supervision) RecordSpotCheckFinding(ctx context.Context, who *Account, id int64, caseNo, result, note string) (SpotCheckCase, error) {
	if err := Authorize(who, ActWriteSpotChecks, ""); err != nil {
		return SpotCheckCase{}, err
	}
	ss := s.store
	sc, err := s.SpotCheck(ctx, who, id)
	if err != nil {
		return SpotCheckCase{}, err
	}
	var v Validation
	if !idPattern.MatchString(caseNo) || len(caseNo) > 64 {
		v.Add("case_no", "办件编号须为 1–64 位字母、数字或 _ . : / -")
	}
	note = strings.TrimSpace(note)
	checkChars(&v, "note", "说明", note, true)
	switch result {
	case SpotCompliant:
	case SpotProblem:
		if note == "" {
			v.Add("note", "发现问题的，须在 note 中说明问题")
		}
	default:
		v.Add("result", "result 须为 compliant 或 problem")
	}
	if utf8.RuneCountInString(note) > 2000 {
		v.Add("note", "说明不超过 2000 字")
	}
	if err := v.Err("invalid_finding", "抽查结果不合法"); err != nil {
		return SpotCheckCase{}, err
	}
	if !slices.ContainsFunc(sc.Cases, func(c SpotCheckCase) bool { return c.CaseNo == caseNo }) {
		return SpotCheckCase{}, Errorf(ClassInvalid, "case_not_in_sample", "办件 %q 不在抽查 %d 的样本中", caseNo, id)
	}
	return ss.RecordSpotCheckFinding(ctx, id, caseNo,
		SpotCheckFinding{Result: result, Note: note, RecordedBy: who.Username, RecordedAt: s.now().UTC()})
}
