import { describe, expect, it } from 'vitest'
import { BOX_H, BOX_W, GAP_X, layoutFlow } from './flowchart'
import type { FlowStep } from './types'

const steps: FlowStep[] = [
  { code: 'accept', name: '受理' },
  { code: 'review', name: '审查', time_limit_days: 10 },
  { code: 'decide', name: '决定', risk_checkpoint: true, requires_approval: 'dept_inspector', ends_clock: true },
  { code: 'deliver', name: '送达', time_limit_days: 7, time_limit_unit: 'calendar' },
]

describe('layoutFlow', () => {
  it('draws the steps in order with the limits on the arrows', () => {
    const d = layoutFlow({ steps, time_limit: { days: 20, unit: 'workday' } }, 5)
    expect(d.boxes.map((b) => b.node.name)).toEqual(['受理', '审查', '决定', '送达'])
    expect(d.arrows.map((a) => a.label)).toEqual(['10 个工作日', '', '7 个自然日'])
    expect(d.boxes.map((b) => b.node.checkpoint)).toEqual([false, false, true, false])
    expect(d.boxes[2].approval).toBe('须监察人员审批')
    expect(new Set(d.boxes.map((b) => b.y)).size).toBe(1)
    expect(d.boxes[1].x - d.boxes[0].x).toBe(BOX_W + GAP_X)
  })

  it('wraps into rows, the arrow turning down', () => {
    const d = layoutFlow({ steps, time_limit: { days: 20, unit: 'workday' } }, 2)
    expect(d.boxes.map((b) => [b.x === d.boxes[0].x, b.y > d.boxes[0].y])).toEqual([
      [true, false], [false, false], [true, true], [false, true],
    ])
    expect(d.arrows[1].d).toContain('V')
    expect(d.height).toBeGreaterThan(2 * BOX_H)
  })

  it('has no boxes for an empty flow', () => {
    const d = layoutFlow({ steps: [], time_limit: { days: 1, unit: 'workday' } })
    expect(d.boxes).toEqual([])
    expect(d.arrows).toEqual([])
  })
})
