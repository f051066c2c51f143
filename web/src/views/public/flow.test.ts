import { describe, expect, it } from 'vitest'
import { buildFlow, flowSummary } from './flow'
import type { PublicFlowStep } from './types'

const licence: PublicFlowStep[] = [
  { code: 'accept', name: '受理' },
  { code: 'review', name: '审查', time_limit_days: 5 },
  { code: 'decide', name: '决定', risk_checkpoint: true, ends_clock: true },
  { code: 'deliver', name: '送达', time_limit_days: 10 },
]

describe('buildFlow', () => {
  it('draws the steps in order with their limits and marks', () => {
    const nodes = buildFlow({ steps: licence, time_limit: { days: 7, unit: 'workday' } })
    expect(nodes.map((n) => [n.index, n.name, n.limit, n.checkpoint, n.endsClock])).toEqual([
      [1, '受理', '', false, false],
      [2, '审查', '5 个工作日', false, false],
      [3, '决定', '', true, true],
      [4, '送达', '10 个工作日', false, false],
    ])
    expect(new Set(nodes.map((n) => n.key)).size).toBe(4)
  })

  it('says each box in a sentence', () => {
    const nodes = buildFlow({ steps: licence, time_limit: { days: 7, unit: 'workday' } })
    expect(nodes[0].text).toBe('第 1 步：受理。')
    expect(nodes[1].text).toBe('第 2 步：审查；本环节时限 5 个工作日，自上一环节办理之日起算。')
    expect(nodes[2].text).toBe('第 3 步：决定；廉政风险防控点；办理时限止算（本环节办结后不再计入办理时限）。')
  })

  it("uses the step's unit over the item's", () => {
    const nodes = buildFlow({
      steps: [{ code: 'file', name: '立案' }, { code: 'deliver', name: '送达', time_limit_days: 7, time_limit_unit: 'workday' }, { code: 'x', name: '归档', time_limit_days: 30 }],
      time_limit: { days: 90, unit: 'calendar' },
    })
    expect(nodes.map((n) => n.limit)).toEqual(['', '7 个工作日', '30 个自然日'])
  })

  it('keeps repeated step codes apart', () => {
    const nodes = buildFlow({ steps: [{ code: 'a', name: '甲' }, { code: 'a', name: '甲' }], time_limit: { days: 1, unit: 'workday' } })
    expect(nodes[0].key).not.toBe(nodes[1].key)
  })

  it('summarises the flow', () => {
    const nodes = buildFlow({ steps: licence, time_limit: { days: 7, unit: 'workday' } })
    expect(flowSummary(nodes)).toBe('办理流程共 4 个环节：受理、审查、决定、送达，其中 1 个廉政风险防控点')
    expect(flowSummary([])).toBe('办理流程：暂无')
    expect(buildFlow({ steps: [], time_limit: { days: 1, unit: 'workday' } })).toEqual([])
  })
})
