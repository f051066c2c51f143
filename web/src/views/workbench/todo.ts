// The workbench's to-do list, built from GET /api/v1/workbench for a role.
// Pure: unit-tested in todo.test.ts.

import type { RouteLocationRaw } from 'vue-router'
import { formatDate, formatMonth } from '../../format'
import type { Role, TagType } from '../../format'
import type { CaseSummary } from '../cases/types'

/** GET /api/v1/workbench (internal/compliance/caselist.go Workbench). */
export interface WorkbenchData {
  /** Unsettled (open up to referred) warnings of my scope, by level. */
  open_alarms: number
  open_prewarnings: number
  /** Unsettled warnings whose next move is my role's. */
  warnings_to_answer: number
  approvals_pending: number
  /** dept_inspector, dept_admin. */
  patrols_today: { date: string; kind?: string; done: number; required: number; status?: string } | null
  /** dept_admin: last month's explanation. */
  explanation: { month: string; required: boolean; due: string | null; submitted: boolean } | null
  /** Meaningful for legal and dept_admin (0 for the others). */
  adjustments_pending: number | null
  /** Open cases with an unsettled deadline pre-warning or alarm. */
  cases_due_soon: CaseSummary[]
}

export interface TodoLink {
  text: string
  to: RouteLocationRaw
  type?: TagType
}

export interface Todo {
  key: string
  title: string
  detail: string
  /** What the state tag says. */
  state: string
  stateType: TagType
  /** Still something to do. */
  pending: boolean
  links: TodoLink[]
}

/** Roles that act on warnings (explain, rectify, verify, refer, close). */
const WARNING_ROLES: Role[] = ['dept_admin', 'dept_inspector', 'oversight', 'supervision']
/** Roles that sign checkpoint approvals (审核) with their own accounts. */
const APPROVER_ROLES: Role[] = ['dept_admin', 'dept_inspector', 'legal']

/** What answering a warning means for a role. */
const ANSWER_VERBS: Record<string, string> = {
  dept_admin: '说明或整改',
  dept_inspector: '说明或整改',
  oversight: '核实',
  supervision: '办结',
}

const warningsLink = (text: string, query: Record<string, string>, type?: TagType): TodoLink => ({
  text,
  to: { path: '/warnings', query },
  type,
})

/** Where a role's warnings to answer are listed: the statuses its next move starts from. */
function answerLinks(role: Role | undefined): TodoLink[] {
  switch (role) {
    case 'oversight':
      return [
        warningsLink('已说明待核实', { status: 'explained' }),
        warningsLink('已整改待核实', { status: 'rectified' }),
      ]
    case 'supervision':
      return [warningsLink('已移送', { status: 'referred' })]
    default:
      return [
        warningsLink('待处理报警', { status: 'open', level: 'alarm' }, 'danger'),
        warningsLink('待处理预警', { status: 'open', level: 'prewarning' }, 'warning'),
      ]
  }
}

const n = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0)

/** The to-do items of role, in the order a person works through them. */
export function buildTodos(d: WorkbenchData, role: Role | null | undefined, today: string): Todo[] {
  const out: Todo[] = []
  const r = role ?? undefined

  const answer = n(d.warnings_to_answer)
  if ((r && WARNING_ROLES.includes(r)) || answer > 0) {
    out.push({
      key: 'warnings',
      title: '待处置的报（预）警',
      detail: answer > 0 ? `有 ${answer} 条报（预）警等待您${ANSWER_VERBS[r ?? ''] ?? '处置'}` : '没有等待您处置的报（预）警',
      state: answer > 0 ? `${answer} 条` : '无',
      stateType: answer > 0 ? 'danger' : 'success',
      pending: answer > 0,
      links: answerLinks(r),
    })
  }

  const approvals = n(d.approvals_pending)
  if ((r && APPROVER_ROLES.includes(r)) || approvals > 0) {
    out.push({
      key: 'approvals',
      title: '待签署的审核',
      detail: approvals > 0 ? `${approvals} 个风险防控点环节等待您审核` : '没有等待您审核的环节',
      state: approvals > 0 ? `${approvals} 件` : '无',
      stateType: approvals > 0 ? 'warning' : 'success',
      pending: approvals > 0,
      links: approvals > 0 ? [{ text: '查看待审核办件', to: { path: '/', hash: '#pending-approvals' } }] : [],
    })
  }

  const p = d.patrols_today
  if (p) {
    const done = n(p.done)
    const required = n(p.required)
    const ok = done >= required
    out.push({
      key: 'patrols',
      title: '今日巡查',
      detail: required === 0
        ? `${formatDate(p.date)}无需巡查`
        : ok ? `${formatDate(p.date)}已完成 ${done} 次巡查` : `${formatDate(p.date)}须巡查 ${required} 次，已完成 ${done} 次`,
      state: required === 0 ? '无需巡查' : `${done}/${required}`,
      stateType: ok ? 'success' : done > 0 ? 'warning' : 'danger',
      pending: !ok,
      links: [{ text: ok ? '查看巡查台账' : '记录巡查', to: '/patrols' }],
    })
  }

  const e = d.explanation
  if (e) {
    const link = [{ text: '查看月报', to: { path: '/reports/monthly', query: { month: e.month } } }]
    if (e.required && !e.submitted) {
      const late = !!e.due && today > e.due
      out.push({
        key: 'explanation',
        title: `${formatMonth(e.month)}书面说明`,
        detail: e.due ? `应于 ${formatDate(e.due)} 前提交负责人签字的书面说明${late ? '，已逾期' : ''}` : '须提交负责人签字的书面说明',
        state: late ? '已逾期' : '待提交',
        stateType: late ? 'danger' : 'warning',
        pending: true,
        links: [{ text: '提交说明', to: link[0].to }],
      })
    } else {
      out.push({
        key: 'explanation',
        title: `${formatMonth(e.month)}书面说明`,
        detail: e.submitted ? '书面说明已提交' : '该月无需提交书面说明',
        state: e.submitted ? '已提交' : '无需提交',
        stateType: 'success',
        pending: false,
        links: link,
      })
    }
  }

  if (r === 'legal' || r === 'dept_admin') {
    const a = n(d.adjustments_pending)
    out.push({
      key: 'adjustments',
      title: '待审批的事项调整',
      detail: a > 0 ? `${a} 项权力事项调整等待审批` : '没有等待审批的事项调整',
      state: a > 0 ? `${a} 项` : '无',
      stateType: a > 0 ? 'warning' : 'success',
      pending: a > 0,
      links: [],
    })
  }

  return out
}
