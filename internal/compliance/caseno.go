package compliance

import (
	"context"
	"fmt"
	"strings"
)

// Case numbers belong to departments: a department numbers its cases
// "<department code>-…" (ZJJ-2026-0001), so that departments own disjoint
// number spaces and none can open, and so block, a number of another's.
// Step ids (the idempotency keys) are unique within a department.

// checkCaseNo refuses the number of a new case of department dept when it
// lies outside the department's space: when it does not begin with the
// department's code and "-", or when it begins with the code and "-" of
// another department whose code extends dept's (department "A-B" owns
// "A-B-…", department "A" does not).
func (s *Cases) checkCaseNo(ctx context.Context, dept, caseNo string) error {
	prefix := dept + "-"
	if rest, ok := strings.CutPrefix(caseNo, prefix); !ok || rest == "" {
		return caseNoError(fmt.Sprintf("新办件的编号须以本部门编码和“-”开头（如 %s2026-0001），%s 不是", prefix, caseNo))
	}
	for i := len(prefix); i < len(caseNo); i++ {
		other := caseNo[:i]
		if caseNo[i] != '-' || !codePattern.MatchString(other) {
			continue
		}
		taken, err := s.isDepartment(ctx, other)
		if err != nil {
			return err
		}
		if taken {
			return caseNoError(fmt.Sprintf("办件编号 %s 属于部门 %s 的编号段，请使用本部门（%s）的编号", caseNo, other, dept))
		}
	}
	return nil
}

func caseNoError(msg string) error {
	return (&Error{Class: ClassInvalid, Code: "case_no_prefix", Message: msg}).
		WithDetails([]FieldError{{Field: "case_no", Message: "须以本部门编码和“-”开头"}})
}
