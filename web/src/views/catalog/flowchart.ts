// The flow drawn as an SVG flowchart: the steps in order as boxes, rows of a
// few boxes wrapping downwards, and on each arrow the limit of the step it
// leads to (a step's own limit runs from the previous step).
import { buildFlow } from '../public/flow'
import type { FlowNode } from '../public/flow'
import { roleLabel } from '../../format'
import type { CatalogItem } from './types'

export const BOX_W = 150
export const BOX_H = 88
export const GAP_X = 100
export const GAP_Y = 64
const MARGIN = 12

export interface DiagramBox {
  x: number
  y: number
  node: FlowNode
  /** '须监察人员审批', or ''. */
  approval: string
}

export interface DiagramArrow {
  /** SVG path data. */
  d: string
  /** The limit of the step the arrow leads to; '' for none. */
  label: string
  lx: number
  ly: number
}

export interface Diagram {
  width: number
  height: number
  boxes: DiagramBox[]
  arrows: DiagramArrow[]
}

/** The flowchart of item, perRow boxes to a row. */
export function layoutFlow(item: Pick<CatalogItem, 'steps' | 'time_limit'>, perRow = 5): Diagram {
  const per = Math.max(1, Math.floor(perRow))
  const nodes = buildFlow(item)
  const boxes: DiagramBox[] = nodes.map((node, i) => {
    const step = item.steps[i]
    return {
      x: MARGIN + (i % per) * (BOX_W + GAP_X),
      y: MARGIN + Math.floor(i / per) * (BOX_H + GAP_Y),
      node,
      approval: step?.requires_approval ? `须${roleLabel(step.requires_approval)}审批` : '',
    }
  })
  const arrows: DiagramArrow[] = []
  for (let i = 1; i < boxes.length; i++) {
    const a = boxes[i - 1]
    const b = boxes[i]
    const label = b.node.limit
    if (a.y === b.y) {
      const y = a.y + BOX_H / 2
      arrows.push({ d: `M${a.x + BOX_W} ${y} H${b.x - 4}`, label, lx: (a.x + BOX_W + b.x) / 2, ly: y - 8 })
    } else {
      // Down from the row's last box, back to the left, down into the next.
      const midY = a.y + BOX_H + GAP_Y / 2
      const ax = a.x + BOX_W / 2
      const bx = b.x + BOX_W / 2
      arrows.push({ d: `M${ax} ${a.y + BOX_H} V${midY} H${bx} V${b.y - 4}`, label, lx: (ax + bx) / 2, ly: midY - 6 })
    }
  }
  const cols = Math.min(per, Math.max(1, boxes.length))
  const rows = Math.max(1, Math.ceil(boxes.length / per))
  return {
    width: MARGIN * 2 + cols * BOX_W + (cols - 1) * GAP_X,
    height: MARGIN * 2 + rows * BOX_H + (rows - 1) * GAP_Y,
    boxes,
    arrows,
  }
}
