package policy

import (
	"context"
	"runtime"
)

// evalSlots lets as many evaluations run at once as there are cores to run
// them; the others wait their turn. Evaluation is CPU work: 64 of them at
// once on two cores take 32 times as long each, and all of them risk the
// time limit, where taking turns finishes each in its own time. The limit
// counts from the turn, not from the wait.
var evalSlots = make(chan struct{}, runtime.GOMAXPROCS(0))

// evalTurn waits for an evaluation's turn, or for ctx to end; release ends
// the turn.
func evalTurn(ctx context.Context) (release func(), err error) {
	select {
	case evalSlots <- struct{}{}:
		return func() { <-evalSlots }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
