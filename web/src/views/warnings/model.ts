// Shapes of the warning API (internal/compliance/domain.go, lifecycle.go) and
// the pure logic of the 预警处置 pages: filters ⇄ URL query, which actions a role
// may take, and what each action's dialog asks for.

import type { LocationQuery } from 'vue-router'
import { allowedActions, TRANSITIONS } from '../../format'
import type { Role, TransitionAction, WarningStatus } from '../../format'

/** A warning as GET /api/v1/warnings lists it. */
export interface Warning {
  id: number
  rule: string
  family?: string
  level: string
  message: string
  basis: string
  key?: string
  department_code: string
  case_no: string
  step_id: string
  policy_revision: number
  status: string
  created_at: string
}

/** One step of a warning's lifecycle. */
export interface Transition {
  id: number
  warning_id: number
  action: string
  from: string
  to: string
  actor: string
  /** The actor's real name, when the account exists. */
  actor_name?: string
  role: string
  note: string
  reference?: string
  outcome?: string
  at: string
}

/** What the supervision bureau did with a referred warning. */
export interface Referral {
  reference: string
  referred_by: string
  referred_at: string
  outcome?: string
  closed_at?: string
}

/** GET /api/v1/warnings/{id} and the answer of a transition. */
export interface WarningView extends Warning {
  transitions: Transition[]
  referral?: Referral | null
}

/** A policy family with the rule ids it raises (GET /api/v1/rules). */
export interface RuleInfo {
  family: string
  rules: string[]
  title: string
  description?: string
  level: string
  basis?: string
  module: string
}

// ---- filters ----------------------------------------------------------------

/** The filters of GET /api/v1/warnings that the list offers; '' = not set. */
export interface WarningFilters {
  department: string[]
  level: string
  rule: string
  family: string
  status: string
  case_no: string
  from: string
  to: string
  overdue_unanswered: boolean
  order: 'desc' | 'asc'
}

export function emptyFilters(): WarningFilters {
  return {
    department: [],
    level: '',
    rule: '',
    family: '',
    status: '',
    case_no: '',
    from: '',
    to: '',
    overdue_unanswered: false,
    order: 'desc',
  }
}

const LEVELS = ['alarm', 'prewarning']
const STATUSES = ['open', 'explained', 'rectifying', 'rectified', 'verified', 'referred', 'closed', 'lifted']
const DATE = /^\d{4}-\d{2}-\d{2}$/

function first(v: LocationQuery[string] | undefined): string {
  const s = Array.isArray(v) ? v[0] : v
  return typeof s === 'string' ? s.trim() : ''
}

/**
 * The filters in a route's query (links such as /warnings?status=open&level=alarm).
 * Values the API would refuse are dropped, so a mistyped link still lists.
 */
export function filtersFromQuery(q: LocationQuery): WarningFilters {
  const f = emptyFilters()
  f.department = first(q.department)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
  const level = first(q.level)
  if (LEVELS.includes(level)) f.level = level
  const status = first(q.status)
  if (STATUSES.includes(status)) f.status = status
  f.rule = first(q.rule).slice(0, 128)
  f.family = first(q.family).slice(0, 128)
  f.case_no = first(q.case_no).slice(0, 64)
  const from = first(q.from)
  const to = first(q.to)
  if (DATE.test(from)) f.from = from
  if (DATE.test(to)) f.to = to
  f.overdue_unanswered = first(q.overdue_unanswered) === 'true'
  if (first(q.order) === 'asc') f.order = 'asc'
  return f
}

/** The filters as a route query (and API query): only what is set. */
export function filtersToQuery(f: WarningFilters): Record<string, string> {
  const q: Record<string, string> = {}
  if (f.department.length) q.department = f.department.join(',')
  if (f.level) q.level = f.level
  if (f.rule.trim()) q.rule = f.rule.trim()
  if (f.family.trim()) q.family = f.family.trim()
  if (f.status) q.status = f.status
  if (f.case_no.trim()) q.case_no = f.case_no.trim()
  if (f.from) q.from = f.from
  if (f.to) q.to = f.to
  if (f.overdue_unanswered) q.overdue_unanswered = 'true'
  if (f.order === 'asc') q.order = 'asc'
  return q
}

/** Whether any filter is set. */
export function hasFilters(f: WarningFilters): boolean {
  return Object.keys(filtersToQuery(f)).some((k) => k !== 'order')
}

// ---- actions ----------------------------------------------------------------

export type Action = TransitionAction

/** The actions role may take on a warning in status, in lifecycle order. */
export function actionsFor(status: string, role: Role | null | undefined): Action[] {
  if (!role) return []
  return allowedActions(status, role)
}

/** Whether role may take any lifecycle action at all (so the list shows an 操作 column). */
export function roleActs(role: Role | null | undefined): boolean {
  if (!role) return false
  return Object.values(TRANSITIONS).some((t) => t.roles.includes(role))
}

