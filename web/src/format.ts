// Everything a person reads: dates in Asia/Shanghai and Chinese labels for the
// API's codes. Never show an API code itself; add a label here instead.

export const TIME_ZONE = 'Asia/Shanghai'

export type Role = 'admin' | 'legal' | 'oversight' | 'supervision' | 'dept_admin' | 'clerk' | 'dept_inspector'
export type Level = 'alarm' | 'prewarning'
export type WarningStatus =
  | 'open' | 'explained' | 'rectifying' | 'rectified' | 'verified' | 'referred' | 'closed' | 'lifted'
export type TransitionAction = 'explain' | 'begin_rectify' | 'rectify' | 'verify' | 'refer' | 'close'
export type CaseStatus = 'open' | 'suspended' | 'closed'
export type DayKind = 'workday' | 'makeup_workday' | 'holiday' | 'weekend'
export type DayStatus = 'ok' | 'insufficient' | 'missing' | 'not_required'
export type Unit = 'workday' | 'calendar'
/** Element Plus tag / alert colour. */
export type TagType = 'primary' | 'success' | 'info' | 'warning' | 'danger'

export const ROLES: Role[] = ['admin', 'legal', 'oversight', 'supervision', 'dept_admin', 'clerk', 'dept_inspector']
/** Roles that belong to one department (their account has a department_code). */
export const DEPARTMENT_ROLES: Role[] = ['dept_admin', 'clerk', 'dept_inspector']

export const ROLE_LABELS: Record<Role, string> = {
  admin: '电子政务办管理员',
  legal: '法制办',
  oversight: '政管办',
  supervision: '监察局',
  dept_admin: '部门负责人',
  clerk: '录入员',
  dept_inspector: '监察人员',
}

export const LEVEL_LABELS: Record<Level, string> = { alarm: '报警', prewarning: '预警' }

export const WARNING_STATUS_LABELS: Record<WarningStatus, string> = {
  open: '待处理',
  explained: '已说明',
  rectifying: '整改中',
  rectified: '已整改',
  verified: '已核实',
  referred: '已移送',
  closed: '已办结',
  lifted: '已解除',
}

export const WARNING_STATUS_TAG_TYPES: Record<WarningStatus, TagType> = {
  open: 'danger',
  explained: 'warning',
  rectifying: 'warning',
  rectified: 'primary',
  verified: 'success',
  referred: 'danger',
  closed: 'info',
  lifted: 'info',
}

/** Lifecycle actions (internal/compliance/lifecycle.go), as the buttons read. */
export const TRANSITION_ACTION_LABELS: Record<TransitionAction, string> = {
  explain: '书面说明',
  begin_rectify: '开始整改',
  rectify: '整改完成',
  verify: '核实',
  refer: '移送监察',
  close: '办结',
}

/**
 * The lifecycle graph of internal/compliance/lifecycle.go: for each action,
 * the statuses it may be taken from, where it leads, the roles that may take
 * it and whether a note is required. `lifted` is reached only by the system.
 */
export const TRANSITIONS: Record<TransitionAction, { from: WarningStatus[]; to: WarningStatus; roles: Role[]; note: boolean }> = {
  explain: { from: ['open'], to: 'explained', roles: ['dept_admin', 'dept_inspector'], note: true },
  begin_rectify: { from: ['open', 'explained'], to: 'rectifying', roles: ['dept_admin', 'dept_inspector'], note: true },
  rectify: { from: ['open', 'explained', 'rectifying'], to: 'rectified', roles: ['dept_admin', 'dept_inspector'], note: true },
  verify: { from: ['explained', 'rectified'], to: 'verified', roles: ['oversight'], note: false },
  refer: {
    from: ['open', 'explained', 'rectifying', 'rectified', 'verified'],
    to: 'referred',
    roles: ['oversight', 'supervision'],
    note: true,
  },
  close: { from: ['referred', 'verified'], to: 'closed', roles: ['supervision', 'oversight'], note: false },
}

