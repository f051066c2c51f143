// Pure logic of the patrol page: the ledger's shapes, a month's period,
// day status → colour, and patrol times as RFC 3339 in Asia/Shanghai.
import { dayKindLabel, wallClockText } from '../../format'
import type { DayStatus, TagType } from '../../format'

/** Why a patrol does not count for its day (internal/compliance/patrols.go PatrolNotCounted). */
export type NotCountedReason = 'recorded_late' | 'recorded_another_day'

/**
 * One patrol of a ledger day: when it was claimed to take place (at) beside
 * when it was recorded, and whether it counts for the day.
 */
export interface PatrolEntry {
  id: number
  inspector: string
  at: string
  recorded_at: string
  counts: boolean
  not_counted_reason?: NotCountedReason | ''
}

/**
 * One day of GET /api/v1/ledgers/patrols (internal/compliance/patrols.go PatrolDay).
 * patrols counts the patrols that count; not_counted those recorded too late.
 */
export interface PatrolDay {
  date: string
  kind: string
  patrols: number
  status: string
  not_counted?: number
  entries?: PatrolEntry[]
}

/** GET /api/v1/ledgers/patrols. Days after today are not listed. */
export interface PatrolLedger {
  department_code: string
  from: string
  to: string
  days: PatrolDay[]
}

/** POST /api/v1/patrols answers the stored patrol, whether it counts, and the warnings it raised. */
export interface Patrol {
  id: number
  department_code: string
  inspector: string
  at: string
  findings: string
  problems: string[]
  created_at: string
  recorded_at?: string
  counts?: boolean
  warnings?: { rule: string; level: string; message: string; key?: string }[]
}

/**
 * Hours after its claimed time within which a patrol must be recorded, on
 * the same day, to count (compliance.PatrolEntryWindow).
 */
export const PATROL_ENTRY_HOURS = 2

/** Why a patrol does not count, in words; '' when it counts. */
export function notCountedText(e: Pick<PatrolEntry, 'counts' | 'not_counted_reason'>): string {
  if (e.counts) return ''
  switch (e.not_counted_reason) {
    case 'recorded_another_day':
      return '不计入当日：未在巡查当日录入'
    case 'recorded_late':
      return `不计入当日：巡查后超过 ${PATROL_ENTRY_HOURS} 小时才录入`
  }
  return '不计入当日'
}

/** The patrols of a day that do not count, as a cell line ('' when none). */
export function notCountedLine(day: Pick<PatrolDay, 'not_counted'> | null | undefined): string {
  const n = day?.not_counted ?? 0
  return n > 0 ? `另 ${n} 次不计入` : ''
}

/**
 * Patrols a working day needs (compliance.PatrolsPerWorkday). The ledger's
 * statuses are computed with the same number on the server.
 */
export const PATROLS_PER_WORKDAY = 2

const MONTH = /^(\d{4})-(\d{2})$/

/** Whether s is 'YYYY-MM' with a real month. */
export function isMonth(s: unknown): s is string {
  if (typeof s !== 'string') return false
  const m = MONTH.exec(s)
  return !!m && Number(m[2]) >= 1 && Number(m[2]) <= 12
}

const pad = (n: number) => String(n).padStart(2, '0')

/** The first and last day ('YYYY-MM-DD') of month 'YYYY-MM'. */
export function monthRange(month: string): { from: string; to: string } {
  const [y, m] = month.split('-').map(Number)
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate()
  return { from: `${y}-${pad(m)}-01`, to: `${y}-${pad(m)}-${pad(last)}` }
}

/** month moved by delta months: shiftMonth('2026-01', -1) = '2025-12'. */
export function shiftMonth(month: string, delta: number): string {
  const [y, m] = month.split('-').map(Number)
  const i = y * 12 + (m - 1) + delta
  return `${Math.floor(i / 12)}-${pad((i % 12) + 1)}`
}

