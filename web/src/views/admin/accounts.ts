// The account list's model: accounts as the API answers them, their status,
// and the PATCH body of an edit. Pure functions only (unit-tested).

import { isExpired } from './shared'
import type { Role } from '@/format'

export interface Account {
  username: string
  real_name: string
  role: Role
  department_code?: string
  allowed_cidrs: string[]
  disabled: boolean
  expires_at: string | null
  created_at: string
  has_password?: boolean
  must_change_password?: boolean
}

export interface AccountStatus {
  key: 'active' | 'disabled' | 'expired'
  label: string
  type: 'success' | 'info' | 'danger' | 'warning'
}

/** Whether an account may sign in now, as the list shows it. */
export function statusOf(a: Pick<Account, 'disabled' | 'expires_at'>, now: Date = new Date()): AccountStatus {
  if (a.disabled) return { key: 'disabled', label: '已停用', type: 'info' }
  if (isExpired(a.expires_at, now)) return { key: 'expired', label: '已过期', type: 'danger' }
  return { key: 'active', label: '正常', type: 'success' }
}

/** The end of a day in Asia/Shanghai, as the API's RFC 3339 time. */
export const endOfDay = (d: string) => `${d}T23:59:59+08:00`
