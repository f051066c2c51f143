// The answers of the public disclosure API (/api/public/v1), as the pages read them.
import type { CaseStatus, Unit } from '../../format'

/** A period in working or calendar days. */
export interface PublicLimit {
  days: number
  unit: Unit | string
}

/** A row of GET /items. */
export interface PublicItemRow {
  code: string
  name: string
  category: string
  department_code: string
  department_name: string
  time_limit: PublicLimit
  statutory_limit?: PublicLimit | null
}

export interface PublicItemPage {
  items: PublicItemRow[]
  next_cursor?: string | null
}

export interface PublicLegalBasis {
  id: string
  title: string
  article: string
}

/** A step of an item's flow. */
export interface PublicFlowStep {
  code: string
  name: string
  time_limit_days?: number | null
  /** Empty or absent: the item's unit. */
  time_limit_unit?: Unit | string | null
  risk_checkpoint?: boolean
  ends_clock?: boolean
}

/** A document the applicant hands in: its name, or its name with copies and a note. */
export type PublicMaterial = string | { name: string; copies?: number | null; note?: string | null }

/** Where to ask: in a sentence, or as phone, address and office hours. */
export type PublicContact = string | { phone?: string | null; address?: string | null; hours?: string | null; [k: string]: unknown }

/** GET /items/{code}. */
export interface PublicItem extends PublicItemRow {
  version: number
  legal_bases: PublicLegalBasis[]
  conditions?: string | null
  materials?: PublicMaterial[] | null
  fees?: string | null
  contact?: PublicContact | null
  /** Where to apply (窗口、网上办理地址). */
  service_channel?: string | null
  /** Tier name → its standard ({min, max}, a rate or multiple of a base, …). */
  discretion?: Record<string, unknown> | null
  steps: PublicFlowStep[]
}

/** GET /cases/{case_no}?code=. */
export interface PublicCase {
  case_no: string
  item: { code: string; name: string }
  department_name: string
  accepted_at: string
  due_date: string | null
  status: CaseStatus | string
  steps: { name: string; date: string }[]
}

/** A department's row of GET /stats. */
export interface PublicStatsRow {
  department_code: string
  department_name: string
  cases_accepted: number
  cases_closed: number
  /** 0..1; null when nothing was due in the month. */
  on_time_rate: number | null
  alarms_raised: number
  alarms_rectified: number
}

export interface PublicStats {
  month: string
  departments: PublicStatsRow[]
}

/** A department to filter by. */
export interface DepartmentOption {
  code: string
  name: string
}
