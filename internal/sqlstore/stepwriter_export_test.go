package sqlstore

// LimitStepWriters sets how many groups of steps s writes at once, so that
// a test can hold one group open and see the next steps wait for it.
func (s *Store) LimitStepWriters(n int) {
	s.steps.mu.Lock()
	defer s.steps.mu.Unlock()
	s.steps.max = n
}
