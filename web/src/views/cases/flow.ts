// Pure logic of the case pages: the flow timeline, deadline states, the step
// form's options and body. No Vue, no API: unit-tested in flow.test.ts.

import { STEP_KIND_LABELS, wallClockText } from '../../format'
import type { TagType } from '../../format'
import type { CaseView, Deadline, Extension, FlowStep, PowerItem, Step, Tier } from './types'

/** The step codes every flow allows besides its own (domain.go). */
export const CLOCK_STEPS = ['suspend', 'resume', 'extend'] as const
export type ClockStep = (typeof CLOCK_STEPS)[number]

export function isClockStep(code: string): code is ClockStep {
  return (CLOCK_STEPS as readonly string[]).includes(code)
}

/** Why a clock stops (DESIGN.md: 听证/检验/鉴定/专家评审). */
export const SUSPEND_REASONS = ['听证', '检验', '检测', '鉴定', '专家评审', '公告', '其他']

// ---- time ------------------------------------------------------------------

/** '2026-03-02T09:30:00+08:00': the instant d as Asia/Shanghai wall-clock time. */
export function rfc3339Shanghai(d: Date): string {
  return `${wallClockText(d)}+08:00`
}

// The date pickers show and edit a Date's local wall-clock time. The form
// means Beijing time whatever the browser's time zone, so a picker's value
// holds Beijing wall-clock time in its local fields.

/** A Date whose local wall-clock fields are Beijing time at the instant `at`. */
export function beijingWallClock(at: Date = new Date()): Date {
  const [date, time] = rfc3339Shanghai(at).split('T')
  const [y, mo, d] = date.split('-').map(Number)
  const [h, mi, s] = time.slice(0, 8).split(':').map(Number)
  return new Date(y, mo - 1, d, h, mi, s)
}

