import { describe, expect, it } from 'vitest'
import {
  allowed,
  calendarErrors,
  countYear,
  cycle,
  datesBetween,
  effectiveKind,
  fromLists,
  isWeekend,
  markRangeHoliday,
  nextMark,
  runs,
  sameMarks,
  toLists,
  weekdayLabel,
  withMark,
} from './calendarModel'

describe('weekdays', () => {
  it('knows the day of the week without a time zone', () => {
    expect(weekdayLabel('2026-01-01')).toBe('周四')
    expect(isWeekend('2026-01-03')).toBe(true) // Saturday
    expect(isWeekend('2026-01-04')).toBe(true) // Sunday
    expect(isWeekend('2026-01-05')).toBe(false)
  })
})

describe('cycling a day', () => {
  it('a weekday: default → holiday → default', () => {
    const d = '2026-03-02' // Monday
    expect(nextMark(d, 'default')).toBe('holiday')
    expect(nextMark(d, 'holiday')).toBe('default')
    let m = cycle({}, d)
    expect(m).toEqual({ [d]: 'holiday' })
    m = cycle(m, d)
    expect(m).toEqual({})
  })
  it('a weekend day: default → holiday → make-up working day → default', () => {
    const d = '2026-02-14' // Saturday
    let m = cycle({}, d)
    expect(m[d]).toBe('holiday')
    m = cycle(m, d)
    expect(m[d]).toBe('workday')
    expect(effectiveKind(m, d)).toBe('makeup_workday')
    m = cycle(m, d)
    expect(m).toEqual({})
  })
  it('does not change the marks it is given', () => {
    const m = { '2026-01-01': 'holiday' as const }
    cycle(m, '2026-01-01')
    expect(m).toEqual({ '2026-01-01': 'holiday' })
  })
  it('refuses a make-up working day on a weekday', () => {
    expect(allowed('2026-03-02', 'workday')).toBe(false)
    expect(() => withMark({}, '2026-03-02', 'workday')).toThrow('调休上班日须为周六或周日')
  })
})

describe('lists', () => {
  it('round-trips the API lists, sorted', () => {
    const m = fromLists(['2026-10-02', '2026-10-01'], ['2026-10-10'])
    expect(toLists(m)).toEqual({ holidays: ['2026-10-01', '2026-10-02'], workdays: ['2026-10-10'] })
    expect(sameMarks(m, fromLists(['2026-10-01', '2026-10-02'], ['2026-10-10']))).toBe(true)
    expect(sameMarks(m, fromLists(['2026-10-01'], ['2026-10-10']))).toBe(false)
  })
  it('groups consecutive holidays into runs', () => {
    expect(runs(['2026-01-01', '2026-01-02', '2026-01-03', '2026-02-15', '2026-02-28', '2026-03-01'])).toEqual([
      { from: '2026-01-01', to: '2026-01-03', days: 3 },
      { from: '2026-02-15', to: '2026-02-15', days: 1 },
      { from: '2026-02-28', to: '2026-03-01', days: 2 },
    ])
  })
  it('marks a range as holidays, leaving out other years', () => {
    const r = markRangeHoliday({ '2026-12-30': 'workday' }, '2026-12-30', '2027-01-02', 2026)
    expect(r.outside).toBe(2)
    expect(toLists(r.marks)).toEqual({ holidays: ['2026-12-30', '2026-12-31'], workdays: [] })
  })
  it('lists the dates of a range, across a month end', () => {
    expect(datesBetween('2026-02-27', '2026-03-02')).toEqual(['2026-02-27', '2026-02-28', '2026-03-01', '2026-03-02'])
    expect(datesBetween('2026-03-02', '2026-03-01')).toEqual([])
  })
})

describe('counting', () => {
  it('counts working days: weekdays less holidays plus make-up days', () => {
    // 2026 has 261 weekdays.
    expect(countYear({}, 2026)).toEqual({ working: 261, off: 104 })
    const m = fromLists(['2026-01-01', '2026-01-02', '2026-01-03'], ['2026-01-04'])
    expect(countYear(m, 2026)).toEqual({ working: 260, off: 105 })
  })
})

describe('422 details', () => {
  it('names the dates the server refused', () => {
    const sent = { holidays: ['2026-01-01', '2026-01-01'], workdays: ['2026-03-02'] }
    const r = calendarErrors(
      { 'holidays[1]': '2026-01-01 重复列出', 'workdays[0]': '调休上班日 2026-03-02 不是周六或周日', source: '依据过长' },
      sent,
    )
    expect(r.byDate).toEqual({ '2026-01-01': '2026-01-01 重复列出', '2026-03-02': '调休上班日 2026-03-02 不是周六或周日' })
    expect(r.other).toEqual(['依据过长'])
  })
})