/** The actions role may take on a warning in status (in lifecycle order). */
export function allowedActions(status: string, role: string | undefined): TransitionAction[] {
  return (Object.keys(TRANSITIONS) as TransitionAction[]).filter((a) => {
    const t = TRANSITIONS[a]
    return t.from.includes(status as WarningStatus) && t.roles.includes(role as Role)
  })
}

export const CASE_STATUS_LABELS: Record<CaseStatus, string> = { open: '办理中', suspended: '中止', closed: '已办结' }
export const CASE_STATUS_TAG_TYPES: Record<CaseStatus, TagType> = { open: 'primary', suspended: 'warning', closed: 'info' }

export const DAY_KIND_LABELS: Record<DayKind, string> = {
  workday: '工作日',
  makeup_workday: '调休上班日',
  holiday: '节假日',
  weekend: '休息日',
}

export const DAY_STATUS_LABELS: Record<DayStatus, string> = {
  ok: '达标',
  insufficient: '不足',
  missing: '未巡查',
  not_required: '无需巡查',
}
export const DAY_STATUS_TAG_TYPES: Record<DayStatus, TagType> = {
  ok: 'success',
  insufficient: 'warning',
  missing: 'danger',
  not_required: 'info',
}

export const UNIT_LABELS: Record<Unit, string> = { workday: '工作日', calendar: '自然日' }

/** Power item status (domain.go). */
export const ITEM_STATUS_LABELS: Record<string, string> = { active: '有效', suspended: '暂停', cancelled: '已取消' }
/** Whether the policies have run on a step (domain.go). */
export const CHECK_STATUS_LABELS: Record<string, string> = { checked: '已检查', unchecked: '待复查' }
/** A spot check's finding on a case (spotchecks.go). */
export const SPOT_RESULT_LABELS: Record<string, string> = { compliant: '合规', problem: '有问题' }
/** Special step codes of a case's flow (domain.go). */
export const STEP_KIND_LABELS: Record<string, string> = { suspend: '中止', resume: '恢复', extend: '延期' }

function label(map: Record<string, string>, code: string | null | undefined): string {
  if (code == null || code === '') return '—'
  return map[code] ?? '未知'
}

export const roleLabel = (role: string | null | undefined) => label(ROLE_LABELS, role)
export const levelLabel = (level: string | null | undefined) => label(LEVEL_LABELS, level)
export const levelTagType = (level: string | null | undefined): TagType => (level === 'alarm' ? 'danger' : 'warning')
export const warningStatusLabel = (s: string | null | undefined) => label(WARNING_STATUS_LABELS, s)
export const warningStatusTagType = (s: string | null | undefined): TagType =>
  WARNING_STATUS_TAG_TYPES[s as WarningStatus] ?? 'info'
export const transitionActionLabel = (a: string | null | undefined) => label(TRANSITION_ACTION_LABELS, a)
export const caseStatusLabel = (s: string | null | undefined) => label(CASE_STATUS_LABELS, s)
export const caseStatusTagType = (s: string | null | undefined): TagType => CASE_STATUS_TAG_TYPES[s as CaseStatus] ?? 'info'
export const dayKindLabel = (k: string | null | undefined) => label(DAY_KIND_LABELS, k)
export const dayStatusLabel = (s: string | null | undefined) => label(DAY_STATUS_LABELS, s)
export const dayStatusTagType = (s: string | null | undefined): TagType => DAY_STATUS_TAG_TYPES[s as DayStatus] ?? 'info'
export const unitLabel = (u: string | null | undefined) => label(UNIT_LABELS, u)
export const itemStatusLabel = (s: string | null | undefined) => label(ITEM_STATUS_LABELS, s)
export const checkStatusLabel = (s: string | null | undefined) => label(CHECK_STATUS_LABELS, s)
export const spotResultLabel = (s: string | null | undefined) => label(SPOT_RESULT_LABELS, s)

