// The flowchart of an item's steps: one box per step in order, the step's own
// limit on it, checkpoints (廉政风险防控点) marked, and the same as sentences
// for screen readers.
import { limitText, stepLimit } from './model'
import type { PublicItem } from './types'

export interface FlowNode {
  key: string
  /** 1-based position in the flow. */
  index: number
  name: string
  /** '5 个工作日', or '' when the step has no limit of its own. */
  limit: string
  checkpoint: boolean
  /** The item's limit stops counting at this step. */
  endsClock: boolean
  /** The whole box in one sentence (the text list for screen readers). */
  text: string
}

export const CHECKPOINT_LABEL = '廉政风险防控点'
export const ENDS_CLOCK_LABEL = '办理时限止算'

/** The nodes of item's flowchart, in the order of its steps. */
export function buildFlow(item: Pick<PublicItem, 'steps' | 'time_limit'>): FlowNode[] {
  const steps = item.steps ?? []
  return steps.map((s, i) => {
    const l = stepLimit(s, item.time_limit?.unit)
    const limit = l ? limitText(l) : ''
    const parts = [`第 ${i + 1} 步：${s.name}`]
    if (limit) parts.push(i === 0 ? `本环节时限 ${limit}` : `本环节时限 ${limit}，自上一环节办理之日起算`)
    if (s.risk_checkpoint) parts.push(CHECKPOINT_LABEL)
    if (s.ends_clock) parts.push(`${ENDS_CLOCK_LABEL}（本环节办结后不再计入办理时限）`)
    return {
      key: `${i}-${s.code}`,
      index: i + 1,
      name: s.name,
      limit,
      checkpoint: !!s.risk_checkpoint,
      endsClock: !!s.ends_clock,
      text: `${parts.join('；')}。`,
    }
  })
}

/** A one-line summary of the flow for the chart's accessible name. */
export function flowSummary(nodes: FlowNode[]): string {
  if (nodes.length === 0) return '办理流程：暂无'
  const checkpoints = nodes.filter((n) => n.checkpoint).length
  const names = nodes.map((n) => n.name).join('、')
  return `办理流程共 ${nodes.length} 个环节：${names}${checkpoints ? `，其中 ${checkpoints} 个${CHECKPOINT_LABEL}` : ''}`
}
