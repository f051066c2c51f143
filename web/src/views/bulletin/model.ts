// The quarterly bulletin (季度通报): its shape as GET /api/v1/reports/quarterly
// answers it, and the quarters one may ask for.

export interface BulletinRow {
  rank: number
  department_code: string
  department_name: string
  items_in_force: number
  items_changed: number
  cases_accepted: number
  prewarnings: number
  alarms: number
  warnings_handled: number
  warnings_rectified: number
  rectification_rate: number
  patrol: { working_days: number; ok_days: number; insufficient_days: number; missing_days: number }
  patrol_compliance: number
  zero_case_months: number
  late_explanations: number
  missing_explanations: number
  score: number
}

export interface QuarterlyBulletin {
  title: string
  district_name: string
  issuer: string
  quarter: string
  from: string
  to: string
  generated_at: string
  rows: BulletinRow[]
  score_formula: string
}

const QUARTER = /^(\d{4})-Q([1-4])$/

/** The quarter a day (YYYY-MM-DD) falls in: 2026-Q2. */
export function quarterOf(day: string): string {
  return `${day.slice(0, 4)}-Q${Math.floor((Number(day.slice(5, 7)) - 1) / 3) + 1}`
}

/** The quarter n quarters after q (n may be negative). */
export function shiftQuarter(q: string, n: number): string {
  const m = QUARTER.exec(q)
  if (!m) return q
  const i = Number(m[1]) * 4 + Number(m[2]) - 1 + n
  return `${Math.floor(i / 4)}-Q${(i % 4) + 1}`
}

export function isQuarter(q: unknown): q is string {
  return typeof q === 'string' && QUARTER.test(q)
}

/** The quarters to choose from, newest first: this one and the n − 1 before it. */
export function quarterOptions(today: string, n = 8): { value: string; label: string }[] {
  const cur = quarterOf(today)
  return Array.from({ length: n }, (_, i) => {
    const q = shiftQuarter(cur, -i)
    return { value: q, label: quarterLabel(q) }
  })
}

/** '2026-Q1' → '2026年第一季度'. */
export function quarterLabel(q: string): string {
  const m = QUARTER.exec(q)
  if (!m) return q
  return `${m[1]}年第${'一二三四'[Number(m[2]) - 1]}季度`
}

/** The quarter the page opens on: the one asked for if it has begun, else the last one that is over. */
export function initialQuarter(asked: unknown, today: string): string {
  const cur = quarterOf(today)
  if (isQuarter(asked) && asked <= cur) return asked
  return shiftQuarter(cur, -1)
}

/** A ratio as a percentage with one decimal. */
export function pct(r: number): string {
  return `${(Math.round(r * 1000) / 10).toFixed(1)}%`
}

/** The short name an office's 文号 starts with: 区政务服务管理办公室 → 区政管办. */
export function issuerPrefix(issuer: string): string {
  return issuer.includes('政务服务管理') ? '区政管办' : issuer.replace(/(委员会|办公室)$/, '') || '区政管办'
}
