import { describe, expect, it } from 'vitest'
import { drawBody, drawFieldErrors, matchesFinding, previousMonth, recount, validateDraw, validateFinding } from './model'
import type { DrawForm, SpotCheckView } from './model'

const form = (o: Partial<DrawForm> = {}): DrawForm => ({
  departments: [],
  period: ['2026-11-01', '2026-11-30'],
  size: 5,
  seed: '',
  note: '',
  ...o,
})

describe('drawing a spot check', () => {
  it('accepts a plain request and sends no seed when none is given', () => {
    expect(validateDraw(form())).toEqual({})
    expect(drawBody(form({ note: ' 例行 ' }))).toEqual({
      departments: [],
      from: '2026-11-01',
      to: '2026-11-30',
      size: 5,
      note: '例行',
    })
  })
  it('sends a given seed as a number', () => {
    expect(drawBody(form({ seed: '20261130', departments: ['ZJJ'] }))).toMatchObject({ seed: 20261130, departments: ['ZJJ'] })
  })
  it('refuses what the server refuses', () => {
    expect(validateDraw(form({ period: null })).from).toBeTruthy()
    expect(validateDraw(form({ size: 0 })).size).toBeTruthy()
    expect(validateDraw(form({ size: 1001 })).size).toBeTruthy()
    expect(validateDraw(form({ seed: '1.5' })).seed).toBeTruthy()
    expect(validateDraw(form({ seed: '12345678901234567' })).seed).toBeTruthy()
    expect(validateDraw(form({ seed: '-7' }))).toEqual({})
  })
  it('puts the API field errors on the form items', () => {
    expect(drawFieldErrors({ to: '截止日期早于起始日期', 'departments[2]': '部门编码不对', size: '数量' })).toEqual({
      period: '截止日期早于起始日期',
      departments: '部门编码不对',
      size: '数量',
    })
  })
})

describe('findings', () => {
  it('needs a note for a problem', () => {
    expect(validateFinding('problem', ' ')).toEqual({ note: '发现问题的，须说明问题' })
    expect(validateFinding('compliant', '')).toEqual({})
    expect(validateFinding('', '')).toEqual({ result: '请选择检查结论' })
  })
  it('filters and recounts the sample', () => {
    const f = { note: '', recorded_by: 'supervision', recorded_at: '2026-12-01T00:00:00Z' }
    const v: SpotCheckView = {
      id: 1, departments: [], from: '2026-11-01', to: '2026-11-30', size: 3, seed: 1, note: '',
      created_by: 'supervision', created_at: '2026-12-01T00:00:00Z', sampled: 3, examined: 0, problems: 0,
      cases: [
        { case_no: 'A', department_code: 'ZJJ', power_item_code: 'X', finding: null },
        { case_no: 'B', department_code: 'ZJJ', power_item_code: 'X', finding: { ...f, result: 'compliant' } },
        { case_no: 'C', department_code: 'ZJJ', power_item_code: 'X', finding: { ...f, result: 'problem' } },
      ],
    }
    expect(v.cases.filter((c) => matchesFinding(c, 'pending')).map((c) => c.case_no)).toEqual(['A'])
    expect(v.cases.filter((c) => matchesFinding(c, 'problem')).map((c) => c.case_no)).toEqual(['C'])
    expect(v.cases.filter((c) => matchesFinding(c, 'all'))).toHaveLength(3)
    expect(recount(v)).toMatchObject({ examined: 2, problems: 1 })
  })
})

describe('previousMonth', () => {
  it('is the whole month before', () => {
    expect(previousMonth('2026-12-06')).toEqual(['2026-11-01', '2026-11-30'])
    expect(previousMonth('2026-01-31')).toEqual(['2025-12-01', '2025-12-31'])
    expect(previousMonth('2028-03-01')).toEqual(['2028-02-01', '2028-02-29'])
  })
})
