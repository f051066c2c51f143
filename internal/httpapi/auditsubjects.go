package httpapi

import (
	"hash/maphash"
	"slices"
	"sync"

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

// auditSubjects maps every route that changes something ("METHOD path", as
// in permissions) to the objects whose state its audit entry digests. A
// route mapped to nil changes no single object: a bulk job (its effects are
// the warnings it raises, each listed with its policy revision) or a dry
// run. TestEveryChangeHasAuditSubjects keeps this table complete.
var auditSubjects = map[string]subjectsOf{
	"POST /api/v1/departments":                 bodyField(compliance.SubjectDepartment, "code"),
	"POST /api/v1/accounts":                    bodyField(compliance.SubjectAccount, "username"),
	"PATCH /api/v1/accounts/:username":         param(compliance.SubjectAccount, "username"),
	"POST /api/v1/accounts/:username/token":    param(compliance.SubjectAccount, "username"),
	"POST /api/v1/accounts/:username/password": param(compliance.SubjectAccount, "username"),
	"POST /api/v1/session/password": func(r auditRequest) []compliance.AuditSubject {
		return []compliance.AuditSubject{{Kind: compliance.SubjectAccount, Key: account(r.c).Username}}
	},
	"DELETE /api/v1/session":                                   nil, // ends a session; no account changes
	"PUT /api/v1/power-items/:code":                            param(compliance.SubjectItem, "code"),
	"POST /api/v1/power-items/:code/versions/:version/approve": param(compliance.SubjectItem, "code"),
	"POST /api/v1/power-items/:code/versions/:version/reject":  param(compliance.SubjectItem, "code"),
	"POST /api/v1/steps": func(r auditRequest) []compliance.AuditSubject {
		return []compliance.AuditSubject{{Kind: compliance.SubjectStep, Key: r.body["id"]}, {Kind: compliance.SubjectCase, Key: r.body["case_no"]}}
	},
	"PUT /api/v1/calendar/:year":   param(compliance.SubjectCalendar, "year"),
	"PUT /api/v1/policies/:module": param(compliance.SubjectPolicyDraft, "module"),
	"POST /api/v1/policies/publish": func(auditRequest) []compliance.AuditSubject {
		return []compliance.AuditSubject{{Kind: compliance.SubjectPolicies}}
	},
	"POST /api/v1/policies/rollback": func(auditRequest) []compliance.AuditSubject {
		return []compliance.AuditSubject{{Kind: compliance.SubjectPolicies}}
	},
	"POST /api/v1/policies/impact":          nil, // a dry run: nothing stored
	"POST /api/v1/spot-checks":              created(compliance.SubjectSpotCheck, "id"),
	"POST /api/v1/spot-checks/:id/findings": param(compliance.SubjectSpotCheck, "id"),
	"POST /api/v1/warnings/:id/transitions": param(compliance.SubjectWarning, "id"),
	"POST /api/v1/patrols":                  created(compliance.SubjectPatrol, "id"),
	"POST /api/v1/reports/monthly/explanations": func(r auditRequest) []compliance.AuditSubject {
		dept := r.body["department_code"]
		if dept == "" {
			dept = account(r.c).DepartmentCode // the service defaults to the caller's department
		}
		return []compliance.AuditSubject{{Kind: compliance.SubjectExplanation, Key: dept + "/" + r.body["month"]}}
	},
	"POST /api/v1/sweeps":                nil, // bulk
	"POST /api/v1/patrols/close-days":    nil, // bulk
	"POST /api/v1/reports/monthly/close": nil, // bulk
	"POST /api/v1/catalog/check":         nil, // bulk
}

// subjectLocks makes changes to one object that changes only through the
// API take turns on this node between reading its state before and after,
// so that each entry's before is the previous entry's after. Steps and
// warnings, the busy objects, are not locked: their entries are not
// compared with each other.
type subjectLocks struct {
	seed    maphash.Seed
	stripes [64]sync.Mutex
}

func newSubjectLocks() *subjectLocks { return &subjectLocks{seed: maphash.MakeSeed()} }

// lock takes the stripes of the API-only subjects, in stripe order so that
// two changes never wait for each other, and returns their release.
func (l *subjectLocks) lock(subjects []compliance.AuditSubject) func() {
	var idx []int
	for _, s := range subjects {
		if s.APIOnly() {
			i := int(maphash.String(l.seed, s.String()) % uint64(len(l.stripes)))
			if !slices.Contains(idx, i) {
				idx = append(idx, i)
			}
		}
	}
	slices.Sort(idx)
	for _, i := range idx {
		l.stripes[i].Lock()
	}
	return func() {
		for _, i := range slices.Backward(idx) {
			l.stripes[i].Unlock()
		}
	}
}