/** 'YYYY-MM' of a Date as the calendar widget holds it (the browser's local day). */
export function monthOfLocalDate(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}`
}

/** The browser-local Date of the first day of 'YYYY-MM' (for el-calendar's v-model). */
export function localDateOfMonth(month: string): Date {
  const [y, m] = month.split('-').map(Number)
  return new Date(y, m - 1, 1)
}

/** The wall-clock time of now in Asia/Shanghai, 'YYYY-MM-DDTHH:mm:ss' (the patrol form's value). */
export function shanghaiWallClock(now: Date = new Date()): string {
  return wallClockText(now)
}

/**
 * A wall-clock time in Asia/Shanghai ('YYYY-MM-DDTHH:mm[:ss]') as RFC 3339
 * with its offset, e.g. '2026-11-27T09:30:00+08:00'. Empty for anything else.
 */
export function toRFC3339Shanghai(wall: string | null | undefined): string {
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?$/.exec(wall ?? '')
  if (!m) return ''
  return `${m[1]}T${m[2]}:${m[3]}:${m[4] ?? '00'}+08:00`
}

/** CSS class of a calendar cell by day status. */
export function dayStatusClass(status: string | null | undefined): string {
  switch (status) {
    case 'ok':
      return 'day-ok'
    case 'insufficient':
      return 'day-insufficient'
    case 'missing':
      return 'day-missing'
    case 'not_required':
      return 'day-not-required'
  }
  return 'day-none'
}

/** Element Plus colour of a day status: ok green, insufficient orange, missing red, not required grey. */
export function dayStatusColour(status: string | null | undefined): TagType {
  const colours: Record<DayStatus, TagType> = {
    ok: 'success',
    insufficient: 'warning',
    missing: 'danger',
    not_required: 'info',
  }
  return colours[status as DayStatus] ?? 'info'
}

/** The day kind written in a cell: only the kinds that are not an ordinary workday. */
export function specialKindLabel(kind: string | null | undefined): string {
  return kind && kind !== 'workday' ? dayKindLabel(kind) : ''
}

/** Counts of a ledger's days by status, and its working days. */
export interface LedgerSummary {
  working: number
  ok: number
  insufficient: number
  missing: number
  not_required: number
  patrols: number
  /** Patrols recorded too late to count for their day. */
  not_counted: number
}

export function summarize(days: PatrolDay[]): LedgerSummary {
  const s: LedgerSummary = { working: 0, ok: 0, insufficient: 0, missing: 0, not_required: 0, patrols: 0, not_counted: 0 }
  for (const d of days) {
    s.patrols += d.patrols
    s.not_counted += d.not_counted ?? 0
    if (d.status === 'ok' || d.status === 'insufficient' || d.status === 'missing') {
      s.working++
      s[d.status]++
    } else if (d.status === 'not_required') {
      s.not_required++
    }
  }
  return s
}

/** Today's line: '今日已巡查 1/2', or for a day without patrol duty '今日休息日，无需巡查（已巡查 0 次）'. */
export function todayText(day: PatrolDay | null | undefined, required = PATROLS_PER_WORKDAY): string {
  if (!day) return `今日已巡查 0/${required}`
  if (day.status === 'not_required') {
    return `今日${dayKindLabel(day.kind)}，无需巡查（已巡查 ${day.patrols} 次）`
  }
  return `今日已巡查 ${day.patrols}/${required}`
}

/** Why a just-recorded patrol does not count, from its claimed and recorded times ('' when it counts). */
export function recordedReason(p: Pick<Patrol, 'at' | 'recorded_at' | 'counts'>): NotCountedReason | '' {
  if (p.counts !== false || !p.recorded_at) return ''
  const day = (iso: string) => shanghaiWallClock(new Date(iso)).slice(0, 10)
  return day(p.at) === day(p.recorded_at) ? 'recorded_late' : 'recorded_another_day'
}
