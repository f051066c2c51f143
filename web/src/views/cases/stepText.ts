// How the case page words a step's details and a deadline's period. Pure
// functions only (unit-tested).

import { unitLabel } from '../../format'
import type { Deadline, PowerItem, Step } from './types'

/** A legal basis cited by id, as "title + article"; an id the item does not list says so. */
export function basisText(item: PowerItem | null | undefined, id: string): string {
  const b = item?.legal_bases?.find((x) => x.id === id)
  return b ? `${b.title}${b.article}` : `${id}（清单中没有）`
}

/** A deadline's length with its extension and the suspended days left out. */
export function periodText(d: Pick<Deadline, 'days' | 'unit' | 'extension_days' | 'suspended_days'>): string {
  let t = `${d.days} 个${unitLabel(d.unit)}`
  if (d.extension_days > 0) t += `，延长 ${d.extension_days} 天`
  if (d.suspended_days && d.suspended_days > 0) t += `，扣除中止 ${d.suspended_days} 天`
  return t
}

/** An amount of money in yuan, grouped the Chinese way. */
export const money = (n: number) => n.toLocaleString('zh-CN')

/** The days an extension step asks for, from its attributes. */
export function extensionDays(s: Pick<Step, 'attributes'>): string {
  const n = s.attributes?.extension_days
  return typeof n === 'number' ? `${n} 天` : '未写明'
}

/** The reason a suspension step gives ('' when none). */
export function attributeReason(s: Pick<Step, 'attributes'>): string {
  const r = s.attributes?.reason
  return typeof r === 'string' ? r : ''
}

/** Entered more than an hour after it occurred. */
export function enteredLate(s: Pick<Step, 'recorded_at' | 'occurred_at'>): boolean {
  return Date.parse(s.recorded_at) - Date.parse(s.occurred_at) > 3600_000
}
