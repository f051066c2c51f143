// Signed approvals (审核): who may sign which step of a case, and how the
// dialog's input becomes the body of POST /api/v1/cases/{case_no}/approvals.
// Pure: unit-tested in approvals.test.ts.

import type { Role } from '../../format'

/** One signed approval (internal/compliance/approvals.go SignedApproval). */
export interface SignedApproval {
  id: number
  case_no: string
  step_code: string
  decision: 'approve' | 'reject' | string
  opinion: string
  role: Role | string
  username: string
  real_name: string
  at: string
}

/** A step of the case's flow that takes signed approvals, and the role that signs it. */
export interface ApprovalStep {
  step_code: string
  name: string
  role: Role | string
  role_name: string
}

/** One row of GET /api/v1/approvals/pending. */
export interface PendingApproval {
  case_no: string
  department_code: string
  power_item_code: string
  item_name: string
  applicant: string
  accepted_at: string
  step_code: string
  step_name: string
  role: Role | string
  /** The step was signed "reject" and waits for a new decision. */
  rejected: boolean
}

export interface SignerAccount {
  role: Role | string
  department_code?: string | null
}

/** Roles that sign approvals. */
export const APPROVER_ROLES: Role[] = ['dept_inspector', 'dept_admin', 'legal']

/** Department roles sign only their own department's cases. */
const DEPARTMENT_APPROVERS = ['dept_inspector', 'dept_admin']

/**
 * The steps of a case that account may sign: those whose role is its own,
 * of the case's department for a department role; none on a closed case.
 */
export function signableSteps(
  steps: ApprovalStep[] | null | undefined,
  account: SignerAccount | null | undefined,
  caseDepartment: string,
  caseStatus: string,
): ApprovalStep[] {
  if (!account || caseStatus === 'closed') return []
  if (DEPARTMENT_APPROVERS.includes(account.role) && account.department_code !== caseDepartment) return []
  return (steps ?? []).filter((s) => s.role === account.role)
}

/**
 * The step the dialog offers first: the first flow step not yet recorded
 * among those signable, else the first signable one.
 */
export function defaultStep(signable: ApprovalStep[], recordedCodes: string[]): string {
  const next = signable.find((s) => s.step_code !== 'extend' && !recordedCodes.includes(s.step_code))
  return (next ?? signable[0])?.step_code ?? ''
}

export interface ApprovalForm {
  stepCode: string
  decision: 'approve' | 'reject'
  opinion: string
}

const opinionNeeded = '不同意的，须填写审核意见'

/** The Chinese problems of a form, by field; empty when it may be sent. */
export function validateApproval(f: ApprovalForm): Record<string, string> {
  const out: Record<string, string> = {}
  if (!f.stepCode) out.step_code = '请选择审核的环节'
  if (f.decision !== 'approve' && f.decision !== 'reject') out.decision = '请选择审核结论'
  const opinion = f.opinion.trim()
  if (f.decision === 'reject' && opinion === '') out.opinion = opinionNeeded
  if ([...opinion].length > 1000) out.opinion = '审核意见不超过 1000 个字'
  return out
}

/**
 * errors without the demand for an opinion once f no longer earns it (the
 * decision is back to 同意, or an opinion is written); other messages stay
 * until the form is sent again.
 */
export function settledErrors(errors: Record<string, string>, f: ApprovalForm): Record<string, string> {
  if (errors.opinion !== opinionNeeded || validateApproval(f).opinion === opinionNeeded) return errors
  const rest = { ...errors }
  delete rest.opinion
  return rest
}

/** The body of POST /api/v1/cases/{case_no}/approvals. */
export function approvalBody(f: ApprovalForm): { step_code: string; decision: string; opinion: string } {
  return { step_code: f.stepCode, decision: f.decision, opinion: f.opinion.trim() }
}

export function decisionLabel(d: string): string {
  return d === 'approve' ? '同意' : d === 'reject' ? '不同意' : d
}

export function decisionTagType(d: string): 'success' | 'danger' | 'info' {
  return d === 'approve' ? 'success' : d === 'reject' ? 'danger' : 'info'
}

/** What a step code is called among the approval steps. */
export function approvalStepName(steps: ApprovalStep[] | null | undefined, code: string): string {
  return (steps ?? []).find((s) => s.step_code === code)?.name || (code === 'extend' ? '延期' : code)
}