/** The local wall-clock fields of a picker's value, as Beijing time: '2026-03-02T09:30:00+08:00'. */
export function wallClockRfc3339(d: Date): string {
  const p2 = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${p2(d.getMonth() + 1)}-${p2(d.getDate())}T${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}+08:00`
}

/** The idempotency key of a step: `${caseNo}-${stepCode}-${millis}`. */
export function stepId(caseNo: string, stepCode: string, millis: number = Date.now()): string {
  return `${caseNo}-${stepCode}-${millis}`
}

// ---- working days left and deadline states ----------------------------------

/** CSS class for working days left: red when overdue, orange when 3 or fewer. */
export function workdaysLeftClass(n: number | null | undefined): string {
  if (n == null) return ''
  if (n < 0) return 'days-overdue'
  if (n <= 3) return 'days-soon'
  return ''
}

const DEADLINE_STATES: Record<string, { label: string; type: TagType }> = {
  running: { label: '计时中', type: 'primary' },
  due_soon: { label: '即将到期', type: 'warning' },
  overdue: { label: '已超期', type: 'danger' },
  suspended: { label: '计时中止', type: 'info' },
  done_on_time: { label: '按时完成', type: 'success' },
  done_late: { label: '超时完成', type: 'danger' },
  calendar_unknown: { label: '日历未定', type: 'info' },
}

export function deadlineStateLabel(state: string | null | undefined): string {
  if (!state) return '—'
  return DEADLINE_STATES[state]?.label ?? '未知'
}

export function deadlineStateTagType(state: string | null | undefined): TagType {
  return (state && DEADLINE_STATES[state]?.type) || 'info'
}

/** '' and null both mean "none" in a deadline's due/done. */
export const present = (s: string | null | undefined): s is string => typeof s === 'string' && s !== ''

// ---- names -----------------------------------------------------------------

/** The Chinese name of a step code in item's flow ('中止' etc. for clock steps). */
export function stepName(item: PowerItem | null | undefined, code: string | null | undefined): string {
  if (!code) return '—'
  const f = item?.steps?.find((s) => s.code === code)
  if (f) return f.name
  return STEP_KIND_LABELS[code] ?? '未知环节'
}

/** The step that ends the item's clock: the one marked ends_clock, else the last. */
export function endsClockCode(item: PowerItem): string | undefined {
  const steps = item.steps ?? []
  return (steps.find((s) => s.ends_clock) ?? steps[steps.length - 1])?.code
}

// ---- the timeline ------------------------------------------------------------

export type EntryKind = 'flow' | 'clock' | 'pending' | 'skipped'

export interface TimelineEntry {
  key: string
  kind: EntryKind
  code: string
  name: string
  /** The recorded step (flow and clock entries). */
  step?: Step
  /** The flow step of the item (flow, pending and skipped entries). */
  flow?: FlowStep
  /** The step's own time limit. */
  deadline?: Deadline
  /** The item's overall limit, on the step that ends the clock. */
  itemDeadline?: Deadline
  /** For an extend step: whether and by how much it counts. */
  extension?: Extension
  stateLabel: string
  stateType: TagType
  /** el-timeline-item colour. */
  dotType: TagType
  hollow: boolean
}

const stateOrder = ['overdue', 'done_late', 'due_soon', 'suspended', 'running', 'calendar_unknown', 'done_on_time']

/** The most pressing of the deadlines' states. */
function worst(...ds: (Deadline | undefined)[]): string | undefined {
  const states = ds.filter((d): d is Deadline => !!d).map((d) => d.state)
  for (const s of stateOrder) if (states.includes(s)) return s
  return states[0]
}

function byTime(a: Step, b: Step): number {
  const ta = Date.parse(a.occurred_at)
  const tb = Date.parse(b.occurred_at)
  if (ta !== tb) return ta - tb
  return Date.parse(a.recorded_at) - Date.parse(b.recorded_at)
}

/**
 * The case's flow as timeline entries: the recorded steps in the order they
 * occurred (flow steps with their own and the item's deadline, clock steps with
 * their extension), flow steps passed over without being done, and then the
 * flow steps still to come with the deadline running on them.
 */
export function buildTimeline(item: PowerItem, c: Pick<CaseView, 'steps' | 'time' | 'status'>): TimelineEntry[] {
  const flow = item.steps ?? []
  const index = new Map(flow.map((f, i) => [f.code, i]))
  const deadlines = c.time?.deadlines ?? []
  const own = (code: string) => deadlines.find((d) => d.key === `step:${code}`)
  const itemDeadline = deadlines.find((d) => d.key === 'item')
  const endCode = endsClockCode(item)
  const extensions = c.time?.extensions ?? []

  const out: TimelineEntry[] = []
  const seen = new Set<string>()
  let reached = -1 // the highest flow index recorded so far
  const steps = [...(c.steps ?? [])].sort(byTime)

  for (const s of steps) {
    const i = index.get(s.step_code)
    if (i === undefined) {
      out.push(clockEntry(item, s, extensions))
      continue
    }
    for (let j = reached + 1; j < i; j++) {
      const f = flow[j]
      if (!seen.has(f.code)) {
        seen.add(f.code)
        out.push({
          key: `skipped:${f.code}`, kind: 'skipped', code: f.code, name: f.name, flow: f,
          stateLabel: '未经办理', stateType: 'info', dotType: 'info', hollow: true,
        })
      }
    }
    const first = !seen.has(s.step_code)
    seen.add(s.step_code)
    reached = Math.max(reached, i)
    const f = flow[i]
    const d = first ? own(f.code) : undefined
    const id = first && f.code === endCode && itemDeadline && present(itemDeadline.done) ? itemDeadline : undefined
    const w = worst(d, id)
    let stateLabel = first ? '已完成' : '重复记录'
    let stateType: TagType = first ? 'success' : 'warning'
    if (w === 'done_late') {
      stateLabel = deadlineStateLabel(w)
      stateType = 'danger'
    } else if (w === 'done_on_time') {
      stateLabel = deadlineStateLabel(w)
    }
    out.push({
      key: `step:${s.id}`, kind: 'flow', code: f.code, name: f.name, step: s, flow: f, deadline: d, itemDeadline: id,
      stateLabel, stateType, dotType: stateType, hollow: false,
    })
  }

  if (c.status !== 'closed') {
    for (let j = reached + 1; j < flow.length; j++) {
      const f = flow[j]
      if (seen.has(f.code)) continue
      const d = own(f.code)
      const id = f.code === endCode && itemDeadline && !present(itemDeadline.done) ? itemDeadline : undefined
      const w = worst(d, id)
      const stateLabel = w ? (w === 'running' ? '办理中' : deadlineStateLabel(w)) : '待办理'
      const stateType: TagType = w ? deadlineStateTagType(w) : 'info'
      out.push({
        key: `pending:${f.code}`, kind: 'pending', code: f.code, name: f.name, flow: f, deadline: d, itemDeadline: id,
        stateLabel, stateType, dotType: w ? stateType : 'info', hollow: true,
      })
    }
  }
  return out
}

function clockEntry(item: PowerItem, s: Step, extensions: Extension[]): TimelineEntry {
  const base = { key: `step:${s.id}`, kind: 'clock' as const, code: s.step_code, name: stepName(item, s.step_code), step: s, hollow: false }
  switch (s.step_code) {
    case 'suspend':
      return { ...base, name: '中止计时', stateLabel: '中止', stateType: 'warning', dotType: 'warning' }
    case 'resume':
      return { ...base, name: '恢复计时', stateLabel: '恢复', stateType: 'primary', dotType: 'primary' }
    case 'extend': {
      const ext = extensions.find((e) => e.step_id === s.id)
      const approved = ext ? ext.approved : false // only the policies' view knows whether it was signed in time
      return {
        ...base, name: '延长办理期限', extension: ext,
        stateLabel: approved ? '延期已批准' : '延期未经批准', stateType: approved ? 'success' : 'danger',
        dotType: approved ? 'success' : 'danger',
      }
    }
  }
  return { ...base, stateLabel: '已记录', stateType: 'info', dotType: 'info' }
}

// ---- the step form -----------------------------------------------------------

export interface StepOption {
  value: string
  label: string
  /** Short notes shown beside the name: 风险防控点, 需审核, 终止计时. */
  notes: string[]
}

export interface StepOptionGroup {
  label: string
  options: StepOption[]
}

/** The step codes the form offers: the item's flow, then 中止, 恢复, 延期. */
export function stepOptions(item: PowerItem): StepOptionGroup[] {
  const flow = (item.steps ?? []).map((f) => {
    const notes: string[] = []
    if (f.risk_checkpoint) notes.push('风险防控点')
    else if (f.requires_approval) notes.push('需审核')
    if (f.time_limit_days) notes.push(`时限 ${f.time_limit_days} 天`)
    return { value: f.code, label: f.name, notes }
  })
  return [
    { label: '办理流程', options: flow },
    {
      label: '计时调整',
      options: CLOCK_STEPS.map((c) => ({ value: c, label: STEP_KIND_LABELS[c] ?? c, notes: c === 'extend' ? ['需批准'] : [] })),
    },
  ]
}

/** The step the form proposes next: resume when suspended, else the flow step after the last one done. */
export function nextStepCode(item: PowerItem, c: Pick<CaseView, 'steps' | 'status'>): string {
  const flow = item.steps ?? []
  if (c.status === 'suspended') return 'resume'
  let reached = -1
  for (const s of c.steps ?? []) {
    const i = flow.findIndex((f) => f.code === s.step_code)
    if (i > reached) reached = i
  }
  return flow[Math.min(reached + 1, flow.length - 1)]?.code ?? ''
}

/** Whether a step with code needs an approval (risk checkpoint, a required approver, or an extension). */
export function needsApproval(item: PowerItem | null | undefined, code: string): boolean {
  if (code === 'extend') return true
  const f = item?.steps?.find((s) => s.code === code)
  return !!f && (!!f.risk_checkpoint || !!f.requires_approval)
}

/** The role whose approval a step needs ('dept_admin' when the item does not say). */
export function approvalRole(item: PowerItem | null | undefined, code: string): string {
  const f = item?.steps?.find((s) => s.code === code)
  return f?.requires_approval || 'dept_admin'
}

/** The step form; occurredAt and approvalAt hold Beijing time in their local fields (beijingWallClock). */
export interface StepForm {
  caseNo: string
  stepCode: string
  handler: string
  occurredAt: Date | null
  legalBasisIds: string[]
  tier: string
  amount: number | null | undefined
  extensionDays: number | null | undefined
  reason: string
  approvalRole: string
  approvalBy: string
  approvalAt: Date | null
  /** New case only. */
  itemCode?: string
  applicant?: string
}

/** The body of POST /api/v1/steps for form, under the idempotency key id. */
export function stepBody(form: StepForm, id: string, isNewCase: boolean): Record<string, unknown> {
  const body: Record<string, unknown> = {
    id,
    case_no: form.caseNo.trim(),
    step_code: form.stepCode,
    handler: form.handler.trim(),
    occurred_at: form.occurredAt ? wallClockRfc3339(form.occurredAt) : '',
    legal_basis_ids: [...form.legalBasisIds],
    approvals: [],
    attributes: {},
  }
  if (isNewCase) {
    body.power_item_code = form.itemCode ?? ''
    body.applicant = (form.applicant ?? '').trim()
  }
  if (form.tier) body.discretion = { tier: form.tier, amount: form.amount ?? 0 }
  const attributes: Record<string, unknown> = {}
  if (form.stepCode === 'extend' && form.extensionDays != null) attributes.extension_days = form.extensionDays
  if (form.stepCode === 'suspend' && form.reason.trim()) attributes.reason = form.reason.trim()
  body.attributes = attributes
  if (form.approvalBy.trim()) {
    body.approvals = [{
      role: form.approvalRole,
      by: form.approvalBy.trim(),
      at: wallClockRfc3339(form.approvalAt ?? form.occurredAt ?? beijingWallClock()),
    }]
  }
  return body
}

/**
 * Places the 422 field errors (fieldErrors(e)) on the form's fields: a
 * detail for `legal_basis_ids[1]` or `discretion.tier` goes to the field it
 * starts with, when that field is shown. What has no field on the form is
 * returned in rest, to be shown above it.
 */
export function placeErrors(errs: Record<string, string>, fields: string[]): { at: Record<string, string>; rest: string[] } {
  const at: Record<string, string> = {}
  const rest: string[] = []
  // Longest field names first, so 'discretion.tier' wins over 'discretion'.
  const sorted = [...fields].sort((a, b) => b.length - a.length)
  for (const [k, msg] of Object.entries(errs)) {
    const f = sorted.find((f) => k === f || k.startsWith(`${f}[`) || k.startsWith(`${f}.`))
    if (f) at[f] = at[f] ? `${at[f]}；${msg}` : msg
    else rest.push(msg)
  }
  return { at, rest }
}

/** Chinese names of the bases a discretion tier may be set on. */
const TIER_BASE_LABELS: Record<string, string> = {
  goods_value: '货值金额',
  illegal_income: '违法所得',
  contract_price: '合同价款',
  project_price: '工程合同价款',
  bid_amount: '中标项目金额',
  tax_amount: '应纳税款',
  illegal_turnover: '违法经营额',
}

/** A tier's range as a person reads it: 1,000–5,000 元, 货值金额的 10–20 倍, 合同价款的 0.5%–1%. */
export function tierRange(t: Tier): string {
  const yuan = (n: number | undefined) => (n ?? 0).toLocaleString('zh-CN')
  if (!t.base) return `${yuan(t.min)}–${yuan(t.max)} 元`
  const base = TIER_BASE_LABELS[t.base] ?? t.base
  if (t.max_multiple) return `${base}的 ${t.min_multiple ?? 0}–${t.max_multiple} 倍`
  const pct = (r: number | undefined) => `${Math.round((r ?? 0) * 100000) / 1000}%`
  return `${base}的 ${pct(t.min_rate)}–${pct(t.max_rate)}`
}
