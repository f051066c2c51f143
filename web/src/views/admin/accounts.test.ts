import { describe, expect, it } from 'vitest'
import { endOfDay, statusOf } from './accounts'

describe('account status', () => {
  const now = new Date('2026-03-10T12:00:00+08:00')

  it('tells a disabled account before an expired one', () => {
    expect(statusOf({ disabled: true, expires_at: '2026-01-01T00:00:00+08:00' }, now).key).toBe('disabled')
    expect(statusOf({ disabled: false, expires_at: '2026-03-09T23:59:59+08:00' }, now)).toEqual({ key: 'expired', label: '已过期', type: 'danger' })
    expect(statusOf({ disabled: false, expires_at: '2026-03-10T23:59:59+08:00' }, now)).toEqual({ key: 'active', label: '正常', type: 'success' })
    expect(statusOf({ disabled: false, expires_at: null }, now).label).toBe('正常')
  })

  it('ends an expiry day at 23:59:59 in Beijing', () => {
    expect(endOfDay('2026-12-31')).toBe('2026-12-31T23:59:59+08:00')
  })
})
