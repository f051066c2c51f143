// The JSON shapes of the case-related API answers (internal/compliance
// domain.go, cases.go, evaluate.go, lifecycle.go; GET /api/v1/cases and
// /api/v1/workbench as in /work/plan/console.md).

import type { ApprovalStep, SignedApproval } from './approvals'
import type { Transition, Warning, WarningView } from '../warnings/model'

/** One row of GET /api/v1/cases (and of the workbench's cases_due_soon): a case with its deadline and unsettled warnings. */
export interface CaseSummary {
  case_no: string
  power_item_code: string
  power_item_version: number
  item_name: string
  department_code: string
  applicant: string
  accepted_at: string
  status: string
  created_at?: string
  updated_at?: string
  /** YYYY-MM-DD of the item's overall limit; null when not countable. */
  due_date: string | null
  /** Working days left; negative when overdue; null when done or not countable. */
  workdays_left: number | null
  /** The item deadline's state (running, due_soon, overdue, done_on_time, ...). */
  deadline_state?: string
  /** Unsettled (open up to referred) alarms and pre-warnings. */
  open_alarms: number
  open_prewarnings: number
  last_step_code: string
}

export interface LegalBasis {
  id: string
  title: string
  article: string
}

export interface TimeLimit {
  days: number
  unit: string
}

export interface FlowStep {
  code: string
  name: string
  time_limit_days?: number
  risk_checkpoint?: boolean
  requires_approval?: string
  ends_clock?: boolean
}

/**
 * A discretion tier: an amount range, or multiples (min_multiple–max_multiple)
 * or rates (min_rate–max_rate) of a base amount the step gives (base).
 */
export interface Tier {
  min?: number
  max?: number
  base?: string
  min_multiple?: number
  max_multiple?: number
  min_rate?: number
  max_rate?: number
  description?: string
}

/** One version of a power item (GET /api/v1/power-items/{code}). */
export interface PowerItem {
  code: string
  version: number
  name: string
  category: string
  department_code: string
  legal_bases: LegalBasis[]
  time_limit: TimeLimit
  steps: FlowStep[]
  discretion: Record<string, Tier> | null
  status: string
  created_at: string
  created_by?: string
}

export interface Approval {
  role: string
  by: string
  at: string
}

export interface Discretion {
  tier: string
  amount: number
}

/** A recorded step of a case. */
export interface Step {
  id: string
  case_no: string
  step_code: string
  handler: string
  occurred_at: string
  recorded_at: string
  legal_basis_ids: string[]
  discretion?: Discretion | null
  /** Approvals the step's body declares: shown as such, they pass no checkpoint. */
  declared_approvals: Approval[]
  attributes: Record<string, unknown>
  check_status: string
  check_error?: string
  policy_revision: number
  /** The username of the account that recorded the step. */
  recorded_by?: string
}

// Warnings as the case page reads them: the warning list's own shapes.
export type { Transition, Warning, WarningView }

/** One period running on a case (policies/deadline.rego "deadlines"). */
export interface Deadline {
  /** 'item' or 'step:<code>'. */
  key: string
  name: string
  start: string
  days: number
  unit: string
  extension_days: number
  suspended_days: number | null
  /** YYYY-MM-DD; '' or null when the calendar cannot tell. */
  due: string | null
  /** YYYY-MM-DD of the step that ended it; '' or null while it runs. */
  done: string | null
  /** running | due_soon | overdue | suspended | done_on_time | done_late | calendar_unknown */
  state: string
  remaining_workdays: number | null
}

export interface Suspension {
  from: string
  to: string | null
}

export interface Extension {
  step_id: string
  days: number
  approved: boolean
  at: string
}

export interface TimeView {
  deadlines: Deadline[]
  suspensions: Suspension[]
  extensions: Extension[]
}

/** GET /api/v1/cases/{case_no}. */
export interface CaseView {
  case_no: string
  power_item_code: string
  power_item_version: number
  department_code: string
  applicant: string
  accepted_at: string
  status: string
  created_at: string
  updated_at: string
  next_check_at: string | null
  /** The first page of the case's steps, in the order they were recorded. */
  steps: Step[]
  /** Where GET /cases/{case_no}/steps continues them; null when all are in steps. */
  steps_next_cursor?: string | null
  warnings: Warning[]
  time: TimeView | null
  time_error?: string
  /** The approvals signed by their approvers' own accounts. */
  approvals?: SignedApproval[]
  /** The flow's steps that take signed approvals, with the role that signs each. */
  approval_steps?: ApprovalStep[]
}

/** POST /api/v1/steps → 201/200. */
export interface StepResult {
  step_id: string
  case_no: string
  policy_revision: number
  check_status: string
  check_error?: string
  warnings: Warning[]
  /** A new case's query code for its applicant (shown once), when the server gives one. */
  query_code?: string
}

/** GET /api/v1/rules items. */
export interface RuleInfo {
  family: string
  rules: string[]
  title: string
  level: string
}
