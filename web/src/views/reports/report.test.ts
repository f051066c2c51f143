import { describe, expect, it } from 'vitest'
import { explanationReason, explanationState, familyLabel, familyRows } from './report'
import type { MonthlyReport } from './report'

function report(over: Partial<MonthlyReport> = {}): MonthlyReport {
  return {
    department_code: 'ZJJ',
    month: '2026-11',
    cases_accepted: 3,
    cases_closed: 1,
    cases_open: 2,
    steps: 9,
    warnings: { prewarning: 0, alarm: 0, by_family: {} },
    warnings_rectified: 0,
    warnings_verified: 0,
    checkpoint_approvals: 2,
    patrol: { working_days: 21, ok_days: 0, insufficient_days: 0, missing_days: 21 },
    explanation_required: false,
    explanation_due: '2026-12-03',
    explanation: null,
    ...over,
  }
}

describe('families', () => {
  it('has Chinese names', () => {
    expect(familyLabel('deadline')).toBe('办理时限')
    expect(familyLabel('made_up')).toBe('其他类别')
  })
  it('lists non-zero families in a fixed order', () => {
    expect(familyRows({ patrol: 2, deadline: 1, zzz: 1, sync: 0 }).map((r) => r.family)).toEqual(['deadline', 'patrol', 'zzz'])
    expect(familyRows(undefined)).toEqual([])
  })
})

describe('explanation state', () => {
  const required = report({ explanation_required: true, warnings: { prewarning: 1, alarm: 2, by_family: { deadline: 3 } } })
  it('is due until the due date, then overdue', () => {
    expect(explanationState(required, '2026-12-02', '2026-12')).toMatchObject({ kind: 'due', canSubmit: true })
    expect(explanationState(required, '2026-12-03', '2026-12').title).toContain('2026年12月3日')
    expect(explanationState(required, '2026-12-04', '2026-12')).toMatchObject({ kind: 'overdue', type: 'error', canSubmit: true })
  })
  it('waits for the end of the month', () => {
    expect(explanationState({ ...required, month: '2026-12' }, '2026-12-10', '2026-12')).toMatchObject({
      kind: 'month_open',
      canSubmit: false,
    })
  })
  it('is not required without warnings and with cases', () => {
    expect(explanationState(report(), '2026-12-10', '2026-12')).toMatchObject({ kind: 'not_required', canSubmit: false })
  })
  it('is submitted, on time or late', () => {
    const e = {
      department_code: 'ZJJ',
      month: '2026-11',
      text: '说明',
      signed_by: '孙局长',
      submitted_by: 'zjj-admin',
      submitted_at: '2026-12-02T02:00:00Z',
      late: false,
    }
    expect(explanationState({ ...required, explanation: e }, '2026-12-10', '2026-12').kind).toBe('submitted')
    expect(explanationState({ ...required, explanation: { ...e, late: true } }, '2026-12-10', '2026-12').kind).toBe('submitted_late')
  })
  it('gives the reason', () => {
    expect(explanationReason(required)).toBe('本月产生预（报）警 3 条')
    expect(explanationReason(report({ explanation_required: true, cases_accepted: 0 }))).toBe('本月没有受理办件')
    expect(explanationReason(report())).toBe('')
  })
})
