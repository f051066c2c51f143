import { describe, expect, it } from 'vitest'
import {
  actionForm,
  actionsFor,
  emptyFilters,
  filtersFromQuery,
  filtersToQuery,
  hasFilters,
  roleActs,
  ruleOptionGroups,
  transitionBody,
  validateAction,
} from './model'
import type { Role } from '../../format'

describe('actionsFor (lifecycle.go)', () => {
  // The department answers an open warning and then goes only forward;
  // oversight verifies, refers and closes where the graph allows;
  // supervision refers and closes, never verifies.
  it.each<[string, Role, string[]]>([
    ['open', 'dept_admin', ['explain', 'begin_rectify', 'rectify']],
    ['open', 'dept_inspector', ['explain', 'begin_rectify', 'rectify']],
    ['explained', 'dept_admin', ['begin_rectify', 'rectify']],
    ['rectifying', 'dept_admin', ['rectify']],
    ['rectified', 'dept_admin', []],
    ['open', 'oversight', ['refer']],
    ['explained', 'oversight', ['verify', 'refer']],
    ['rectified', 'oversight', ['verify', 'refer']],
    ['verified', 'oversight', ['refer', 'close']],
    ['referred', 'oversight', ['close']],
    ['closed', 'oversight', []],
    ['rectified', 'supervision', ['refer']],
    ['referred', 'supervision', ['close']],
    ['verified', 'supervision', ['refer', 'close']],
  ])('offers on a %s warning to %s: %o', (status, role, want) => {
    expect(actionsFor(status, role)).toEqual(want)
  })
  it('gives clerks, legal and admin nothing', () => {
    for (const role of ['clerk', 'legal', 'admin'] as const) {
      expect(roleActs(role)).toBe(false)
      for (const s of ['open', 'explained', 'rectified', 'referred']) expect(actionsFor(s, role)).toEqual([])
    }
    expect(actionsFor('open', null)).toEqual([])
    expect(actionsFor('lifted', 'oversight')).toEqual([])
  })
})

describe('action forms', () => {
  it('asks for a reference on refer and an outcome only when closing a referred warning', () => {
    expect(actionForm('refer', 'open')).toEqual({ noteRequired: true, reference: true, outcome: false })
    expect(actionForm('close', 'referred')).toEqual({ noteRequired: false, reference: false, outcome: true })
    expect(actionForm('close', 'verified')).toEqual({ noteRequired: false, reference: false, outcome: false })
    expect(actionForm('verify', 'rectified').noteRequired).toBe(false)
    expect(actionForm('explain', 'open').noteRequired).toBe(true)
  })
  it('validates as the server does', () => {
    const empty = { note: '', reference: '', outcome: '' }
    expect(validateAction('explain', 'open', empty)).toEqual({ note: '请填写说明' })
    expect(validateAction('explain', 'open', { ...empty, note: '  ' }).note).toBeTruthy()
    expect(validateAction('verify', 'rectified', empty)).toEqual({})
    expect(Object.keys(validateAction('refer', 'open', empty)).sort()).toEqual(['note', 'reference'])
    expect(validateAction('refer', 'open', { ...empty, note: '移送', reference: '区监察〔2026〕12号' })).toEqual({})
    expect(validateAction('refer', 'open', { ...empty, note: '移送', reference: '区监察 12号' }).reference).toBeTruthy()
    expect(validateAction('refer', 'open', { ...empty, note: '移送', reference: '"x"' }).reference).toBeTruthy()
    expect(validateAction('close', 'referred', empty)).toEqual({ outcome: '办结已移送的预警须填写处理结果' })
    expect(validateAction('close', 'verified', empty)).toEqual({})
    expect(validateAction('explain', 'open', { ...empty, note: '字'.repeat(2001) }).note).toContain('2000')
  })
  it('builds the transition body', () => {
    expect(transitionBody('explain', 'open', { note: ' 原因 ', reference: 'x', outcome: 'y' })).toEqual({
      action: 'explain',
      note: '原因',
    })
    expect(transitionBody('refer', 'open', { note: '理由', reference: 'R-1', outcome: '' })).toEqual({
      action: 'refer',
      note: '理由',
      reference: 'R-1',
    })
    expect(transitionBody('close', 'referred', { note: '', reference: '', outcome: ' 已立案 ' })).toEqual({
      action: 'close',
      note: '',
      outcome: '已立案',
    })
  })
})

describe('filters in the URL', () => {
  it('reads a link such as /warnings?status=open&level=alarm', () => {
    const f = filtersFromQuery({ status: 'open', level: 'alarm' })
    expect(f).toEqual({ ...emptyFilters(), status: 'open', level: 'alarm' })
    expect(hasFilters(f)).toBe(true)
  })
  it('drops values the API would refuse', () => {
    const f = filtersFromQuery({ status: 'nope', level: 'red', from: '2026-13', to: 'x', order: 'sideways' })
    expect(f).toEqual(emptyFilters())
    expect(hasFilters(f)).toBe(false)
  })
  it('round-trips every filter', () => {
    const q = {
      department: 'ZJJ,SCJ',
      level: 'prewarning',
      rule: 'deadline.overdue',
      family: 'deadline',
      status: 'referred',
      case_no: 'ZJJ-2026-0001',
      from: '2026-11-01',
      to: '2026-11-30',
      overdue_unanswered: 'true',
      order: 'asc',
    }
    const f = filtersFromQuery(q)
    expect(f.department).toEqual(['ZJJ', 'SCJ'])
    expect(filtersToQuery(f)).toEqual(q)
  })
  it('takes the first of repeated values and trims', () => {
    expect(filtersFromQuery({ case_no: [' A-1 ', 'B'] }).case_no).toBe('A-1')
  })
})

describe('rule options', () => {
  it('groups literal rule ids by family', () => {
    const g = ruleOptionGroups([
      { family: 'deadline', rules: ['deadline.a', 'deadline.b'], title: '超期', level: 'alarm', module: 'deadline' },
      { family: 'deadline', rules: ['deadline.a'], title: '重复', level: 'alarm', module: 'deadline' },
      { family: 'custom', rules: [], title: '无', level: 'alarm', module: 'custom' },
    ])
    expect(g).toEqual([
      {
        label: '办理时限',
        options: [
          { value: 'deadline.a', label: '超期' },
          { value: 'deadline.b', label: '超期' },
        ],
      },
    ])
  })
})
