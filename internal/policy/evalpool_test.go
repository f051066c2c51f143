package policy

import (
	"context"
	"errors"
	"testing"
	"time"

	"powercheck/internal/calendar"
)

// An evaluation waits for a turn while every core is taken, and its time
// limit counts from its turn: waiting longer than the limit does not cut it
// off. A caller that gives up while waiting is told so. Not parallel: it
// takes every turn there is.
func TestEvaluationsTakeTurns(t *testing.T) {
	e := NewEngine(calendar.Default(), 50*time.Millisecond)
	c, err := e.Compile(context.Background(), 1, []Module{dueModule("due.turns")})
	if err != nil {
		t.Fatal(err)
	}
	e.Activate(c)
	takeAll := func() (giveBack func()) {
		for range cap(evalSlots) {
			evalSlots <- struct{}{}
		}
		return func() {
			for range cap(evalSlots) {
				<-evalSlots
			}
		}
	}

	t.Run("waits, then runs with its whole limit", func(t *testing.T) {
		giveBack := takeAll()
		done := make(chan error, 1)
		go func() {
			ev, err := e.EvaluateDocument(context.Background(), map[string]any{"event": "step"})
			if err == nil && len(ev.Findings) != 1 {
				err = errors.New("want one finding")
			}
			done <- err
		}()
		select {
		case err := <-done:
			giveBack()
			t.Fatalf("evaluated while every turn was taken (err %v)", err)
		case <-time.After(200 * time.Millisecond): // four times the limit
		}
		giveBack()
		if err := <-done; err != nil {
			t.Fatalf("after its turn came: %v", err)
		}
	})

	t.Run("a caller that gives up while waiting", func(t *testing.T) {
		giveBack := takeAll()
		defer giveBack()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
		defer cancel()
		if _, err := e.EvaluateDocument(ctx, map[string]any{"event": "step"}); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("EvaluateDocument = %v, want the caller's deadline", err)
		}
	})
}
