// Pure logic of the monthly report page: the report's shape, rule family
// labels and what the explanation section says.
import { formatDate, formatMonth } from '../../format'
import type { TagType } from '../../format'

/** The signed scan of an explanation (internal/compliance/scans.go ScanInfo). */
export interface ScanInfo {
  content_type: string
  size: number
  sha256: string
  uploaded_by: string
  uploaded_at: string
}

/**
 * A month's written explanation (internal/compliance/reports.go Explanation).
 * signed_by is the username of the signing leader (signed_by_kind 'account')
 * or, from older clients, a name typed in ('free_text', deprecated).
 */
export interface Explanation {
  department_code: string
  month: string
  text: string
  signed_by: string
  signed_by_kind?: 'account' | 'free_text'
  signer_real_name?: string
  submitted_by: string
  submitted_at: string
  late: boolean
  scan?: ScanInfo | null
}

/** Who signed, as a person reads it, and whether it names an account. */
export function signerText(e: Pick<Explanation, 'signed_by' | 'signed_by_kind' | 'signer_real_name'>): string {
  if (e.signed_by_kind === 'account') {
    return e.signer_real_name ? `${e.signer_real_name}（${e.signed_by}）` : e.signed_by
  }
  return `${e.signed_by}（手填姓名，未关联账号）`
}

/** An account as GET /api/v1/accounts lists it (the fields the leader list needs). */
export interface AccountRow {
  username: string
  real_name: string
  role: string
  department_code?: string
  disabled: boolean
  expires_at?: string | null
}

/** The department's leaders who may sign: its active dept_admin accounts, by name. */
export function leaderOptions(accounts: AccountRow[], department: string, now: Date = new Date()): { value: string; label: string }[] {
  return accounts
    .filter(
      (a) =>
        a.role === 'dept_admin' &&
        a.department_code === department &&
        !a.disabled &&
        !(a.expires_at && new Date(a.expires_at).getTime() <= now.getTime()),
    )
    .map((a) => ({ value: a.username, label: a.real_name ? `${a.real_name}（${a.username}）` : a.username }))
    .sort((x, y) => x.label.localeCompare(y.label, 'zh-CN'))
}

/** The file picker's accept list and the largest scan (compliance.MaxScanBytes). */
export const SCAN_ACCEPT = '.pdf,.jpg,.jpeg,.png'
export const MAX_SCAN_BYTES = 10 * 1024 * 1024

/** Why a picked file cannot be sent as the scan ('' when it can); the server reads its type from its content. */
export function scanFileProblem(f: { name: string; size: number }): string {
  if (!/\.(pdf|jpe?g|png)$/i.test(f.name)) return '扫描件须为 PDF、JPG 或 PNG 文件'
  if (f.size === 0) return '扫描件是空文件'
  if (f.size > MAX_SCAN_BYTES) return `扫描件不能超过 10 MB（所选文件 ${formatBytes(f.size)}）`
  return ''
}

