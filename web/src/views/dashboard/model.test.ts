import { describe, expect, it } from 'vitest'
import {
  cardSeries,
  casesLink,
  days,
  defaultPeriod,
  explanationSummaries,
  monthFamilySeries,
  monthInPeriod,
  patrolSummaries,
  pct,
  periodFromQuery,
  rateOf,
  warningsLink,
} from './model'
import type { DepartmentFigures } from './model'

const period = { from: '2026-03-01', to: '2026-05-20' }

describe('links open the list a figure counts', () => {
  it.each([
    ['open red cards', 'ZJJ', { level: 'alarm' as const, status: 'open' }, { department: 'ZJJ', level: 'alarm', status: 'open', from: '2026-03-01', to: '2026-05-20' }],
    ['a family', ['ZJJ', 'SCJ'], { family: 'deadline' }, { department: 'ZJJ,SCJ', family: 'deadline', from: '2026-03-01', to: '2026-05-20' }],
    ['every department', [], {}, { from: '2026-03-01', to: '2026-05-20' }],
  ])('%s', (_, dept, f, query) => {
    expect(warningsLink(dept, period, f)).toEqual({ path: '/warnings', query })
  })
  it('cases accepted in the period, closed ones too', () => {
    expect(casesLink('SCJ', period, 'closed')).toEqual({ path: '/cases', query: { department: 'SCJ', from: '2026-03-01', to: '2026-05-20', status: 'closed' } })
  })
})

describe('periods', () => {
  it.each([
    [{ from: '2026-02-01', to: '2026-02-28' }, { from: '2026-02-01', to: '2026-02-28' }],
    [{ from: '2026-03-01', to: '2026-02-01' }, { from: '2026-06-01', to: '2026-06-15' }],
    [{ from: '2026-3-1', to: '2026-04-01' }, { from: '2026-06-01', to: '2026-06-15' }],
    [{}, { from: '2026-06-01', to: '2026-06-15' }],
  ])('query %j → %j', (q, want) => {
    expect(periodFromQuery(q, '2026-06-15')).toEqual(want)
  })
  it('defaults to the month so far', () => expect(defaultPeriod('2026-12-06')).toEqual({ from: '2026-12-01', to: '2026-12-06' }))
  it.each([
    ['2026-03', { from: '2026-03-01', to: '2026-03-31' }],
    ['2026-05', { from: '2026-05-01', to: '2026-05-20' }],
    ['2026-02', { from: '2026-03-01', to: '2026-02-28' }],
  ])('month %s within the period', (m, want) => expect(monthInPeriod(m, period)).toEqual(want))
})

describe('figures', () => {
  it.each([
    [0.8571, '85.7%'],
    [1, '100.0%'],
    [0, '0.0%'],
    [null, '—'],
  ])('pct(%s) = %s', (r, want) => expect(pct(r)).toBe(want))
  it('days', () => {
    expect(days(2.5)).toBe('2.5 天')
    expect(days(null)).toBe('—')
  })
  it('sums warnings by month and family over departments and levels', () => {
    const s = monthFamilySeries([
      { department_code: 'ZJJ', month: '2026-04', level: 'alarm', family: 'deadline', count: 2 },
      { department_code: 'SCJ', month: '2026-04', level: 'prewarning', family: 'deadline', count: 3 },
      { department_code: 'ZJJ', month: '2026-03', level: 'alarm', family: 'checkpoint', count: 1 },
    ])
    expect(s).toEqual({ months: ['2026-03', '2026-04'], families: ['checkpoint', 'deadline'], counts: [[1, 0], [0, 5]] })
  })
  it('sums patrol months per department', () => {
    const [z] = patrolSummaries([
      { department_code: 'ZJJ', month: '2026-04', working_days: 20, ok_days: 15, insufficient_days: 3, missing_days: 2, compliance: 0.75 },
      { department_code: 'ZJJ', month: '2026-05', working_days: 10, ok_days: 10, insufficient_days: 0, missing_days: 0, compliance: 1 },
    ])
    expect(z.working_days).toBe(30)
    expect(z.ok_days).toBe(25)
    expect(z.compliance).toBe(0.8333)
  })
  it('has no patrol compliance where no working day was counted', () => {
    const [z] = patrolSummaries([
      { department_code: 'ZJJ', month: '2026-12', working_days: 0, ok_days: 0, insufficient_days: 0, missing_days: 0, compliance: 1 },
    ])
    expect(z.compliance).toBeNull()
    expect(pct(z.compliance)).toBe('—')
  })
  it('shows a rate over nothing counted as —, a rate over something as a percentage', () => {
    expect(pct(rateOf(0, 0))).toBe('—')
    expect(pct(rateOf(0, 5))).toBe('0.0%')
    expect(pct(rateOf(0.4, 5))).toBe('40.0%')
  })
  it('counts explanations; on time over those due', () => {
    const [z] = explanationSummaries([
      { department_code: 'ZJJ', month: '2026-03', status: 'on_time' },
      { department_code: 'ZJJ', month: '2026-04', status: 'late' },
      { department_code: 'ZJJ', month: '2026-05', status: 'not_required' },
      { department_code: 'ZJJ', month: '2026-06', status: 'pending' },
    ])
    expect(z).toMatchObject({ required: 3, on_time: 1, late: 1, missing: 0, pending: 1, on_time_rate: 0.5, month: '2026-04' })
  })
  it('draws red and yellow cards in the table order', () => {
    const d = (code: string, red: number, yellow: number) => ({ department_code: code, department_name: `${code}局`, open_alarms: red, open_prewarnings: yellow }) as DepartmentFigures
    expect(cardSeries([d('SCJ', 1, 2), d('ZJJ', 3, 0)])).toEqual({ names: ['SCJ局', 'ZJJ局'], red: [1, 3], yellow: [2, 0] })
  })
})