/** [{value, label}] for an el-select, in the map's order. */
export function options<K extends string>(labels: Record<K, string>): { value: K; label: string }[] {
  return (Object.keys(labels) as K[]).map((value) => ({ value, label: labels[value] }))
}

// ---- dates -----------------------------------------------------------------

interface Parts { year: number; month: number; day: number; hour: number; minute: number; second: number }

const partsFormat = new Intl.DateTimeFormat('en-US', {
  timeZone: TIME_ZONE,
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
  hour: 'numeric',
  minute: 'numeric',
  second: 'numeric',
  hourCycle: 'h23',
})

const plainDate = /^(\d{4})-(\d{2})-(\d{2})$/

function toDate(v: string | number | Date): Date | null {
  const d = v instanceof Date ? v : new Date(v)
  return Number.isNaN(d.getTime()) ? null : d
}

/** The wall-clock parts of an instant in Asia/Shanghai. */
function shanghai(d: Date): Parts {
  const p: Record<string, number> = {}
  for (const part of partsFormat.formatToParts(d)) {
    if (part.type !== 'literal') p[part.type] = Number(part.value)
  }
  return { year: p.year, month: p.month, day: p.day, hour: p.hour % 24, minute: p.minute, second: p.second }
}

const pad = (n: number) => String(n).padStart(2, '0')

/** The wall-clock time of an instant in Asia/Shanghai: 'YYYY-MM-DDTHH:mm:ss'. */
export function wallClockText(d: Date = new Date()): string {
  const p = shanghai(d)
  return `${p.year}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}`
}

type DateInput = string | number | Date | null | undefined

/**
 * '2026年11月27日'. A plain date 'YYYY-MM-DD' is a calendar day and is shown as
 * it is; a timestamp is shown as the day it is in Asia/Shanghai. Empty → '—'.
 */
export function formatDate(v: DateInput): string {
  if (v == null || v === '') return '—'
  if (typeof v === 'string') {
    const m = plainDate.exec(v)
    if (m) return `${Number(m[1])}年${Number(m[2])}月${Number(m[3])}日`
  }
  const d = toDate(v)
  if (!d) return String(v)
  const p = shanghai(d)
  return `${p.year}年${p.month}月${p.day}日`
}

/** '2026年11月27日 09:30' in Asia/Shanghai. Empty → '—'. */
export function formatDateTime(v: DateInput): string {
  if (v == null || v === '') return '—'
  if (typeof v === 'string' && plainDate.test(v)) return formatDate(v)
  const d = toDate(v)
  if (!d) return String(v)
  const p = shanghai(d)
  return `${p.year}年${p.month}月${p.day}日 ${pad(p.hour)}:${pad(p.minute)}`
}

/** '2026-11' → '2026年11月'. Empty → '—'. */
export function formatMonth(v: string | null | undefined): string {
  if (!v) return '—'
  const m = /^(\d{4})-(\d{1,2})/.exec(v)
  return m ? `${Number(m[1])}年${Number(m[2])}月` : v
}

/** 'YYYY-MM-DD' of an instant in Asia/Shanghai (for API parameters). */
export function ymd(d: Date | string | number): string {
  const date = toDate(d)
  if (!date) return ''
  const p = shanghai(date)
  return `${p.year}-${pad(p.month)}-${pad(p.day)}`
}

/** Today in Asia/Shanghai, 'YYYY-MM-DD'. */
export function today(now: Date = new Date()): string {
  return ymd(now)
}

/** This month in Asia/Shanghai, 'YYYY-MM'. */
export function currentMonth(now: Date = new Date()): string {
  return ymd(now).slice(0, 7)
}

/** Working days left on a case: '剩 3 个工作日', '今日到期', '超期 2 个工作日', null → '—'. */
export function workdaysLeftText(n: number | null | undefined): string {
  if (n == null) return '—'
  if (n < 0) return `超期 ${-n} 个工作日`
  if (n === 0) return '今日到期'
  return `剩 ${n} 个工作日`
}
