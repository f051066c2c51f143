package httpapi

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"powercheck/internal/compliance"
)

// auditRequest is what a subject resolver reads: the route's parameters,
// the request body's top-level fields and, once the handler has answered,
// the response body's (resp is nil before).
type auditRequest struct {
	c    *gin.Context
	body map[string]string
	resp map[string]string
}

// subjectsOf names the stored objects a change through a route touches.
type subjectsOf func(r auditRequest) []compliance.AuditSubject

func param(kind, name string) subjectsOf {
	return func(r auditRequest) []compliance.AuditSubject {
		return []compliance.AuditSubject{{Kind: kind, Key: r.c.Param(name)}}
	}
}

func bodyField(kind, name string) subjectsOf {
	return func(r auditRequest) []compliance.AuditSubject {
		return []compliance.AuditSubject{{Kind: kind, Key: r.body[name]}}
	}
}

// created names an object by a field of the answer: before the change its
// key is unknown, and it did not exist.
func created(kind, name string) subjectsOf {
	return func(r auditRequest) []compliance.AuditSubject {
		return []compliance.AuditSubject{{Kind: kind, Key: r.resp[name]}}
	}
}

// fixed names the one object of a kind a route changes.
func fixed(kind, key string) subjectsOf {
	return func(auditRequest) []compliance.AuditSubject {
		return []compliance.AuditSubject{{Kind: kind, Key: key}}
	}
}

// ownAccount is the account that makes the request.
func ownAccount(r auditRequest) []compliance.AuditSubject {
	return []compliance.AuditSubject{{Kind: compliance.SubjectAccount, Key: account(r.c).Username}}
}

// stepAndCase are a submitted step and its case. A step is stored under
// its submitter's department, where its id is unique.
func stepAndCase(r auditRequest) []compliance.AuditSubject {
	return []compliance.AuditSubject{{Kind: compliance.SubjectStep, Key: r.body["id"], Department: account(r.c).DepartmentCode},
		{Kind: compliance.SubjectCase, Key: r.body["case_no"]}}
}

// explanationSubjects is the month's explanation a body submits.
func explanationSubjects(r auditRequest) []compliance.AuditSubject {
	dept := r.body["department_code"]
	if dept == "" {
		dept = account(r.c).DepartmentCode // the service defaults to the caller's department
	}
	return []compliance.AuditSubject{{Kind: compliance.SubjectExplanation, Key: dept + "/" + r.body["month"]}}
}

// scanSubjects is the explanation whose signed scan the path names.
func scanSubjects(r auditRequest) []compliance.AuditSubject {
	return []compliance.AuditSubject{{Kind: compliance.SubjectExplanation, Key: r.c.Param("department") + "/" + r.c.Param("month")}}
}

// SubjectLocker takes named locks that hold across every node on one
// database. Lock waits at most wait for all of them and returns their
// release; when the wait runs out, its error wraps
// context.DeadlineExceeded and nothing is held.
type SubjectLocker interface {
	Lock(ctx context.Context, names []string, wait time.Duration) (release func(), err error)
}

// DefaultSubjectLockWait bounds the wait for an object's turn.
const DefaultSubjectLockWait = 10 * time.Second

// subjectLocks makes changes to one object that changes only through the
// API take turns between reading its state before and after, so that each
// entry's before is the previous entry's after: first among this node's
// requests, then, through cross, with every other node's. Steps and
// warnings, the busy objects, are not locked: their entries are not
// compared with each other, and the step path costs nothing here.
type subjectLocks struct {
	seed    maphash.Seed
	stripes [64]chan struct{} // a turn is a value in the channel
	cross   SubjectLocker     // nil: this node's requests only
	wait    time.Duration
}

func newSubjectLocks(cross SubjectLocker, wait time.Duration) *subjectLocks {
	if wait <= 0 {
		wait = DefaultSubjectLockWait
	}
	l := &subjectLocks{seed: maphash.MakeSeed(), cross: cross, wait: wait}
	for i := range l.stripes {
		l.stripes[i] = make(chan struct{}, 1)
	}
	return l
}

// lock takes the turns of the API-only subjects, waiting at most l.wait:
// this node's stripes in stripe order, then the nodes' locks, so that two
// changes never wait for each other. It returns their release, or an error
// that wraps context.DeadlineExceeded when the wait ran out.
func (l *subjectLocks) lock(ctx context.Context, subjects []compliance.AuditSubject) (func(), error) {
	var idx []int
	var names []string
	for _, s := range subjects {
		if s.APIOnly() {
			names = append(names, s.String())
			i := int(maphash.String(l.seed, s.String()) % uint64(len(l.stripes)))
			if !slices.Contains(idx, i) {
				idx = append(idx, i)
			}
		}
	}
	if len(idx) == 0 {
		return func() {}, nil
	}
	slices.Sort(idx)
	ctx, cancel := context.WithTimeout(ctx, l.wait)
	defer cancel()
	var held []int
	unlock := func() {
		for _, i := range slices.Backward(held) {
			<-l.stripes[i]
		}
	}
	for _, i := range idx {
		select {
		case l.stripes[i] <- struct{}{}:
			held = append(held, i)
		case <-ctx.Done():
			unlock()
			return nil, fmt.Errorf("turn of %s on this node: %w", strings.Join(names, ", "), ctx.Err())
		}
	}
	if l.cross == nil {
		return unlock, nil
	}
	d, _ := ctx.Deadline()
	release, err := l.cross.Lock(ctx, names, time.Until(d))
	if err != nil {
		unlock()
		return nil, fmt.Errorf("turn of %s across nodes: %w", strings.Join(names, ", "), err)
	}
	return func() { release(); unlock() }, nil
}

// lockFailure is the answer to a change whose objects' turn did not come:
// nothing was changed.
func (l *subjectLocks) lockFailure(subjects []compliance.AuditSubject, err error) error {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		var names []string
		for _, s := range subjects {
			if s.APIOnly() {
				names = append(names, s.String())
			}
		}
		return &compliance.Error{Class: compliance.ClassUnavailable, Code: "subject_busy", Err: err,
			Message: fmt.Sprintf("%s 正由其他请求修改，等待 %v 仍未轮到，未作任何更改，请稍后重试", strings.Join(names, "、"), l.wait)}
	case compliance.ClassOf(err) == compliance.ClassUnavailable:
		return err
	default:
		return &compliance.Error{Class: compliance.ClassUnavailable, Code: "audit_unavailable", Err: err,
			Message: "审计日志暂不可用，未作任何更改，请稍后重试"}
	}
}
