// The power catalog as the API shows it (internal/compliance/domain.go,
// cleanup.go): an item version, its approval, the cleanup list.

import type { LegalBasis, TimeLimit, Tier } from '../cases/types'

// The same shapes as the case pages read.
export type { LegalBasis, TimeLimit, Tier }

export interface ExtensionRule {
  max_days?: number
  unit?: string
  times?: number
  approver_role?: string
}

export interface FlowStep {
  code: string
  name: string
  time_limit_days?: number
  time_limit_unit?: string
  risk_checkpoint?: boolean
  requires_approval?: string
  ends_clock?: boolean
  requires_legal_review?: boolean
  requires_hearing_notice?: boolean
}

export interface Material {
  name: string
  copies?: number
  note?: string
}

export interface Contact {
  phone?: string
  address?: string
  hours?: string
}

/** The body of PUT /api/v1/power-items/{code}. */
export interface ItemBody {
  name: string
  category: string
  department_code: string
  legal_bases: LegalBasis[]
  time_limit: TimeLimit
  statutory_limit?: TimeLimit
  extension?: ExtensionRule
  steps: FlowStep[]
  discretion: Record<string, Tier>
  status: string
  conditions?: string
  materials?: Material[]
  fees?: string
  contact?: Contact
  service_channel?: string
}

/** One stored version of an item (GET /api/v1/power-items[/{code}]). */
export interface CatalogItem extends ItemBody {
  code: string
  version: number
  created_at: string
  created_by?: string
  discretion: Record<string, Tier>
}

/** A version with its approval (GET /power-items/{code}/versions, /pending). */
export interface ItemVersion extends CatalogItem {
  approval_status: 'approved' | 'pending' | 'rejected' | string
  approved_by?: string
  approved_at?: string | null
  review_note?: string
}

export interface CleanupReason {
  rule: string
  level: string
  message: string
}

export interface CleanupItem {
  code: string
  version: number
  name: string
  category: string
  department_code: string
  status: string
  reasons: CleanupReason[]
}

/** GET /api/v1/catalog/cleanup. */
export interface CatalogCleanup {
  policy_revision: number
  checked_at: string
  items: CleanupItem[]
}

export const APPROVAL_LABELS: Record<string, string> = { approved: '已生效', pending: '待审定', rejected: '已退回' }
export const APPROVAL_TAG_TYPES: Record<string, 'success' | 'warning' | 'danger' | 'info'> = {
  approved: 'success',
  pending: 'warning',
  rejected: 'danger',
}
