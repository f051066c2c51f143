import { describe, expect, it } from 'vitest'
import { initialQuarter, isQuarter, issuerPrefix, pct, quarterLabel, quarterOf, quarterOptions, shiftQuarter } from './model'

describe('quarters', () => {
  it.each([
    ['2026-01-01', '2026-Q1'],
    ['2026-03-31', '2026-Q1'],
    ['2026-04-01', '2026-Q2'],
    ['2026-12-06', '2026-Q4'],
  ])('%s is in %s', (d, q) => expect(quarterOf(d)).toBe(q))
  it.each([
    ['2026-Q1', -1, '2025-Q4'],
    ['2026-Q4', 1, '2027-Q1'],
    ['2026-Q2', -5, '2025-Q1'],
  ])('%s shifted by %d is %s', (q, n, want) => expect(shiftQuarter(q, n)).toBe(want))
  it('labels', () => expect(quarterLabel('2026-Q3')).toBe('2026年第三季度'))
  it('offers this quarter and those before, newest first', () => {
    expect(quarterOptions('2026-05-01', 3).map((o) => o.value)).toEqual(['2026-Q2', '2026-Q1', '2025-Q4'])
  })
  it.each([
    ['2026-Q1', '2026-Q1'],
    ['2026-Q4', '2026-Q1'],
    ['2026-q1', '2026-Q1'],
    [undefined, '2026-Q1'],
  ])('asked %s opens %s', (asked, want) => expect(initialQuarter(asked, '2026-05-10')).toBe(want))
  it('checks the format', () => {
    expect(isQuarter('2026-Q5')).toBe(false)
    expect(isQuarter('2026-Q2')).toBe(true)
  })
})

describe('print', () => {
  it('names the office short in the 文号', () => {
    expect(issuerPrefix('区政务服务管理办公室')).toBe('区政管办')
    expect(issuerPrefix('区监察委员会')).toBe('区监察')
  })
  it('percentages', () => expect(pct(0.12345)).toBe('12.3%'))
})
