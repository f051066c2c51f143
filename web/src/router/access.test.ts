import { describe, expect, it } from 'vitest'
import type { RouteMeta } from 'vue-router'
import { accessTarget, menuEntries, needsSession, pageTitle, queryString, roleAllowed, safeRedirect } from '@/router/access'
import type { Account } from '@/stores/session'

const clerk: Account = {
  username: 'zjj-clerk',
  real_name: '李四',
  role: 'clerk',
  department_code: 'ZJJ',
  must_change_password: false,
  csrf_token: 't',
}

function to(path: string, meta: RouteMeta = {}, parents: RouteMeta[] = [], query: Record<string, string> = {}) {
  const qs = new URLSearchParams(query).toString()
  return {
    path,
    fullPath: qs ? `${path}?${qs}` : path,
    query,
    meta,
    matched: [...parents, meta].map((m) => ({ meta: m })) as never,
  }
}

describe('accessTarget', () => {
  it('sends a stranger to sign in, remembering where they were going', () => {
    expect(accessTarget(to('/warnings', {}, [], { level: 'alarm' }), null)).toEqual({
      path: '/login',
      query: { redirect: '/warnings?level=alarm' },
    })
    expect(accessTarget(to('/'), null)).toEqual({ path: '/login' })
  })

  it('lets anyone open public pages', () => {
    expect(accessTarget(to('/login', { public: true }), null)).toBe(true)
  })

  it('sends a signed-in account away from the sign-in page', () => {
    expect(accessTarget(to('/login', { public: true }, [], { redirect: '/cases' }), clerk)).toBe('/cases')
    expect(accessTarget(to('/login', { public: true }, [], { redirect: 'https://evil.example' }), clerk)).toBe('/')
  })

  it('keeps an account that must change its password on /password', () => {
    const a = { ...clerk, must_change_password: true }
    expect(accessTarget(to('/cases'), a)).toEqual({ path: '/password' })
    expect(accessTarget(to('/password'), a)).toBe(true)
    expect(accessTarget(to('/login', { public: true }), a)).toEqual({ path: '/password' })
  })

  it('refuses a page the role may not open', () => {
    expect(accessTarget(to('/spot-checks', { roles: ['supervision'] }), clerk)).toEqual({
      path: '/forbidden',
      query: { from: '/spot-checks' },
    })
    expect(accessTarget(to('/cases', { roles: ['clerk', 'dept_admin'] }), clerk)).toBe(true)
    expect(accessTarget(to('/cases'), clerk)).toBe(true)
  })

  it('checks the roles of every matched record', () => {
    expect(accessTarget(to('/admin/x', {}, [{ roles: ['admin'] }]), clerk)).toMatchObject({ path: '/forbidden' })
  })
})

describe('helpers', () => {
  it('roleAllowed', () => {
    expect(roleAllowed({}, 'clerk')).toBe(true)
    expect(roleAllowed({ roles: [] }, 'clerk')).toBe(true)
    expect(roleAllowed({ roles: ['admin'] }, 'clerk')).toBe(false)
    expect(roleAllowed({}, null)).toBe(false)
  })

  it('safeRedirect keeps only in-app paths', () => {
    expect(safeRedirect('/cases/A1?x=1')).toBe('/cases/A1?x=1')
    expect(safeRedirect('//evil.example')).toBe('/')
    expect(safeRedirect('/\\evil.example')).toBe('/')
    expect(safeRedirect('http://evil.example')).toBe('/')
    expect(safeRedirect(undefined)).toBe('/')
    expect(safeRedirect(['/a', '/b'])).toBe('/a')
    expect(safeRedirect('/login?redirect=/x')).toBe('/')
  })

  it('menuEntries lists what the role may open, in order', () => {
    const records = [
      { path: '/', meta: {} },
      { path: '/admin/accounts', meta: { title: '账号', roles: ['admin'], menu: { order: 91, group: '系统管理' } } },
      { path: '/cases', meta: { title: '办件', roles: ['clerk'], menu: { order: 20, icon: 'Document' } } },
      { path: '/cases/:caseNo', meta: { title: '办件详情', menu: { order: 21 } } },
      { path: '/', meta: { title: '工作台', menu: { order: 10 } } },
      { path: '/warnings', meta: { title: '预警' } },
    ] as { path: string; meta: RouteMeta }[]
    expect(menuEntries('clerk', records).map((e) => e.title)).toEqual(['工作台', '办件'])
    expect(menuEntries('admin', records).map((e) => [e.path, e.group])).toEqual([
      ['/', undefined],
      ['/admin/accounts', '系统管理'],
    ])
    expect(menuEntries(null, records)).toEqual([])
  })
})

describe('queryString', () => {
  it('takes the first string value of a query parameter', () => {
    expect(queryString('2026-11')).toBe('2026-11')
    expect(queryString(['ZJJ', 'SCJ'])).toBe('ZJJ')
    expect(queryString([null])).toBe('')
    expect(queryString(undefined)).toBe('')
  })
})

describe('the public pages', () => {
  it('need no session, the others do', () => {
    expect(needsSession({ meta: { public: true, disclosure: true } })).toBe(false)
    expect(needsSession({ meta: { public: true } })).toBe(true)
    expect(needsSession({ meta: {} })).toBe(true)
  })

  it('are let through without an account', () => {
    expect(accessTarget(to('/public/items', { public: true, disclosure: true, title: '权力清单' }), null)).toBe(true)
    expect(accessTarget(to('/public/items', { public: true, disclosure: true }), clerk)).toBe(true)
  })

  it('carry the public title in the tab', () => {
    expect(pageTitle({ meta: { title: '权力清单', disclosure: true } })).toBe('权力清单 - 区行政权力公开')
    expect(pageTitle({ meta: { title: '办件' } })).toBe('办件 - 行政权力运行监察平台')
    expect(pageTitle({ meta: {} })).toBe('行政权力运行监察平台')
  })
})
