// Shapes of the spot-check API (internal/compliance/spotchecks.go) and the
// pure logic of the 抽查 pages.

/** A spot check as GET /api/v1/spot-checks lists it. */
export interface SpotCheck {
  id: number
  departments: string[]
  from: string
  to: string
  size: number
  seed: number
  note: string
  created_by: string
  created_at: string
  sampled: number
  examined: number
  problems: number
}

export interface SpotCheckFinding {
  result: 'compliant' | 'problem' | string
  note: string
  recorded_by: string
  recorded_at: string
}

export interface SpotCheckCase {
  case_no: string
  department_code: string
  power_item_code: string
  finding: SpotCheckFinding | null
}

/** GET /api/v1/spot-checks/{id}: the check with its sample, in the order drawn. */
export interface SpotCheckView extends SpotCheck {
  cases: SpotCheckCase[]
}

export const MAX_SPOT_CHECK_SIZE = 1000

/** The draw form, as the page edits it. */
export interface DrawForm {
  departments: string[]
  period: [string, string] | null
  size: number
  seed: string
  note: string
}

/**
 * Checks the draw form as spotchecks.go does, before it is sent:
 * field → Chinese message (field names as the API's 422 details use them).
 */
export function validateDraw(f: DrawForm): Record<string, string> {
  const errs: Record<string, string> = {}
  if (!f.period || !f.period[0] || !f.period[1]) errs.from = '请选择受理期间'
  if (!Number.isInteger(f.size) || f.size < 1 || f.size > MAX_SPOT_CHECK_SIZE) {
    errs.size = `抽查数量须为 1–${MAX_SPOT_CHECK_SIZE}`
  }
  const seed = f.seed.trim()
  if (seed !== '' && !(/^-?\d{1,16}$/.test(seed) && Number.isSafeInteger(Number(seed)))) {
    errs.seed = '随机种子须为整数（不超过 16 位）'
  }
  if ([...f.note.trim()].length > 2000) errs.note = '说明不超过 2000 字'
  return errs
}

/** The body of POST /api/v1/spot-checks. */
export function drawBody(f: DrawForm): {
  departments: string[]
  from: string
  to: string
  size: number
  seed?: number
  note: string
} {
  const body: { departments: string[]; from: string; to: string; size: number; seed?: number; note: string } = {
    departments: [...f.departments],
    from: f.period?.[0] ?? '',
    to: f.period?.[1] ?? '',
    size: f.size,
    note: f.note.trim(),
  }
  if (f.seed.trim() !== '') body.seed = Number(f.seed.trim())
  return body
}

/**
 * The API's 422 field names of a draw, mapped onto the form's items
 * (to → the period; departments[3] → departments).
 */
export function drawFieldErrors(fe: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(fe)) {
    const key = k === 'from' || k === 'to' ? 'period' : k.startsWith('departments') ? 'departments' : k
    out[key] = out[key] ? `${out[key]}；${v}` : v
  }
  return out
}

/** Which sampled cases to show. */
export type FindingFilter = 'all' | 'pending' | 'compliant' | 'problem'

export function matchesFinding(c: SpotCheckCase, f: FindingFilter): boolean {
  switch (f) {
    case 'pending':
      return !c.finding
    case 'compliant':
      return c.finding?.result === 'compliant'
    case 'problem':
      return c.finding?.result === 'problem'
    default:
      return true
  }
}

/** Checks a finding as spotchecks.go does: a problem needs a note. */
export function validateFinding(result: string, note: string): Record<string, string> {
  const errs: Record<string, string> = {}
  if (result !== 'compliant' && result !== 'problem') errs.result = '请选择检查结论'
  const n = note.trim()
  if (result === 'problem' && n === '') errs.note = '发现问题的，须说明问题'
  if ([...n].length > 2000) errs.note = '说明不超过 2000 字'
  return errs
}

/** Recounts a spot check's progress after a finding changed. */
export function recount(v: SpotCheckView): SpotCheckView {
  const examined = v.cases.filter((c) => c.finding).length
  const problems = v.cases.filter((c) => c.finding?.result === 'problem').length
  return { ...v, examined, problems }
}

/** The whole calendar month before the day 'YYYY-MM-DD': the usual period of a spot check. */
export function previousMonth(day: string): [string, string] {
  let y = Number(day.slice(0, 4))
  let m = Number(day.slice(5, 7)) - 1
  if (m === 0) {
    y -= 1
    m = 12
  }
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate()
  const mm = String(m).padStart(2, '0')
  return [`${y}-${mm}-01`, `${y}-${mm}-${String(last).padStart(2, '0')}`]
}
