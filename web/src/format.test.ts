import { describe, expect, it } from 'vitest'
import {
  allowedActions,
  caseStatusLabel,
  currentMonth,
  dayKindLabel,
  dayStatusLabel,
  formatDate,
  formatDateTime,
  formatMonth,
  levelLabel,
  levelTagType,
  options,
  roleLabel,
  ROLES,
  ROLE_LABELS,
  today,
  transitionActionLabel,
  unitLabel,
  warningStatusLabel,
  WARNING_STATUS_LABELS,
  workdaysLeftText,
  ymd,
} from '@/format'

describe('dates in Asia/Shanghai', () => {
  it.each([
    // 2026-11-26 16:30 UTC is 2026-11-27 00:30 in Shanghai.
    ['a UTC evening as the next day in Shanghai', '2026-11-26T16:30:00Z', '2026年11月27日', '2026年11月27日 00:30'],
    ['a UTC morning on the same day', '2026-11-27T01:30:00Z', '2026年11月27日', '2026年11月27日 09:30'],
    ['an offset of +08:00', '2026-03-01T08:05:00+08:00', '2026年3月1日', '2026年3月1日 08:05'],
    ['an offset of -05:00', '2026-03-01T00:05:00-05:00', '2026年3月1日', '2026年3月1日 13:05'],
    ['a plain date as the calendar day it names', '2026-01-05', '2026年1月5日', '2026年1月5日'],
  ])('shows %s', (_case, input, date, dateTime) => {
    expect(formatDate(input)).toBe(date)
    expect(formatDateTime(input)).toBe(dateTime)
  })

  it('gives the Shanghai day of a UTC evening', () => {
    expect(ymd('2026-11-26T16:30:00Z')).toBe('2026-11-27')
  })

  it('crosses a year at UTC 16:00 on 31 December', () => {
    expect(formatDate('2026-12-31T15:59:59Z')).toBe('2026年12月31日')
    expect(formatDate('2026-12-31T16:00:00Z')).toBe('2027年1月1日')
    expect(today(new Date('2026-12-31T16:00:00Z'))).toBe('2027-01-01')
    expect(currentMonth(new Date('2026-12-31T16:00:00Z'))).toBe('2027-01')
    expect(currentMonth(new Date('2026-12-31T15:00:00Z'))).toBe('2026-12')
  })

  it('accepts Date objects and epoch milliseconds', () => {
    const d = new Date('2026-06-30T23:00:00Z')
    expect(formatDate(d)).toBe('2026年7月1日')
    expect(formatDateTime(d.getTime())).toBe('2026年7月1日 07:00')
  })

  it('shows midnight as 00:00, not 24:00', () => {
    expect(formatDateTime('2026-05-01T16:00:00Z')).toBe('2026年5月2日 00:00')
  })

  it('answers a dash for nothing', () => {
    expect(formatDate(null)).toBe('—')
    expect(formatDate(undefined)).toBe('—')
    expect(formatDate('')).toBe('—')
    expect(formatDateTime(null)).toBe('—')
    expect(formatMonth(null)).toBe('—')
  })

  it('formats months', () => {
    expect(formatMonth('2026-11')).toBe('2026年11月')
    expect(formatMonth('2026-01')).toBe('2026年1月')
  })

  it('describes working days left', () => {
    expect(workdaysLeftText(3)).toBe('剩 3 个工作日')
    expect(workdaysLeftText(0)).toBe('今日到期')
    expect(workdaysLeftText(-2)).toBe('超期 2 个工作日')
    expect(workdaysLeftText(null)).toBe('—')
  })
})

describe('labels', () => {
  it('names every role in Chinese', () => {
    for (const r of ROLES) expect(roleLabel(r)).toMatch(/[\u4e00-\u9fff]/)
    expect(roleLabel('dept_inspector')).toBe('监察人员')
    expect(roleLabel('supervision')).toBe('监察局')
    expect(Object.keys(ROLE_LABELS)).toHaveLength(7)
  })

  it('never shows an unknown code', () => {
    expect(roleLabel('root')).toBe('未知')
    expect(warningStatusLabel('weird')).toBe('未知')
    expect(roleLabel(undefined)).toBe('—')
  })

  // Levels, statuses, actions, days and units by name: code → text, by function.
  it.each<[string, (code: string) => string, Record<string, string>]>([
    ['levelLabel', levelLabel, { alarm: '报警', prewarning: '预警' }],
    ['levelTagType', levelTagType, { alarm: 'danger', prewarning: 'warning' }],
    ['warningStatusLabel', warningStatusLabel, { lifted: '已解除', referred: '已移送' }],
    ['transitionActionLabel', transitionActionLabel, { begin_rectify: '开始整改', rectify: '整改完成' }],
    ['caseStatusLabel', caseStatusLabel, { suspended: '中止' }],
    ['dayKindLabel', dayKindLabel, { makeup_workday: '调休上班日' }],
    ['dayStatusLabel', dayStatusLabel, { not_required: '无需巡查' }],
    ['unitLabel', unitLabel, { calendar: '自然日' }],
  ])('%s names its codes', (_fn, fn, names) => {
    for (const [code, want] of Object.entries(names)) expect(fn(code), code).toBe(want)
  })

  it('has eight warning statuses', () => {
    expect(Object.keys(WARNING_STATUS_LABELS)).toHaveLength(8)
  })

  it('builds select options in order', () => {
    expect(options({ alarm: '报警', prewarning: '预警' })).toEqual([
      { value: 'alarm', label: '报警' },
      { value: 'prewarning', label: '预警' },
    ])
  })
})

describe('lifecycle', () => {
  it('offers a department the answers to an open warning', () => {
    expect(allowedActions('open', 'dept_admin')).toEqual(['explain', 'begin_rectify', 'rectify'])
    expect(allowedActions('rectifying', 'dept_inspector')).toEqual(['rectify'])
  })

  it('offers oversight verification and referral', () => {
    expect(allowedActions('rectified', 'oversight')).toEqual(['verify', 'refer'])
    expect(allowedActions('verified', 'oversight')).toEqual(['refer', 'close'])
    expect(allowedActions('referred', 'supervision')).toEqual(['close'])
  })

  it('offers nothing to a clerk or on a closed or lifted warning', () => {
    expect(allowedActions('open', 'clerk')).toEqual([])
    expect(allowedActions('closed', 'oversight')).toEqual([])
    expect(allowedActions('lifted', 'dept_admin')).toEqual([])
  })
})
