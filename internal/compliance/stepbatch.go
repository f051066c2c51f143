package compliance

import (
	"context"
	"sync"
)

// MaxBatchSteps bounds the steps of one batch (POST /api/v1/steps/batch).
const MaxBatchSteps = 1000

// batchWorkers is how many cases of a batch are checked at once. Their
// steps reach the store together, which commits them in shared
// transactions; more would only queue evaluations on the cores.
const batchWorkers = 16

// StepOutcome is what became of one step of a batch: its answer and
// whether it was stored now (false: a replay), or why it was refused.
type StepOutcome struct {
	Result  StepResult
	Created bool
	Err     error
}

// SubmitSteps checks and stores the steps of a batch, each exactly as
// SubmitStep does (the same checks, the same answers, idempotent by id),
// and returns one outcome per step, in the batch's order. Steps of one case
// are submitted in the batch's order, each after the one before it has
// been stored; different cases are submitted at once. What the steps are
// checked against that does not change with each step (the cases' earlier
// steps and approvals) is read for the whole batch at once.
func (s *Cases) SubmitSteps(ctx context.Context, who *Account, subs []StepSubmission) []StepOutcome {
	out := make([]StepOutcome, len(subs))
	var order []string
	byCase := map[string][]int{}
	for i, sub := range subs {
		if _, ok := byCase[sub.CaseNo]; !ok {
			order = append(order, sub.CaseNo)
		}
		byCase[sub.CaseNo] = append(byCase[sub.CaseNo], i)
	}
	if Authorize(who, ActSubmitStep, "") == nil {
		if ahead, err := s.store.PrefetchCases(ctx, order); err != nil {
			// Only slower: each step reads its case as a single step does.
			s.log.WarnContext(ctx, "batch: cases not read ahead", "cases", len(order), "err", err)
		} else {
			ctx = ahead
		}
	}
	work := make(chan []int)
	var wg sync.WaitGroup
	for range min(len(order), batchWorkers) {
		wg.Go(func() {
			for steps := range work {
				for _, i := range steps {
					out[i] = s.submitOutcome(ctx, who, subs[i])
				}
			}
		})
	}
	for _, caseNo := range order {
		work <- byCase[caseNo]
	}
	close(work)
	wg.Wait()
	return out
}

func (s *Cases) submitOutcome(ctx context.Context, who *Account, sub StepSubmission) StepOutcome {
	if err := ctx.Err(); err != nil {
		return StepOutcome{Err: Errorf(ClassUnavailable, "batch_abandoned", "批量提交已中断，本环节（%s）未保存，请重新提交", sub.ID)}
	}
	res, created, err := s.SubmitStep(ctx, who, sub)
	return StepOutcome{Result: res, Created: created, Err: err}
}
