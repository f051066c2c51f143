package compliance

// pager reads a sorted list a page at a time.
type pager[T any] struct {
	fetch   func(after *AuditSubject) ([]T, error)
	subject func(T) AuditSubject
	buf     []T
	after   *AuditSubject
	done    bool
}

// peek returns the next item, or false when there is none.
func (p *pager[T]) peek() (T, bool, error) {
	var zero T
	for len(p.buf) == 0 && !p.done {
		items, err := p.fetch(p.after)
		if err != nil {
			return zero, false, err
		}
		if len(items) == 0 {
			p.done = true
			break
		}
		last := p.subject(items[len(items)-1])
		p.after = &last
		p.buf = items
	}
	if len(p.buf) == 0 {
		return zero, false, nil
	}
	return p.buf[0], true, nil
}

func (p *pager[T]) pop() { p.buf = p.buf[1:] }
