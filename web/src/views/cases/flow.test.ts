import { describe, expect, it } from 'vitest'
import {
  buildTimeline, nextStepCode, needsApproval, approvalRole, placeErrors, rfc3339Shanghai, beijingWallClock, wallClockRfc3339, stepBody, stepId, stepOptions,
  workdaysLeftClass, deadlineStateLabel,
  tierRange,
} from './flow'
import type { StepForm } from './flow'
import type { CaseView, Deadline, PowerItem, Step } from './types'
import { licensingItem } from '@/testing/items'

const item: PowerItem = { ...licensingItem(), created_at: '2026-01-01T00:00:00Z' }

function step(code: string, at: string, extra: Partial<Step> = {}): Step {
  return {
    id: `C1-${code}-${at}`, case_no: 'C1', step_code: code, handler: '张三', occurred_at: at, recorded_at: at,
    legal_basis_ids: [], declared_approvals: [], attributes: {}, check_status: 'checked', policy_revision: 1, ...extra,
  }
}

function deadline(key: string, state: string, extra: Partial<Deadline> = {}): Deadline {
  return {
    key, name: key, start: '2026-03-02', days: 10, unit: 'workday', extension_days: 0, suspended_days: 0,
    due: '2026-03-16', done: '', state, remaining_workdays: null, ...extra,
  }
}

function caseOf(steps: Step[], deadlines: Deadline[] = [], status = 'open'): Pick<CaseView, 'steps' | 'time' | 'status'> {
  return { steps, status, time: { deadlines, suspensions: [], extensions: [] } }
}

describe('rfc3339Shanghai', () => {
  it('writes the instant as Beijing time with +08:00', () => {
    expect(rfc3339Shanghai(new Date('2026-03-02T01:30:05Z'))).toBe('2026-03-02T09:30:05+08:00')
    expect(rfc3339Shanghai(new Date('2026-03-01T16:00:00Z'))).toBe('2026-03-02T00:00:00+08:00')
  })

  it('round-trips through a picker value holding Beijing wall-clock time', () => {
    const at = new Date('2026-12-31T17:45:09Z')
    const picker = beijingWallClock(at)
    expect(picker.getHours()).toBe(1)
    expect(picker.getDate()).toBe(1)
    expect(wallClockRfc3339(picker)).toBe('2027-01-01T01:45:09+08:00')
  })
})

describe('stepId', () => {
  it('joins case, step and time', () => {
    expect(stepId('ZJJ-2026-0001', 'review', 1700000000000)).toBe('ZJJ-2026-0001-review-1700000000000')
  })
})

describe('workdaysLeftClass', () => {
  it('is red when overdue and orange at 3 or fewer', () => {
    expect(workdaysLeftClass(-1)).toBe('days-overdue')
    expect(workdaysLeftClass(0)).toBe('days-soon')
    expect(workdaysLeftClass(3)).toBe('days-soon')
    expect(workdaysLeftClass(4)).toBe('')
    expect(workdaysLeftClass(null)).toBe('')
  })
})

describe('buildTimeline', () => {
  it('lists done steps with their deadline state, then the steps to come', () => {
    const c = caseOf(
      [step('accept', '2026-03-02T01:00:00Z'), step('review', '2026-03-20T01:00:00Z')],
      [
        deadline('step:review', 'done_late', { done: '2026-03-20' }),
        deadline('item', 'overdue', { remaining_workdays: -2 }),
      ],
    )
    const t = buildTimeline(item, c)
    expect(t.map((e) => [e.kind, e.code, e.stateLabel])).toEqual([
      ['flow', 'accept', '已完成'],
      ['flow', 'review', '超时完成'],
      ['pending', 'decide', '已超期'],
      ['pending', 'deliver', '待办理'],
    ])
    expect(t[2].itemDeadline?.key).toBe('item')
    expect(t[2].stateType).toBe('danger')
  })

  it('puts clock steps in time order and marks flow steps passed over', () => {
    const c = caseOf(
      [
        step('accept', '2026-03-02T01:00:00Z'),
        step('suspend', '2026-03-03T01:00:00Z'),
        step('resume', '2026-03-05T01:00:00Z'),
        step('decide', '2026-03-06T01:00:00Z'),
      ],
      [deadline('item', 'done_on_time', { done: '2026-03-06' })],
    )
    const t = buildTimeline(item, c)
    expect(t.map((e) => [e.kind, e.code])).toEqual([
      ['flow', 'accept'],
      ['clock', 'suspend'],
      ['clock', 'resume'],
      ['skipped', 'review'],
      ['flow', 'decide'],
      ['pending', 'deliver'],
    ])
    expect(t[1].name).toBe('中止计时')
    expect(t[4].stateLabel).toBe('按时完成')
  })

  it('shows an extension as approved only when it counts', () => {
    const ext = step('extend', '2026-03-03T01:00:00Z', { attributes: { extension_days: 5 } })
    const c = caseOf([step('accept', '2026-03-02T01:00:00Z'), ext])
    c.time!.extensions = [{ step_id: ext.id, days: 5, approved: false, at: '2026-03-03' }]
    const t = buildTimeline(item, c)
    expect(t[1].stateLabel).toBe('延期未经批准')
    expect(t[1].extension?.days).toBe(5)
  })

  it('lists nothing to come on a closed case', () => {
    const t = buildTimeline(item, caseOf([step('accept', '2026-03-02T01:00:00Z')], [], 'closed'))
    expect(t.map((e) => e.kind)).toEqual(['flow'])
  })
})

