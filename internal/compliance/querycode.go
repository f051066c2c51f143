package compliance

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"strings"
)

// Query codes: the code an applicant is given when their case opens, to
// follow it on the public side. A code is not stored anywhere; it is an
// HMAC of the case number under the district's key, computed when the case
// opens, on the replay of that step, and when someone asks.

// queryCodeAlphabet has no I or O, which read as 1 and 0.
const queryCodeAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// QueryCodeLength is the characters of a query code: 40 bits.
const QueryCodeLength = 8

// queryCode is the code of a case under the district's key. It is not
// stored: it is computed when the case opens and when it is asked for.
func queryCode(key []byte, caseNo string) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("powercheck query code\x00" + caseNo))
	sum := mac.Sum(nil)
	var b strings.Builder
	bits, n := uint64(0), 0
	for _, x := range sum[:5] {
		bits, n = bits<<8|uint64(x), n+8
		for n >= 5 {
			n -= 5
			b.WriteByte(queryCodeAlphabet[(bits>>n)&31])
		}
	}
	return b.String()
}

func (s *Public) queryKey(ctx context.Context) ([]byte, error) {
	if k := s.queryCodeKey.Load(); k != nil {
		return *k, nil
	}
	ps := s.store
	k, err := ps.QueryCodeKey(ctx)
	if err != nil {
		return nil, fmt.Errorf("query code key: %w", err)
	}
	s.queryCodeKey.Store(&k)
	return k, nil
}

// giveQueryCode puts the case's query code in the answer of the step that
// opened it, first time and replay alike.
func (s *Public) giveQueryCode(ctx context.Context, res *StepResult, created bool) error {
	opened := res.opened
	if !created {
		// A replay: is it of the case's first step? (Replays are rare.)
		first, err := s.store.CaseStepsPage(ctx, res.CaseNo, 0, 1)
		if err != nil {
			return err
		}
		opened = len(first) == 1 && first[0].ID == res.StepID
	}
	if !opened {
		return nil
	}
	key, err := s.queryKey(ctx)
	if err != nil {
		return err
	}
	res.QueryCode = queryCode(key, res.CaseNo)
	return nil
}
