// The inbox and its routing table, as the console shows them: pure helpers,
// so that the pages stay thin and the rules are tested on their own.
import { ROLE_LABELS, LEVEL_LABELS, TRANSITION_ACTION_LABELS, type Role } from '@/format'

export type EventName =
  | 'warning.raised'
  | 'warning.escalated'
  | 'warning.transitioned'
  | 'warning.lifted'
  | 'approval.waiting'
  | 'explanation.due'
  | 'patrol.short'
  | 'policy.published'

/** One notification of GET /api/v1/notifications. */
export interface Notification {
  id: number
  event_id: string
  event: EventName | string
  at: string
  read_at: string | null
  title: string
  summary: string
  link: string
  data: Record<string, unknown>
}

export interface InboxPage {
  items: Notification[]
  next_cursor: string | null
  unread: number
}

/** One rule of GET/PUT /api/v1/notifications/routes. */
export interface Route {
  event: EventName | string
  level?: string
  action?: string
  roles: string[]
  handler: boolean
  approver: boolean
}

export interface RoutesTable {
  routes: Route[]
  updated_by?: string
  updated_at?: string | null
}

export const EVENT_NAMES: EventName[] = [
  'warning.raised',
  'warning.escalated',
  'warning.transitioned',
  'warning.lifted',
  'approval.waiting',
  'explanation.due',
  'patrol.short',
  'policy.published',
]

export const EVENT_LABELS: Record<EventName, string> = {
  'warning.raised': '新增预警/报警',
  'warning.escalated': '预警升级',
  'warning.transitioned': '预警状态变更',
  'warning.lifted': '预警解除',
  'approval.waiting': '等待审核',
  'explanation.due': '书面说明到期',
  'patrol.short': '巡查次数不足',
  'policy.published': '策略发布',
}

type TagType = 'primary' | 'success' | 'warning' | 'danger' | 'info'

/** The event's name in Chinese; an unknown one as it is. */
export function eventLabel(e: string): string {
  return EVENT_LABELS[e as EventName] ?? e
}

/** The tag colour of a notification: alarms and escalations red. */
export function eventTagType(n: Pick<Notification, 'event' | 'data'>): TagType {
  if (n.event === 'warning.escalated') return 'danger'
  if (n.event === 'warning.raised') return n.data?.level === 'alarm' ? 'danger' : 'warning'
  if (n.event === 'patrol.short' || n.event === 'explanation.due') return 'warning'
  if (n.event === 'approval.waiting') return 'primary'
  return 'info'
}

/** Unread first, then newest first: the order the server answers in. */
export function sortInbox(items: Notification[]): Notification[] {
  return [...items].sort((a, b) => {
    const ua = a.read_at === null ? 0 : 1
    const ub = b.read_at === null ? 0 : 1
    return ua - ub || b.id - a.id
  })
}

/** The list with notification id marked read at at. */
export function markRead(items: Notification[], id: number, at: string): Notification[] {
  return items.map((n) => (n.id === id && n.read_at === null ? { ...n, read_at: at } : n))
}

/** The list with every notification marked read at at. */
export function markAllRead(items: Notification[], at: string): Notification[] {
  return items.map((n) => (n.read_at === null ? { ...n, read_at: at } : n))
}

/** What the bell shows: nothing for none, 99+ past 99. */
export function bellText(unread: number): string {
  if (!unread || unread < 0) return ''
  return unread > 99 ? '99+' : String(unread)
}

/** A link the console may follow: a path of its own, never another site. */
export function safeLink(link: string | undefined | null): string {
  if (!link || !link.startsWith('/') || link.startsWith('//')) return ''
  return link
}

/** Who a route reaches, in Chinese: 部门管理员、监察人员、经办人. */
export function routeAudience(r: Route): string {
  const who = r.roles.map((x) => ROLE_LABELS[x as Role] ?? x)
  if (r.handler) who.push('经办人')
  if (r.approver) who.push('审核人')
  return who.join('、') || '（无人）'
}

/** The filter of a route, in Chinese: 仅报警, 仅移送监察; '' when none. */
export function routeFilter(r: Route): string {
  const parts: string[] = []
  if (r.level) parts.push(`仅${LEVEL_LABELS[r.level as keyof typeof LEVEL_LABELS] ?? r.level}`)
  if (r.action) parts.push(`仅${TRANSITION_ACTION_LABELS[r.action as keyof typeof TRANSITION_ACTION_LABELS] ?? r.action}`)
  return parts.join('，')
}

export function isWarningEvent(e: string): boolean {
  return e.startsWith('warning.')
}

/** The route as PUT sends it: filters only where they apply, no empty ones. */
export function cleanRoute(r: Route): Route {
  const out: Route = { event: r.event, roles: [...r.roles], handler: r.handler, approver: r.approver && r.event === 'approval.waiting' }
  if (r.level && isWarningEvent(r.event)) out.level = r.level
  if (r.action && r.event === 'warning.transitioned') out.action = r.action
  return out
}

/** A route's problem before it is sent, or null. */
export function routeProblem(r: Route): string | null {
  if (!EVENT_NAMES.includes(r.event as EventName)) return '请选择事件'
  if (r.roles.length === 0 && !r.handler && !(r.approver && r.event === 'approval.waiting')) {
    return '须至少选择一个角色，或经办人、审核人'
  }
  return null
}

/** Field errors of a 422 (routes[3].roles[0]) by row: {3: '…'}. */
export function rowErrors(fields: Record<string, string>): Record<number, string> {
  const out: Record<number, string> = {}
  for (const [k, msg] of Object.entries(fields)) {
    const m = /^routes\[(\d+)\]/.exec(k)
    if (!m) continue
    const i = Number(m[1])
    out[i] = out[i] ? `${out[i]}；${msg}` : msg
  }
  return out
}
