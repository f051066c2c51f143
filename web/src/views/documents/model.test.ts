import { describe, expect, it } from 'vitest'
import { formProblem, issueBody, kindsFor, numberPlaceholder, warningSource } from './model'
import type { IssueForm } from './model'

describe('who issues what', () => {
  it.each([
    ['oversight', 'warning', ['supervision_order']],
    ['supervision', 'warning', ['supervision_order']],
    ['oversight', 'referral', ['rectification_notice']],
    ['supervision', 'finding', ['rectification_notice', 'supervision_advice']],
    ['dept_admin', 'warning', []],
    ['legal', 'finding', []],
  ] as const)('%s about a %s: %j', (role, source, kinds) => {
    expect(kindsFor(role, source)).toEqual(kinds)
  })
  it.each([
    ['open', 'warning'],
    ['rectifying', 'warning'],
    ['referred', 'referral'],
    ['closed', 'referral'],
    ['verified', null],
    ['lifted', null],
  ])('a warning %s offers %s', (status, want) => expect(warningSource(status)).toBe(want))
})

describe('the request', () => {
  const form = (f: Partial<IssueForm>): IssueForm => ({ kind: 'supervision_order', warning_id: null, spot_check_id: null, case_no: '', answer_days: 5, note: '', ...f })
  it('sends a warning source alone', () => {
    expect(issueBody(form({ warning_id: 7, note: ' 请重视 ' }))).toEqual({ kind: 'supervision_order', answer_days: 5, warning_id: 7, note: '请重视' })
  })
  it('sends a finding source alone', () => {
    expect(issueBody(form({ kind: 'supervision_advice', spot_check_id: 3, case_no: ' ZJJ-1 ' }))).toEqual({
      kind: 'supervision_advice',
      answer_days: 5,
      spot_check_id: 3,
      case_no: 'ZJJ-1',
    })
  })
  it.each([
    [{ kind: '' as const, warning_id: 1 }, '请选择文书种类'],
    [{}, '请填写预警编号，或抽查编号与办件编号'],
    [{ spot_check_id: 2 }, '请填写预警编号，或抽查编号与办件编号'],
    [{ warning_id: 1, answer_days: 0 }, '答复期限须为 1–60 个工作日'],
    [{ warning_id: 1 }, ''],
  ])('%j: %s', (f, want) => expect(formProblem(form(f))).toBe(want))
  it('leaves the number blank for the registry', () => expect(numberPlaceholder('区政管办', 2026)).toBe('区政管办〔2026〕　　号'))
})
