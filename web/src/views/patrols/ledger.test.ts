import { describe, expect, it } from 'vitest'
import {
  dayStatusClass,
  dayStatusColour,
  isMonth,
  localDateOfMonth,
  monthOfLocalDate,
  monthRange,
  shanghaiWallClock,
  shiftMonth,
  specialKindLabel,
  summarize,
  toRFC3339Shanghai,
  todayText,
  notCountedLine,
  notCountedText,
  recordedReason,
} from './ledger'

describe('day status colours', () => {
  // ok green, insufficient orange, missing red, not required grey.
  it.each([
    ['ok', 'success', 'day-ok'],
    ['insufficient', 'warning', 'day-insufficient'],
    ['missing', 'danger', 'day-missing'],
    ['not_required', 'info', 'day-not-required'],
  ])('colours %s %s, in cell class %s', (status, colour, cellClass) => {
    expect(dayStatusColour(status)).toBe(colour)
    expect(dayStatusClass(status)).toBe(cellClass)
  })
  it('colours an unknown status grey, and no status with no colour class', () => {
    expect(dayStatusColour('something')).toBe('info')
    expect(dayStatusClass(undefined)).toBe('day-none')
  })
})

describe('months', () => {
  it.each([
    ['2026-11', true],
    ['2026-13', false],
    ['2026-1', false],
    [undefined, false],
  ])('knows whether %s is a month', (v, want) => {
    expect(isMonth(v)).toBe(want)
  })
  it('gives the first and last day', () => {
    expect(monthRange('2026-11')).toEqual({ from: '2026-11-01', to: '2026-11-30' })
    expect(monthRange('2028-02')).toEqual({ from: '2028-02-01', to: '2028-02-29' })
    expect(monthRange('2026-12')).toEqual({ from: '2026-12-01', to: '2026-12-31' })
  })
  it('moves across years', () => {
    expect(shiftMonth('2026-01', -1)).toBe('2025-12')
    expect(shiftMonth('2026-12', 1)).toBe('2027-01')
    expect(shiftMonth('2026-05', 0)).toBe('2026-05')
  })
  it('round-trips the calendar date', () => {
    expect(monthOfLocalDate(localDateOfMonth('2026-03'))).toBe('2026-03')
  })
})

describe('patrol time', () => {
  it('is the wall clock in Asia/Shanghai', () => {
    expect(shanghaiWallClock(new Date('2026-11-27T01:30:05Z'))).toBe('2026-11-27T09:30:05')
    expect(shanghaiWallClock(new Date('2026-11-27T16:00:00Z'))).toBe('2026-11-28T00:00:00')
  })
  it.each([
    ['2026-11-27T09:30:05', '2026-11-27T09:30:05+08:00'],
    ['2026-11-27 09:30', '2026-11-27T09:30:00+08:00'],
    ['', ''],
    ['yesterday', ''],
  ])('is sent as RFC 3339 with +08:00: %o → %o', (wallClock, sent) => {
    expect(toRFC3339Shanghai(wallClock)).toBe(sent)
  })
})

describe('ledger summary', () => {
  it('counts days by status', () => {
    const s = summarize([
      { date: '2026-12-01', kind: 'workday', patrols: 2, status: 'ok' },
      { date: '2026-12-02', kind: 'workday', patrols: 1, status: 'insufficient' },
      { date: '2026-12-03', kind: 'workday', patrols: 0, status: 'missing' },
      { date: '2026-12-05', kind: 'weekend', patrols: 1, status: 'not_required' },
      { date: '2026-12-06', kind: 'makeup_workday', patrols: 3, status: 'ok' },
    ])
    expect(s).toEqual({ working: 4, ok: 2, insufficient: 1, missing: 1, not_required: 1, patrols: 7, not_counted: 0 })
  })
  it('counts apart the patrols recorded too late', () => {
    const s = summarize([
      { date: '2026-12-01', kind: 'workday', patrols: 1, status: 'insufficient', not_counted: 2, entries: [] },
      { date: '2026-12-02', kind: 'workday', patrols: 0, status: 'missing', not_counted: 1, entries: [] },
    ])
    expect(s).toMatchObject({ patrols: 1, not_counted: 3, insufficient: 1, missing: 1 })
  })
  it.each([
    ['workday', ''],
    ['weekend', '休息日'],
    ['holiday', '节假日'],
    ['makeup_workday', '调休上班日'],
  ])('names only the special day kinds: %s → %o', (kind, label) => {
    expect(specialKindLabel(kind)).toBe(label)
  })
  it("says today's patrols", () => {
    expect(todayText({ date: '2026-12-01', kind: 'workday', patrols: 1, status: 'insufficient' })).toBe('今日已巡查 1/2')
    expect(todayText({ date: '2026-12-05', kind: 'weekend', patrols: 0, status: 'not_required' })).toBe(
      '今日休息日，无需巡查（已巡查 0 次）',
    )
    expect(todayText(null, 3)).toBe('今日已巡查 0/3')
  })
})

describe('patrols that do not count', () => {
  it('says why a patrol does not count for its day', () => {
    expect(notCountedText({ counts: true, not_counted_reason: '' })).toBe('')
    expect(notCountedText({ counts: false, not_counted_reason: 'recorded_late' })).toBe('不计入当日：巡查后超过 2 小时才录入')
    expect(notCountedText({ counts: false, not_counted_reason: 'recorded_another_day' })).toBe('不计入当日：未在巡查当日录入')
    expect(notCountedText({ counts: false })).toBe('不计入当日')
  })
  it('gives a cell line only when some do not count', () => {
    expect(notCountedLine({ not_counted: 2 })).toBe('另 2 次不计入')
    expect(notCountedLine({ not_counted: 0 })).toBe('')
    expect(notCountedLine({})).toBe('')
    expect(notCountedLine(null)).toBe('')
  })
})

describe('a patrol just recorded', () => {
  it('tells late from another day in Asia/Shanghai', () => {
    expect(recordedReason({ at: '2026-12-01T09:00:00+08:00', recorded_at: '2026-12-01T04:10:00Z', counts: false })).toBe('recorded_late')
    expect(recordedReason({ at: '2026-12-01T23:00:00+08:00', recorded_at: '2026-12-01T16:30:00Z', counts: false })).toBe(
      'recorded_another_day',
    )
    expect(recordedReason({ at: '2026-12-01T09:00:00+08:00', recorded_at: '2026-12-01T01:30:00Z', counts: true })).toBe('')
  })
})
