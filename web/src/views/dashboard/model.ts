// The dashboard's view model: the shapes of /api/v1/stats/*, the links each
// figure opens (the list it counts, with the same filter) and the series the
// charts draw. Every number comes from the server's aggregates; nothing here
// counts rows of a list.
import type { RouteLocationRaw } from 'vue-router'

export interface DepartmentFigures {
  department_code: string
  department_name: string
  warnings: number
  alarms: number
  prewarnings: number
  open_alarms: number
  open_prewarnings: number
  deadline_alarms: number
  alarms_rectified: number
  rectification_rate: number
  median_rectify_days: number | null
  rectified_measured: number
  cases: number
  overdue_cases: number
  overdue_rate: number
  closed_cases: number
  closed_on_time: number
  on_time_rate: number
}

export interface DepartmentStats {
  from: string
  to: string
  departments: DepartmentFigures[]
}

export interface WarningCountRow {
  department_code: string
  month: string
  level: string
  family: string
  count: number
}

export interface WarningStats {
  from: string
  to: string
  rows: WarningCountRow[] | null
}

export interface PatrolStatRow {
  department_code: string
  month: string
  working_days: number
  ok_days: number
  insufficient_days: number
  missing_days: number
  compliance: number
}

export interface ExplanationStatRow {
  department_code: string
  month: string
  status: 'not_required' | 'pending' | 'on_time' | 'late' | 'missing'
  due?: string
  submitted_on?: string
}

export interface Period {
  from: string
  to: string
}

const DATE = /^\d{4}-\d{2}-\d{2}$/

/** The default period: this month up to today, as the statistics API's default. */
export function defaultPeriod(today: string): Period {
  return { from: `${today.slice(0, 7)}-01`, to: today }
}

/** The period in a route query, when both dates are well formed and in order; else the default. */
export function periodFromQuery(q: Record<string, unknown>, today: string): Period {
  const from = typeof q.from === 'string' ? q.from : ''
  const to = typeof q.to === 'string' ? q.to : ''
  if (DATE.test(from) && DATE.test(to) && from <= to) return { from, to }
  return defaultPeriod(today)
}

/** Counts of the warnings list, with the dashboard's filter. */
export type WarningFilter = { level?: 'alarm' | 'prewarning'; status?: string; family?: string }

/** The warnings list a figure counts: /warnings?department=…&from=…&to=…&level=…. */
export function warningsLink(department: string | string[], period: Period, f: WarningFilter = {}): RouteLocationRaw {
  const dept = Array.isArray(department) ? department.join(',') : department
  const query: Record<string, string> = {}
  if (dept) query.department = dept
  if (f.level) query.level = f.level
  if (f.status) query.status = f.status
  if (f.family) query.family = f.family
  query.from = period.from
  query.to = period.to
  return { path: '/warnings', query }
}

/** The case list a figure counts: cases of a department accepted in the period. */
export function casesLink(department: string, period: Period, status = ''): RouteLocationRaw {
  const query: Record<string, string> = { department, from: period.from, to: period.to }
  if (status) query.status = status
  return { path: '/cases', query }
}

/** The days of month (YYYY-MM) that fall in the period. */
export function monthInPeriod(month: string, period: Period): Period {
  const first = `${month}-01`
  const [y, m] = month.split('-').map(Number)
  const lastDay = new Date(Date.UTC(y, m, 0)).getUTCDate()
  const last = `${month}-${String(lastDay).padStart(2, '0')}`
  return { from: first < period.from ? period.from : first, to: last > period.to ? period.to : last }
}

/** A ratio as a percentage with one decimal: 0.8571 → "85.7%". */
export function pct(r: number | null | undefined): string {
  if (r === null || r === undefined || Number.isNaN(r)) return '—'
  return `${(Math.round(r * 1000) / 10).toFixed(1)}%`
}

/** A rate the API gives as 0 when there was nothing to count: null then, so that it shows as — and not as 0%. */
export function rateOf(rate: number, counted: number): number | null {
  return counted > 0 ? rate : null
}

/** Days to one decimal, or — when nothing was measured. */
export function days(d: number | null | undefined): string {
  return d === null || d === undefined ? '—' : `${d.toFixed(1)} 天`
}

/** Warnings by month (rows) and family (columns), summed over departments and levels. */
export function monthFamilySeries(rows: WarningCountRow[]): { months: string[]; families: string[]; counts: number[][] } {
  const months = [...new Set(rows.map((r) => r.month))].sort()
  const families = [...new Set(rows.map((r) => r.family))].sort()
  const counts = families.map(() => months.map(() => 0))
  for (const r of rows) counts[families.indexOf(r.family)][months.indexOf(r.month)] += r.count
  return { months, families, counts }
}

/** A department's patrol compliance over the period: the sum of its months. */
export interface PatrolSummary {
  department_code: string
  working_days: number
  ok_days: number
  /** ok_days ÷ working_days; null when no working day was counted. */
  compliance: number | null
  months: PatrolStatRow[]
}

export function patrolSummaries(rows: PatrolStatRow[]): PatrolSummary[] {
  const by = new Map<string, PatrolSummary>()
  for (const r of rows) {
    let s = by.get(r.department_code)
    if (!s) {
      s = { department_code: r.department_code, working_days: 0, ok_days: 0, compliance: null, months: [] }
      by.set(r.department_code, s)
    }
    s.working_days += r.working_days
    s.ok_days += r.ok_days
    s.months.push(r)
  }
  for (const s of by.values()) s.compliance = s.working_days ? Math.round((s.ok_days / s.working_days) * 10000) / 10000 : null
  return [...by.values()]
}

/** A department's written explanations over the period. */
export interface ExplanationSummary {
  department_code: string
  required: number
  on_time: number
  late: number
  missing: number
  pending: number
  /** On time over those due (on time, late, missing); null when none was due. */
  on_time_rate: number | null
  /** The latest month not explained on time, for the link. */
  month: string
}

export function explanationSummaries(rows: ExplanationStatRow[]): ExplanationSummary[] {
  const by = new Map<string, ExplanationSummary>()
  for (const r of rows) {
    let s = by.get(r.department_code)
    if (!s) {
      s = { department_code: r.department_code, required: 0, on_time: 0, late: 0, missing: 0, pending: 0, on_time_rate: null, month: r.month }
      by.set(r.department_code, s)
    }
    if (r.status === 'not_required') continue
    s.required++
    s[r.status]++
    if (r.status === 'late' || r.status === 'missing') s.month = r.month
  }
  for (const s of by.values()) {
    const due = s.on_time + s.late + s.missing
    s.on_time_rate = due ? Math.round((s.on_time / due) * 10000) / 10000 : null
  }
  return [...by.values()]
}

/** The departments' open red and yellow cards as two bar series, in the table's order. */
export function cardSeries(ds: DepartmentFigures[]): { names: string[]; red: number[]; yellow: number[] } {
  return {
    names: ds.map((d) => d.department_name || d.department_code),
    red: ds.map((d) => d.open_alarms),
    yellow: ds.map((d) => d.open_prewarnings),
  }
}
