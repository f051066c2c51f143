import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { useSessionStore } from '@/stores/session'
import { ApiError } from '@/api'

const me = {
  username: 'zjj-admin',
  real_name: '赵六',
  role: 'dept_admin',
  department_code: 'ZJJ',
  must_change_password: false,
  csrf_token: 'c1',
}

let answer: (url: string, init: RequestInit) => Response
const calls: { url: string; method: string }[] = []

beforeEach(() => {
  document.cookie = 'pc_signed_in=1; path=/'
  setActivePinia(createPinia())
  calls.length = 0
  vi.stubGlobal('fetch', vi.fn(async (url: string, init: RequestInit) => {
    calls.push({ url, method: String(init.method) })
    return answer(url, init)
  }))
})
afterEach(() => vi.unstubAllGlobals())

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status })

describe('session store', () => {
  it('loads the signed-in account once', async () => {
    answer = () => json(200, me)
    const s = useSessionStore()
    expect(await s.load()).toEqual(me)
    await s.load()
    expect(calls).toHaveLength(1)
    expect(s.hasRole('dept_admin', 'clerk')).toBe(true)
    expect(s.hasRole('admin')).toBe(false)
    expect(s.hasRole()).toBe(true)
  })

  it('asks nothing without the pc_signed_in cookie', async () => {
    document.cookie = 'pc_signed_in=; path=/; max-age=0'
    answer = () => json(200, me)
    const s = useSessionStore()
    expect(await s.load()).toBeNull()
    expect(s.loaded).toBe(true)
    expect(calls).toHaveLength(0)
  })

  it('loads nobody on 401 and on 204', async () => {
    answer = () => json(401, { error: { code: 'unauthenticated', message: '请先登录' } })
    const s = useSessionStore()
    expect(await s.load()).toBeNull()
    expect(s.loaded).toBe(true)
    answer = () => new Response(null, { status: 204 })
    expect(await s.load(true)).toBeNull()
    expect(s.hasRole()).toBe(false)
  })

  it('signs in, changes the password with the new CSRF token, and signs out', async () => {
    answer = (url, init) => {
      if (url === '/api/v1/session' && init.method === 'POST') return json(200, { ...me, must_change_password: true })
      if (url === '/api/v1/session/password') {
        expect(new Headers(init.headers).get('Content-Type')).toBe('application/json')
        return json(200, { ...me, csrf_token: 'c2' })
      }
      return new Response(null, { status: 204 })
    }
    const s = useSessionStore()
    const a = await s.signIn('zjj-admin', 'pw')
    expect(a.must_change_password).toBe(true)
    await s.changePassword('pw', 'a-long-new-password')
    expect(s.account?.csrf_token).toBe('c2')
    expect(s.account?.must_change_password).toBe(false)
    await s.signOut()
    expect(s.account).toBeNull()
    expect(calls.map((c) => c.method)).toEqual(['POST', 'POST', 'DELETE'])
  })

  it('passes the API error of a failed sign-in on', async () => {
    answer = () => json(401, { error: { code: 'bad_credentials', message: '用户名或密码错误' } })
    const s = useSessionStore()
    const e = await s.signIn('x', 'y').catch((x: unknown) => x)
    expect(e).toBeInstanceOf(ApiError)
    expect((e as ApiError).message).toBe('用户名或密码错误')
    expect(s.account).toBeNull()
  })

  it('tells district-wide accounts from department ones', () => {
    const s = useSessionStore()
    expect(s.districtWide).toBe(false) // nobody signed in
    s.account = { ...me, role: 'dept_admin' }
    expect(s.districtWide).toBe(false)
    s.account = { ...me, role: 'clerk' }
    expect(s.districtWide).toBe(false)
    s.account = { ...me, role: 'oversight', department_code: '' }
    expect(s.districtWide).toBe(true)
    s.account = { ...me, role: 'supervision', department_code: '' }
    expect(s.districtWide).toBe(true)
  })
})
