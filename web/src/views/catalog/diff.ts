// Two versions of an item side by side: each field as text a person reads,
// the changed ones marked, and the flow compared step by step (matched by
// step code: a step added, removed, changed or moved).
import { limitText } from '../public/model'
import { itemStatusLabel, roleLabel, unitLabel } from '../../format'
import type { CatalogItem, FlowStep, Tier } from './types'

export interface FieldDiff {
  key: string
  label: string
  before: string
  after: string
  changed: boolean
}

export type StepChange = 'same' | 'changed' | 'moved' | 'added' | 'removed'

export interface StepDiff {
  code: string
  /** 1-based positions; null where the step is absent. */
  beforeIndex: number | null
  afterIndex: number | null
  before: string
  after: string
  change: StepChange
}

export const STEP_CHANGE_LABELS: Record<StepChange, string> = {
  same: '未变', changed: '已修改', moved: '顺序调整', added: '新增', removed: '删除',
}

/** One step as a line: '审查（review）：时限 10 个工作日；廉政风险防控点，须 监察人员 审批'. */
export function stepText(s: FlowStep, itemUnit: string | undefined): string {
  const parts: string[] = []
  if (s.time_limit_days) parts.push(`时限 ${limitText({ days: s.time_limit_days, unit: s.time_limit_unit || itemUnit || 'workday' })}`)
  if (s.risk_checkpoint) parts.push('廉政风险防控点')
  if (s.requires_approval) parts.push(`须${roleLabel(s.requires_approval)}审批`)
  if (s.ends_clock) parts.push('办理时限止算')
  if (s.requires_legal_review) parts.push('须法制审核')
  if (s.requires_hearing_notice) parts.push('须告知听证权利')
  return `${s.name}（${s.code}）${parts.length ? `：${parts.join('；')}` : ''}`
}

/** A tier as a line: '一般：1000–5000 元', '严重：project_price 的 1.5%–2%'. */
export function tierText(name: string, t: Tier): string {
  let range: string
  if (!t.base) range = `${t.min ?? 0}–${t.max ?? 0} 元`
  else if (t.min_rate || t.max_rate) range = `${t.base} 的 ${pct(t.min_rate)}–${pct(t.max_rate)}`
  else range = `${t.base} 的 ${t.min_multiple ?? 0}–${t.max_multiple ?? 0} 倍`
  return `${name}：${range}${t.description ? `（${t.description}）` : ''}`
}

function pct(r: number | undefined): string {
  return `${Math.round((r ?? 0) * 100000) / 1000}%`
}

type Field = { key: string; label: string; text: (it: CatalogItem, dept: (code: string) => string) => string }

const FIELDS: Field[] = [
  { key: 'name', label: '事项名称', text: (it) => it.name },
  { key: 'category', label: '权力类别', text: (it) => it.category },
  { key: 'department_code', label: '行权部门', text: (it, dept) => dept(it.department_code) },
  { key: 'status', label: '状态', text: (it) => itemStatusLabel(it.status) },
  {
    key: 'legal_bases', label: '法律依据',
    text: (it) => (it.legal_bases ?? []).map((b) => `${b.id}　${b.title}${b.article ? ` ${b.article}` : ''}`).join('\n'),
  },
  { key: 'time_limit', label: '办理时限（承诺）', text: (it) => limitText(it.time_limit) },
  { key: 'statutory_limit', label: '法定时限', text: (it) => (it.statutory_limit ? limitText(it.statutory_limit) : '') },
  {
    key: 'extension', label: '延长办理期限',
    text: (it) => {
      const e = it.extension
      if (!e) return ''
      const parts: string[] = []
      if (e.max_days) parts.push(`每次不超过 ${e.max_days} 个${unitLabel(e.unit || it.time_limit?.unit)}`)
      if (e.times) parts.push(`不超过 ${e.times} 次`)
      if (e.approver_role) parts.push(`由${roleLabel(e.approver_role)}批准`)
      return parts.join('，') || '按法定默认'
    },
  },
  {
    key: 'discretion', label: '裁量基准',
    text: (it) => Object.entries(it.discretion ?? {}).sort(([a], [b]) => a.localeCompare(b)).map(([n, t]) => tierText(n, t)).join('\n'),
  },
  { key: 'conditions', label: '申请条件', text: (it) => it.conditions ?? '' },
  {
    key: 'materials', label: '申请材料',
    text: (it) => (it.materials ?? []).map((m) => `${m.name}${m.copies ? ` ${m.copies} 份` : ''}${m.note ? `（${m.note}）` : ''}`).join('\n'),
  },
  { key: 'fees', label: '收费', text: (it) => it.fees ?? '' },
  { key: 'service_channel', label: '办理渠道', text: (it) => it.service_channel ?? '' },
  {
    key: 'contact', label: '咨询方式',
    text: (it) => [it.contact?.phone, it.contact?.address, it.contact?.hours].filter(Boolean).join('；'),
  },
]

/**
 * The fields of two versions, in the form's order; before null: a first
 * version. dept names a department (its code by default).
 */
export function diffFields(before: CatalogItem | null, after: CatalogItem, dept: (code: string) => string = (c) => c): FieldDiff[] {
  return FIELDS.map((f) => {
    const b = before ? f.text(before, dept) : ''
    const a = f.text(after, dept)
    return { key: f.key, label: f.label, before: b, after: a, changed: before != null && a !== b }
  })
}

/** The flows of two versions step by step: the new order, removed steps after. */
export function diffSteps(before: CatalogItem | null, after: CatalogItem): StepDiff[] {
  const old = before?.steps ?? []
  const oldAt = new Map(old.map((s, i) => [s.code, i]))
  const out: StepDiff[] = []
  // A kept step has moved when its place among the kept steps changed:
  // adding or removing a step moves none of the others.
  const nowCodes = new Set((after.steps ?? []).map((s) => s.code))
  const keptBefore = old.map((s) => s.code).filter((c) => nowCodes.has(c))
  const keptAfter = (after.steps ?? []).map((s) => s.code).filter((c) => oldAt.has(c))
  ;(after.steps ?? []).forEach((s, i) => {
    const j = oldAt.get(s.code)
    const a = stepText(s, after.time_limit?.unit)
    if (j === undefined) {
      out.push({ code: s.code, beforeIndex: null, afterIndex: i + 1, before: '', after: a, change: before ? 'added' : 'same' })
      return
    }
    const b = stepText(old[j], before?.time_limit?.unit)
    const moved = keptBefore.indexOf(s.code) !== keptAfter.indexOf(s.code)
    out.push({ code: s.code, beforeIndex: j + 1, afterIndex: i + 1, before: b, after: a, change: b !== a ? 'changed' : moved ? 'moved' : 'same' })
  })
  old.forEach((s, j) => {
    if (!nowCodes.has(s.code)) {
      out.push({ code: s.code, beforeIndex: j + 1, afterIndex: null, before: stepText(s, before?.time_limit?.unit), after: '', change: 'removed' })
    }
  })
  return out
}

/** How many fields and steps differ: '3 处变更', or '无变更'. */
export function changeSummary(fields: FieldDiff[], steps: StepDiff[]): string {
  const n = fields.filter((f) => f.changed).length + steps.filter((s) => s.change !== 'same').length
  return n ? `${n} 处变更` : '无变更'
}