describe('the step form', () => {
  it('offers the flow steps and then 中止, 恢复, 延期', () => {
    const g = stepOptions(item)
    expect(g[0].options.map((o) => o.value)).toEqual(['accept', 'review', 'decide', 'deliver'])
    expect(g[1].options.map((o) => o.label)).toEqual(['中止', '恢复', '延期'])
    expect(g[0].options[2].notes).toContain('风险防控点')
  })

  it('proposes the step after the last one done, resume when suspended', () => {
    expect(nextStepCode(item, { steps: [step('accept', '2026-03-02T01:00:00Z')], status: 'open' })).toBe('review')
    expect(nextStepCode(item, { steps: [step('accept', '2026-03-02T01:00:00Z')], status: 'suspended' })).toBe('resume')
    expect(nextStepCode(item, { steps: [], status: 'open' })).toBe('accept')
  })

  it('knows which steps need an approval and by whom', () => {
    expect(needsApproval(item, 'decide')).toBe(true)
    expect(needsApproval(item, 'extend')).toBe(true)
    expect(needsApproval(item, 'review')).toBe(false)
    expect(approvalRole(item, 'decide')).toBe('dept_inspector')
    expect(approvalRole(item, 'extend')).toBe('dept_admin')
  })

  const form = (over: Partial<StepForm>): StepForm => ({
    caseNo: 'C1', stepCode: 'decide', handler: ' 张三 ', occurredAt: new Date(2026, 2, 6, 9, 0, 0),
    legalBasisIds: ['LB1'], tier: '', amount: undefined, extensionDays: undefined, reason: '',
    approvalRole: 'dept_inspector', approvalBy: '', approvalAt: null, ...over,
  })

  it('builds the body of POST /steps', () => {
    expect(stepBody(form({ tier: '一般', amount: 3000, approvalBy: '李四' }), 'C1-decide-1', false)).toEqual({
      id: 'C1-decide-1', case_no: 'C1', step_code: 'decide', handler: '张三', occurred_at: '2026-03-06T09:00:00+08:00',
      legal_basis_ids: ['LB1'], discretion: { tier: '一般', amount: 3000 },
      approvals: [{ role: 'dept_inspector', by: '李四', at: '2026-03-06T09:00:00+08:00' }], attributes: {},
    })
  })

  it('carries the item and applicant on a new case, extension days on extend', () => {
    const b = stepBody(form({ stepCode: 'accept', itemCode: 'XK-001', applicant: ' 某公司 ' }), 'x', true)
    expect(b.power_item_code).toBe('XK-001')
    expect(b.applicant).toBe('某公司')
    expect(b.approvals).toEqual([])
    expect(stepBody(form({ stepCode: 'extend', extensionDays: 5 }), 'x', false).attributes).toEqual({ extension_days: 5 })
  })

  it('places 422 details at the fields they name', () => {
    const { at, rest } = placeErrors(
      { step_code: '流程中没有该环节', 'legal_basis_ids[0]': '编号不对', 'discretion.amount': '金额不对', id: '编号过长' },
      ['step_code', 'legal_basis_ids', 'discretion', 'discretion.amount'],
    )
    expect(at).toEqual({ step_code: '流程中没有该环节', legal_basis_ids: '编号不对', 'discretion.amount': '金额不对' })
    expect(rest).toEqual(['编号过长'])
  })

  it('names deadline states in Chinese', () => {
    expect(deadlineStateLabel('done_late')).toBe('超时完成')
    expect(deadlineStateLabel('nonsense')).toBe('未知')
    expect(deadlineStateLabel('')).toBe('—')
  })
})

describe('tierRange', () => {
  it('reads amounts, multiples and rates as the law writes them', () => {
    expect(tierRange({ min: 1000, max: 50000 })).toBe('1,000–50,000 元')
    expect(tierRange({ base: 'goods_value', min_multiple: 10, max_multiple: 20 })).toBe('货值金额的 10–20 倍')
    expect(tierRange({ base: 'contract_price', min_rate: 0.005, max_rate: 0.01 })).toBe('合同价款的 0.5%–1%')
    expect(tierRange({ base: 'other_base', max_multiple: 3 })).toBe('other_base的 0–3 倍')
  })
})
