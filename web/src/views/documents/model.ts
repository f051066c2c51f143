// Documents (督办单, 整改通知书, 监察建议书): their shapes, who issues which
// kind from which source, and the request POST /api/v1/documents takes.
import type { Role } from '../../format'

export type DocumentKind = 'supervision_order' | 'rectification_notice' | 'supervision_advice'

export interface DocumentContent {
  title: string
  district_name: string
  issuer: string
  recipient: string
  facts: string
  rule: string
  rule_title: string
  basis: string
  requirement: string
  answer_by: string
  note: string
}

export interface IssuedDocument {
  id: number
  kind: DocumentKind
  kind_name: string
  number: string
  year: number
  seq: number
  department_code: string
  warning_id: number | null
  spot_check_id: number | null
  case_no: string
  subject: string
  issued_by: string
  issuer_role: Role
  issued_at: string
  content: DocumentContent
}

export const KIND_LABELS: Record<DocumentKind, string> = {
  supervision_order: '督办单',
  rectification_notice: '整改通知书',
  supervision_advice: '监察建议书',
}

/** Who issues each kind: a 监察建议书 is the supervision commission's alone. */
const ISSUERS: Record<DocumentKind, Role[]> = {
  supervision_order: ['oversight', 'supervision'],
  rectification_notice: ['oversight', 'supervision'],
  supervision_advice: ['supervision'],
}

/** What a document is issued about. */
export type Source = 'warning' | 'referral' | 'finding'

/** The kinds role may issue about a source: an order about a warning still to be dealt with, a notice or an advice about a referral or a finding. */
export function kindsFor(role: Role | null | undefined, source: Source): DocumentKind[] {
  if (!role) return []
  const kinds: DocumentKind[] = source === 'warning' ? ['supervision_order'] : ['rectification_notice', 'supervision_advice']
  return kinds.filter((k) => ISSUERS[k].includes(role))
}

const SUPERVISED = ['open', 'explained', 'rectifying']
const REFERRED = ['referred', 'closed']

/** The source a warning in status offers: a warning still open, a referral, or none. */
export function warningSource(status: string): Source | null {
  if (SUPERVISED.includes(status)) return 'warning'
  if (REFERRED.includes(status)) return 'referral'
  return null
}

export interface IssueForm {
  kind: DocumentKind | ''
  warning_id: number | null
  spot_check_id: number | null
  case_no: string
  answer_days: number
  note: string
}

/** The body of POST /api/v1/documents: only the fields of the form's source. */
export function issueBody(f: IssueForm): Record<string, unknown> {
  const body: Record<string, unknown> = { kind: f.kind, answer_days: f.answer_days }
  if (f.warning_id) body.warning_id = f.warning_id
  else {
    body.spot_check_id = f.spot_check_id
    body.case_no = f.case_no.trim()
  }
  if (f.note.trim()) body.note = f.note.trim()
  return body
}

/** What is wrong with the form, in Chinese; '' when it can be sent. */
export function formProblem(f: IssueForm): string {
  if (!f.kind) return '请选择文书种类'
  if (!f.warning_id && (!f.spot_check_id || !f.case_no.trim())) return '请填写预警编号，或抽查编号与办件编号'
  if (!Number.isInteger(f.answer_days) || f.answer_days < 1 || f.answer_days > 60) return '答复期限须为 1–60 个工作日'
  if (f.note.length > 2000) return '附言不超过 2000 字'
  return ''
}

/** The 文号 line of a bulletin not yet numbered: the issuer's short name, the year, a blank. */
export function numberPlaceholder(prefix: string, year: number | string): string {
  return `${prefix}〔${year}〕　　号`
}
