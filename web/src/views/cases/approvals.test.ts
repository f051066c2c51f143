import { describe, expect, it } from 'vitest'
import {
  approvalBody, approvalStepName, decisionLabel, defaultStep, signableSteps, settledErrors, validateApproval,
} from './approvals'
import type { ApprovalStep } from './approvals'

const steps: ApprovalStep[] = [
  { step_code: 'decide', name: '决定', role: 'dept_inspector', role_name: '监察人员' },
  { step_code: 'review_legal', name: '法制审核', role: 'legal', role_name: '法制办' },
  { step_code: 'extend', name: '延期', role: 'dept_admin', role_name: '部门负责人' },
]

describe('signableSteps', () => {
  it('gives the inspector of the department the inspector\'s steps', () => {
    expect(signableSteps(steps, { role: 'dept_inspector', department_code: 'ZJJ' }, 'ZJJ', 'open').map((s) => s.step_code))
      .toEqual(['decide'])
  })
  it('gives the leader extensions', () => {
    expect(signableSteps(steps, { role: 'dept_admin', department_code: 'ZJJ' }, 'ZJJ', 'open').map((s) => s.step_code))
      .toEqual(['extend'])
  })
  it('gives another department\'s inspector nothing', () => {
    expect(signableSteps(steps, { role: 'dept_inspector', department_code: 'SCJ' }, 'ZJJ', 'open')).toEqual([])
  })
  it('gives the legal office its review in any department', () => {
    expect(signableSteps(steps, { role: 'legal', department_code: '' }, 'ZJJ', 'open').map((s) => s.step_code))
      .toEqual(['review_legal'])
  })
  it('gives clerks and closed cases nothing', () => {
    expect(signableSteps(steps, { role: 'clerk', department_code: 'ZJJ' }, 'ZJJ', 'open')).toEqual([])
    expect(signableSteps(steps, { role: 'dept_inspector', department_code: 'ZJJ' }, 'ZJJ', 'closed')).toEqual([])
    expect(signableSteps(steps, null, 'ZJJ', 'open')).toEqual([])
  })
})

describe('defaultStep', () => {
  it('offers the first checkpoint not yet recorded, extensions last', () => {
    const mine = [steps[2], steps[0]]
    expect(defaultStep(mine, ['accept'])).toBe('decide')
    expect(defaultStep(mine, ['accept', 'decide'])).toBe('extend')
    expect(defaultStep([], [])).toBe('')
  })
})

describe('validateApproval', () => {
  it('needs an opinion to reject', () => {
    expect(validateApproval({ stepCode: 'decide', decision: 'reject', opinion: '  ' })).toEqual({ opinion: '不同意的，须填写审核意见' })
    expect(validateApproval({ stepCode: 'decide', decision: 'reject', opinion: '材料不全' })).toEqual({})
  })
  it('approves without an opinion, but not without a step', () => {
    expect(validateApproval({ stepCode: 'decide', decision: 'approve', opinion: '' })).toEqual({})
    expect(validateApproval({ stepCode: '', decision: 'approve', opinion: '' })).toEqual({ step_code: '请选择审核的环节' })
  })
  it('bounds the opinion', () => {
    expect(validateApproval({ stepCode: 'decide', decision: 'approve', opinion: '字'.repeat(1001) }).opinion).toBe('审核意见不超过 1000 个字')
  })
})

describe('settledErrors', () => {
  const demand = { step_code: '请选择审核的环节', opinion: '不同意的，须填写审核意见' }
  it.each([
    ['back to 同意', { stepCode: '', decision: 'approve', opinion: '' } as const, { step_code: '请选择审核的环节' }],
    ['an opinion written', { stepCode: '', decision: 'reject', opinion: '材料不全' } as const, { step_code: '请选择审核的环节' }],
    ['still 不同意 without one', { stepCode: '', decision: 'reject', opinion: ' ' } as const, demand],
  ])('drops the demand for an opinion when it is settled: %s', (_, form, want) => {
    expect(settledErrors(demand, form)).toEqual(want)
  })
  it('keeps any other message about the opinion', () => {
    const server = { opinion: '审核意见含有不允许的字符' }
    expect(settledErrors(server, { stepCode: 'decide', decision: 'approve', opinion: '' })).toBe(server)
  })
})

describe('approvalBody and labels', () => {
  it('trims the opinion', () => {
    expect(approvalBody({ stepCode: 'decide', decision: 'approve', opinion: ' 同意 ' }))
      .toEqual({ step_code: 'decide', decision: 'approve', opinion: '同意' })
  })
  it('names decisions and steps in Chinese', () => {
    expect(decisionLabel('approve')).toBe('同意')
    expect(decisionLabel('reject')).toBe('不同意')
    expect(approvalStepName(steps, 'decide')).toBe('决定')
    expect(approvalStepName([], 'extend')).toBe('延期')
  })
})
