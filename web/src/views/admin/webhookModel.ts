// The 外部推送 page's pure logic: names, labels and the edit form's body.

import type { TagType } from '@/format'

export interface Webhook {
  name: string
  url: string
  events: string[]
  updated_by: string
  updated_at: string
}

export interface Attempt {
  at: string
  status?: number
  error?: string
  duration_ms: number
}

export type DeliveryStatus = 'pending' | 'delivered' | 'dead'

export interface Delivery {
  id: number
  webhook: string
  event_id: string
  event: string
  case_no?: string
  status: DeliveryStatus
  attempts: number
  next_at: string
  deadline: string
  delivered_at?: string
  created_at: string
  log: Attempt[]
}

/** The events an endpoint may subscribe to, in the server's order, with their Chinese names. */
export const EVENT_LABELS: Record<string, string> = {
  'warning.raised': '产生预警或报警',
  'warning.escalated': '预警升级为报警',
  'warning.transitioned': '预警处置流转',
  'warning.lifted': '预警解除',
  'approval.waiting': '待审核',
  'explanation.due': '书面说明待提交',
  'patrol.short': '巡查次数不足',
  'policy.published': '策略发布',
}

export const ALL_EVENTS = '*'

export const DELIVERY_STATUS_LABELS: Record<DeliveryStatus, string> = {
  pending: '待推送',
  delivered: '已送达',
  dead: '已放弃',
}

export const DELIVERY_STATUS_TAG_TYPES: Record<DeliveryStatus, TagType> = {
  pending: 'warning',
  delivered: 'success',
  dead: 'danger',
}

/** The events of an endpoint as people read them. */
export function eventsText(events: readonly string[]): string {
  if (events.includes(ALL_EVENTS)) return '全部事件'
  return events.map((e) => EVENT_LABELS[e] ?? e).join('、')
}

/** One attempt as a short line: the status code or the error, and the time taken. */
export function attemptText(a: Attempt): string {
  const what = a.status ? `HTTP ${a.status}` : a.error || '无应答'
  return `${what}（${a.duration_ms} 毫秒）`
}

export const NAME_PATTERN = /^[a-z0-9-]{1,40}$/

export interface WebhookForm {
  name: string
  url: string
  all: boolean
  events: string[]
  secret: string
}

/**
 * The body of PUT /webhooks/{name}: every event when all is chosen; the
 * secret only when one was typed (replacing keeps the stored one).
 */
export function webhookBody(f: WebhookForm): { url: string; events: string[]; secret?: string } {
  const body: { url: string; events: string[]; secret?: string } = {
    url: f.url.trim(),
    events: f.all ? [ALL_EVENTS] : [...f.events],
  }
  if (f.secret !== '') body.secret = f.secret
  return body
}

/** "username address" per line → {username: address}; the server checks each address. */
export function parseRecipients(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const line of text.split(/\r?\n/)) {
    const [user, addr] = line.trim().split(/[\s,，:：]+/)
    if (user && addr) out[user] = addr
  }
  return out
}

/** The recipients as lines, sorted by username. */
export function recipientsText(r: Record<string, string> | null | undefined): string {
  return Object.keys(r ?? {})
    .sort()
    .map((u) => `${u} ${r![u]}`)
    .join('\n')
}
