import { describe, expect, it } from 'vitest'
import { buildTodos } from './todo'
import type { WorkbenchData } from './todo'

const base: WorkbenchData = {
  open_alarms: 3,
  open_prewarnings: 5,
  warnings_to_answer: 8,
  approvals_pending: 0,
  patrols_today: null,
  explanation: null,
  adjustments_pending: null,
  cases_due_soon: [],
}

describe('buildTodos', () => {
  it('gives an inspector warnings, approvals and today\'s patrols', () => {
    const t = buildTodos({ ...base, patrols_today: { date: '2026-12-07', done: 1, required: 2 } }, 'dept_inspector', '2026-12-07')
    expect(t.map((x) => x.key)).toEqual(['warnings', 'approvals', 'patrols'])
    const w = t[0]
    expect(w.pending).toBe(true)
    expect(w.links.map((l) => l.to)).toEqual([
      { path: '/warnings', query: { status: 'open', level: 'alarm' } },
      { path: '/warnings', query: { status: 'open', level: 'prewarning' } },
    ])
    expect(t[2].state).toBe('1/2')
    expect(t[2].pending).toBe(true)
    expect(t[2].detail).toContain('2026年12月7日')
  })

  it('gives a clerk nothing to answer when there is nothing', () => {
    expect(buildTodos({ ...base, warnings_to_answer: 0, adjustments_pending: 0 }, 'clerk', '2026-12-07')).toEqual([])
  })

  it('sends oversight to the warnings it verifies and supervision to the referred ones', () => {
    const o = buildTodos(base, 'oversight', '2026-12-07')[0]
    expect(o.links.map((l) => l.to)).toEqual([
      { path: '/warnings', query: { status: 'explained' } },
      { path: '/warnings', query: { status: 'rectified' } },
    ])
    expect(o.detail).toContain('核实')
    const s = buildTodos(base, 'supervision', '2026-12-07')[0]
    expect(s.links.map((l) => l.to)).toEqual([{ path: '/warnings', query: { status: 'referred' } }])
  })

  it('tells a dept_admin when the monthly explanation is due and when it is late', () => {
    const d = { ...base, explanation: { month: '2026-11', required: true, due: '2026-12-03', submitted: false }, adjustments_pending: 2 }
    const late = buildTodos(d, 'dept_admin', '2026-12-04').find((x) => x.key === 'explanation')!
    expect(late.title).toBe('2026年11月书面说明')
    expect(late.state).toBe('已逾期')
    expect(late.links[0].to).toEqual({ path: '/reports/monthly', query: { month: '2026-11' } })
    const onTime = buildTodos(d, 'dept_admin', '2026-12-02').find((x) => x.key === 'explanation')!
    expect(onTime.state).toBe('待提交')
    expect(onTime.detail).toContain('2026年12月3日')
    expect(buildTodos(d, 'dept_admin', '2026-12-02').find((x) => x.key === 'adjustments')!.state).toBe('2 项')
  })

  it('marks a submitted explanation done', () => {
    const d = { ...base, explanation: { month: '2026-11', required: true, due: '2026-12-03', submitted: true } }
    const e = buildTodos(d, 'dept_admin', '2026-12-04').find((x) => x.key === 'explanation')!
    expect(e.pending).toBe(false)
    expect(e.state).toBe('已提交')
  })
})

describe('approvals to sign', () => {
  it('gives the legal office its approvals too, linked to the list', () => {
    const t = buildTodos({ ...base, warnings_to_answer: 0, approvals_pending: 2, adjustments_pending: 0 }, 'legal', '2026-12-07')
    const a = t.find((x) => x.key === 'approvals')
    expect(a?.pending).toBe(true)
    expect(a?.state).toBe('2 件')
    expect(a?.links.map((l) => l.to)).toEqual([{ path: '/', hash: '#pending-approvals' }])
  })

  it('says so when nothing waits', () => {
    const a = buildTodos(base, 'dept_inspector', '2026-12-07').find((x) => x.key === 'approvals')
    expect(a?.detail).toBe('没有等待您审核的环节')
    expect(a?.links).toEqual([])
  })
})