/** What the dialog of an action asks for, as lifecycle.go demands it. */
export interface ActionForm {
  /** The note must be filled in. */
  noteRequired: boolean
  /** The supervision bureau's case reference (移送). */
  reference: boolean
  /** How a referred warning ended (办结 of a referred one). */
  outcome: boolean
}

export function actionForm(action: Action, status: string): ActionForm {
  return {
    noteRequired: TRANSITIONS[action].note,
    reference: action === 'refer',
    outcome: action === 'close' && status === 'referred',
  }
}

/** Where an action leads. */
export function actionTarget(action: Action): WarningStatus {
  return TRANSITIONS[action].to
}

/** Button colour of an action. */
export function actionButtonType(action: Action): 'primary' | 'success' | 'warning' | 'danger' {
  switch (action) {
    case 'refer':
      return 'danger'
    case 'verify':
    case 'rectify':
      return 'success'
    case 'close':
      return 'warning'
    default:
      return 'primary'
  }
}

/** lifecycle.go referencePattern: letters, digits, 〔〕［］[]()（）【】_./:#- only. */
export const REFERENCE_PATTERN = /^[\p{L}\p{N}〔〕［］[\]()（）【】_./:#-]+$/u

export const NOTE_MAX = 2000
export const REFERENCE_MAX = 128
export const OUTCOME_MAX = 2000

/**
 * Checks an action's form as lifecycle.go does, before it is sent:
 * field → Chinese message; empty when it may be sent.
 */
export function validateAction(
  action: Action,
  status: string,
  v: { note: string; reference: string; outcome: string },
): Record<string, string> {
  const form = actionForm(action, status)
  const errs: Record<string, string> = {}
  const note = v.note.trim()
  if (form.noteRequired && note === '') errs.note = '请填写说明'
  else if ([...note].length > NOTE_MAX) errs.note = `说明不超过 ${NOTE_MAX} 字`
  if (form.reference) {
    const ref = v.reference
    if (ref === '') errs.reference = '请填写监察局案件编号'
    else if ([...ref].length > REFERENCE_MAX) errs.reference = `案件编号不超过 ${REFERENCE_MAX} 字`
    else if (!REFERENCE_PATTERN.test(ref)) errs.reference = '案件编号只能由文字、数字和〔〕()【】_./:#- 组成，不能有空格或引号'
  }
  if (form.outcome) {
    const out = v.outcome.trim()
    if (out === '') errs.outcome = '办结已移送的预警须填写处理结果'
    else if ([...out].length > OUTCOME_MAX) errs.outcome = `处理结果不超过 ${OUTCOME_MAX} 字`
  }
  return errs
}

/** The body of POST /api/v1/warnings/{id}/transitions. */
export function transitionBody(
  action: Action,
  status: string,
  v: { note: string; reference: string; outcome: string },
): { action: Action; note: string; reference?: string; outcome?: string } {
  const form = actionForm(action, status)
  const body: { action: Action; note: string; reference?: string; outcome?: string } = { action, note: v.note.trim() }
  if (form.reference) body.reference = v.reference
  if (action === 'close' && v.outcome.trim() !== '') body.outcome = v.outcome.trim()
  return body
}

/** '规则标题' for a rule id from GET /api/v1/rules ('' when unknown). */
export function ruleTitles(rules: RuleInfo[]): Map<string, string> {
  const m = new Map<string, string>()
  for (const r of rules) for (const id of r.rules ?? []) if (!m.has(id)) m.set(id, r.title)
  return m
}

/** The default policy families (policies/*.rego), for the 类别 filter. */
export const FAMILY_LABELS: Record<string, string> = {
  deadline: '办理时限',
  discretion: '自由裁量',
  legal_basis: '法律依据',
  checkpoint: '风险防控点',
  sequence: '办理流程',
  sync: '同步录入',
  followup: '跟踪督办',
  patrol: '日常巡查',
  report: '月报说明',
  catalog: '权力清单',
}

/** The families to offer: the known ones, then any other the active rules have. */
export function familyOptions(rules: RuleInfo[]): { value: string; label: string }[] {
  const out = Object.entries(FAMILY_LABELS).map(([value, label]) => ({ value, label }))
  for (const r of rules) {
    if (r.family && !out.some((o) => o.value === r.family)) out.push({ value: r.family, label: `其他类别（${r.family}）` })
  }
  return out
}

/** The rule filter's options, grouped by family: value = rule id, label = its title. */
export function ruleOptionGroups(rules: RuleInfo[]): { label: string; options: { value: string; label: string }[] }[] {
  const groups = new Map<string, { value: string; label: string }[]>()
  for (const r of rules) {
    const g = groups.get(r.family) ?? []
    for (const id of r.rules ?? []) if (!g.some((o) => o.value === id)) g.push({ value: id, label: r.title })
    groups.set(r.family, g)
  }
  return [...groups.entries()]
    .filter(([, options]) => options.length > 0)
    .map(([family, options]) => ({ label: FAMILY_LABELS[family] ?? `其他类别（${family}）`, options }))
}