/** A size in bytes as 1.5 MB / 320 KB / 12 字节. */
export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MB`
  if (n >= 1024) return `${Math.round(n / 1024)} KB`
  return `${n} 字节`
}

/** The scan's type as a person reads it. */
export function scanTypeLabel(t: string | null | undefined): string {
  return ({ 'application/pdf': 'PDF', 'image/jpeg': 'JPEG 图片', 'image/png': 'PNG 图片' } as Record<string, string>)[t ?? ''] ?? '文件'
}

/** The path of an explanation's scan (PUT to attach it, GET to download it). */
export function scanPath(department: string, month: string): string {
  return `/reports/monthly/explanations/${encodeURIComponent(department)}/${encodeURIComponent(month)}/scan`
}

/** GET /api/v1/reports/monthly (internal/compliance/reports.go MonthlyReport). */
export interface MonthlyReport {
  department_code: string
  month: string
  cases_accepted: number
  cases_closed: number
  cases_open: number
  steps: number
  warnings: { prewarning: number; alarm: number; by_family: Record<string, number> }
  warnings_rectified: number
  warnings_verified: number
  checkpoint_approvals: number
  patrol: { working_days: number; ok_days: number; insufficient_days: number; missing_days: number }
  explanation_required: boolean
  /** YYYY-MM-DD: the 3rd of the next month, or the next working day. */
  explanation_due: string
  explanation: Explanation | null
}

/** Rule families (README "Policies"), as a person reads them. */
export const FAMILY_LABELS: Record<string, string> = {
  deadline: '办理时限',
  discretion: '自由裁量',
  legal_basis: '法律依据',
  checkpoint: '风险点审批',
  sequence: '办理流程',
  sync: '录入时效',
  followup: '预警处置跟踪',
  patrol: '日常巡查',
  report: '月报书面说明',
  catalog: '权力清单',
}

/** The family's Chinese name; an unknown family is '其他类别'. */
export function familyLabel(family: string): string {
  return FAMILY_LABELS[family] ?? '其他类别'
}

/** The by_family counts as table rows in the order of FAMILY_LABELS (unknown ones last), zeros left out. */
export function familyRows(byFamily: Record<string, number> | null | undefined): { family: string; label: string; count: number }[] {
  const order = Object.keys(FAMILY_LABELS)
  return Object.entries(byFamily ?? {})
    .filter(([, n]) => n > 0)
    .sort(([a], [b]) => {
      const ia = order.indexOf(a) < 0 ? order.length : order.indexOf(a)
      const ib = order.indexOf(b) < 0 ? order.length : order.indexOf(b)
      return ia - ib || a.localeCompare(b)
    })
    .map(([family, count]) => ({ family, label: familyLabel(family), count }))
}

/** What the explanation section says about a report, seen on day today (YYYY-MM-DD) in month thisMonth. */
export interface ExplanationState {
  kind: 'submitted' | 'submitted_late' | 'not_required' | 'month_open' | 'due' | 'overdue'
  type: TagType | 'error'
  title: string
  /** Whether the department may submit it now (it is the department's own and none is in yet). */
  canSubmit: boolean
}

export function explanationState(r: MonthlyReport, todayYmd: string, thisMonth: string): ExplanationState {
  const due = formatDate(r.explanation_due)
  const month = formatMonth(r.month)
  if (r.explanation) {
    return r.explanation.late
      ? { kind: 'submitted_late', type: 'warning', title: `${month}的书面说明已提交（逾期，截止日期为${due}）`, canSubmit: false }
      : { kind: 'submitted', type: 'success', title: `${month}的书面说明已按时提交`, canSubmit: false }
  }
  const over = r.month < thisMonth
  if (!r.explanation_required) {
    return over
      ? { kind: 'not_required', type: 'success', title: `${month}有办件且无预（报）警，无须提交书面说明`, canSubmit: false }
      : { kind: 'month_open', type: 'info', title: `${month}尚未结束，目前无须提交书面说明`, canSubmit: false }
  }
  if (!over) {
    return {
      kind: 'month_open',
      type: 'info',
      title: `${month}须提交书面说明，月末后即可提交，截止日期为${due}`,
      canSubmit: false,
    }
  }
  if (todayYmd > r.explanation_due) {
    return { kind: 'overdue', type: 'error', title: `${month}的书面说明已逾期未交（截止日期为${due}）`, canSubmit: true }
  }
  return { kind: 'due', type: 'warning', title: `${month}须提交书面说明，截止日期为${due}`, canSubmit: true }
}

/** Why the month needs an explanation, in words ('' when it does not). */
export function explanationReason(r: MonthlyReport): string {
  if (!r.explanation_required) return ''
  const reasons: string[] = []
  const n = r.warnings.prewarning + r.warnings.alarm
  if (n > 0) reasons.push(`本月产生预（报）警 ${n} 条`)
  if (r.cases_accepted === 0) reasons.push('本月没有受理办件')
  return reasons.join('；')
}
