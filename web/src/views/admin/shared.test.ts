import { describe, expect, it } from 'vitest'
import {
  accountActions,
  actionLabel,
  canCreateAccounts,
  collapseFieldErrors,
  entryActionLabel,
  targetText,
  isExpired,
  parseLines,
  parseSubjects,
  passwordProblem,
  problemText,
  type AccountRef,
} from './shared'

describe('shared helpers', () => {
  it('reads IP ranges typed one per line', () => {
    expect(parseLines(' 10.0.0.0/8\n\n192.168.1.0/24 , 172.16.0.0/12\r\n')).toEqual([
      '10.0.0.0/8',
      '192.168.1.0/24',
      '172.16.0.0/12',
    ])
    expect(parseLines('  ')).toEqual([])
  })
  it('puts indexed field errors at their field', () => {
    expect(collapseFieldErrors({ 'allowed_cidrs[0]': 'a', 'allowed_cidrs[2]': 'b', username: 'c' })).toEqual({
      allowed_cidrs: 'a；b',
      username: 'c',
    })
  })
  it('checks a new password as the server does', () => {
    expect(passwordProblem('short', 'u')).toBe('密码至少 10 个字符')
    expect(passwordProblem('zjj-clerk-1', 'ZJJ-CLERK-1')).toBe('密码不能与用户名相同')
    expect(passwordProblem('a-long-password', 'zjj-clerk')).toBeNull()
  })
  it('knows an expired account', () => {
    const now = new Date('2026-06-01T00:00:00Z')
    expect(isExpired(null, now)).toBe(false)
    expect(isExpired('2026-05-31T23:59:59+08:00', now)).toBe(true)
    expect(isExpired('2026-06-30T23:59:59+08:00', now)).toBe(false)
  })
  it('names audit actions in Chinese', () => {
    expect(actionLabel('PATCH /api/v1/accounts/:username')).toBe('修改账号')
    expect(actionLabel('SYSTEM sweep')).toBe('系统：时限扫描')
    expect(actionLabel('SYSTEM something_new')).toBe('系统作业')
    expect(actionLabel('DELETE /api/v1/unknown')).toBe('删除')
  })
  it('splits subjects', () => {
    expect(parseSubjects('step:ZJJ-1-accept case:ZJJ-1')).toEqual([
      { kind: 'step', key: 'ZJJ-1-accept', label: '环节' },
      { kind: 'case', key: 'ZJJ-1', label: '办件' },
    ])
    expect(parseSubjects('')).toEqual([])
  })
  it('renders verdict problems', () => {
    expect(problemText('entry 3 altered')).toBe('entry 3 altered')
    expect(problemText({ subject: 'account:x', message: 'changed' })).toBe('account:x：changed')
    expect(problemText({ a: 1 })).toBe('{"a":1}')
  })
})

describe('audit entries', () => {
  it('tells a refused sign-in', () => {
    expect(entryActionLabel('POST /api/v1/session', 'result=refused code=bad_credentials')).toBe('登录失败')
    expect(entryActionLabel('POST /api/v1/session', 'result=ok')).toBe('登录')
    expect(entryActionLabel('POST /api/v1/sweeps', '')).toBe('运行时限扫描')
  })
  it('reads targets', () => {
    expect(targetText('result=refused code=bad_credentials')).toBe('结果：被拒绝，原因：用户名或密码错误')
    expect(targetText('username=zjj-clerk')).toBe('账号：zjj-clerk')
    expect(targetText('code=WJW')).toBe('编码：WJW')
    expect(targetText('')).toBe('—')
  })
})

describe('what the account list offers', () => {
  const admin: AccountRef = { username: 'admin', role: 'admin' }
  const zjjAdmin: AccountRef = { username: 'zjj-admin', role: 'dept_admin', department_code: 'ZJJ' }
  const supervision: AccountRef = { username: 'supervision', role: 'supervision' }
  const zjjClerk: AccountRef = { username: 'zjj-clerk', role: 'clerk', department_code: 'ZJJ' }
  const zjjInspector: AccountRef = { username: 'zjj-inspector', role: 'dept_inspector', department_code: 'ZJJ' }
  const scjClerk: AccountRef = { username: 'scj-clerk', role: 'clerk', department_code: 'SCJ' }
  const zjjAdmin2: AccountRef = { username: 'zjj-admin2', role: 'dept_admin', department_code: 'ZJJ' }
  const none = { manage: false, token: false }

  it.each([
    ['admin, an inspector', admin, zjjInspector, { manage: true, token: true }],
    ['admin, a clerk', admin, zjjClerk, { manage: true, token: true }],
    ['admin, itself', admin, admin, { manage: true, token: true }],
    ['a department admin, its clerk: no token', zjjAdmin, zjjClerk, { manage: true, token: false }],
    ['a department admin, its inspector', zjjAdmin, zjjInspector, none],
    ['a department admin, another department', zjjAdmin, scjClerk, none],
    ['a department admin, another department admin', zjjAdmin, zjjAdmin2, none],
    ['a department admin, itself', zjjAdmin, zjjAdmin, { manage: false, token: true }],
    ['supervision, an inspector', supervision, zjjInspector, none],
    ['an inspector, itself', zjjInspector, zjjInspector, { manage: false, token: true }],
    ['nobody signed in', null, zjjClerk, none],
  ])('%s', (_name, me, target, want) => {
    const got = accountActions(me, target)
    expect({ manage: got.manage, token: got.token }).toEqual(want)
    expect(got.reason === '').toBe(got.manage || got.token)
  })

  it('says who manages an inspector instead', () => {
    expect(accountActions(zjjAdmin, zjjInspector).reason).toBe('由电子政务办管理员管理')
    expect(accountActions(zjjAdmin, scjClerk).reason).toBe('无权管理')
  })

  it('lets only the admin and department admins create accounts', () => {
    expect(canCreateAccounts('admin')).toBe(true)
    expect(canCreateAccounts('dept_admin')).toBe(true)
    expect(canCreateAccounts('supervision')).toBe(false)
    expect(canCreateAccounts(null)).toBe(false)
  })
})
