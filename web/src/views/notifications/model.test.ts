import { describe, expect, it } from 'vitest'
import {
  bellText,
  cleanRoute,
  eventLabel,
  eventTagType,
  markAllRead,
  markRead,
  routeAudience,
  routeFilter,
  routeProblem,
  rowErrors,
  safeLink,
  sortInbox,
  type Notification,
} from './model'

function note(id: number, read: boolean, event = 'warning.raised', data: Record<string, unknown> = {}): Notification {
  return { id, event_id: `e${id}`, event, at: '2026-03-02T01:00:00Z', read_at: read ? '2026-03-02T02:00:00Z' : null,
    title: 't', summary: 's', link: `/warnings/${id}`, data }
}

describe('the inbox', () => {
  it('lists unread first, then newest first', () => {
    const got = sortInbox([note(1, false), note(5, true), note(3, false), note(4, true)]).map((n) => n.id)
    expect(got).toEqual([3, 1, 5, 4])
  })
  it('marks one read, and only that one', () => {
    const got = markRead([note(1, false), note(2, false)], 2, 'T')
    expect(got.map((n) => n.read_at)).toEqual([null, 'T'])
  })
  it('keeps the first read time', () => {
    const got = markRead([note(1, true)], 1, 'later')
    expect(got[0].read_at).toBe('2026-03-02T02:00:00Z')
  })
  it('marks all read', () => {
    expect(markAllRead([note(1, false), note(2, true)], 'T').every((n) => n.read_at !== null)).toBe(true)
  })
  it('shows the count on the bell', () => {
    expect(bellText(0)).toBe('')
    expect(bellText(7)).toBe('7')
    expect(bellText(120)).toBe('99+')
  })
  it('colours alarms red', () => {
    expect(eventTagType(note(1, false, 'warning.raised', { level: 'alarm' }))).toBe('danger')
    expect(eventTagType(note(1, false, 'warning.raised', { level: 'prewarning' }))).toBe('warning')
    expect(eventTagType(note(1, false, 'policy.published'))).toBe('info')
  })
  it('names events in Chinese', () => {
    expect(eventLabel('patrol.short')).toBe('巡查次数不足')
    expect(eventLabel('something.new')).toBe('something.new')
  })
  it('follows only the console’s own links', () => {
    expect(safeLink('/warnings/12')).toBe('/warnings/12')
    expect(safeLink('//evil.example/x')).toBe('')
    expect(safeLink('https://evil.example/')).toBe('')
    expect(safeLink('')).toBe('')
  })
})

describe('the routes', () => {
  it('says who hears, in Chinese', () => {
    expect(routeAudience({ event: 'warning.raised', roles: ['dept_admin', 'dept_inspector'], handler: true, approver: false }))
      .toBe('部门负责人、监察人员、经办人')
    expect(routeAudience({ event: 'approval.waiting', roles: [], handler: false, approver: true })).toBe('审核人')
  })
  it('says the filter', () => {
    expect(routeFilter({ event: 'warning.raised', level: 'alarm', roles: [], handler: false, approver: false })).toBe('仅报警')
    expect(routeFilter({ event: 'warning.transitioned', action: 'refer', roles: [], handler: false, approver: false })).toBe('仅移送监察')
    expect(routeFilter({ event: 'patrol.short', roles: [], handler: false, approver: false })).toBe('')
  })
  it('drops filters that do not apply', () => {
    expect(cleanRoute({ event: 'patrol.short', level: 'alarm', action: 'refer', roles: ['dept_admin'], handler: false, approver: true }))
      .toEqual({ event: 'patrol.short', roles: ['dept_admin'], handler: false, approver: false })
  })
  it('wants someone to hear', () => {
    expect(routeProblem({ event: 'warning.raised', roles: [], handler: false, approver: false })).not.toBeNull()
    expect(routeProblem({ event: 'warning.raised', roles: [], handler: true, approver: false })).toBeNull()
    expect(routeProblem({ event: '', roles: ['admin'], handler: false, approver: false })).toBe('请选择事件')
  })
  it('puts a 422’s fields on their rows', () => {
    expect(rowErrors({ 'routes[2].roles[0]': '未知的角色', 'routes[2].event': '未知的事件', routes: 'x' })).toEqual({
      2: '未知的角色；未知的事件',
    })
  })
})
