// Helpers shared by the 系统管理 pages. Pure functions only (unit-tested).

import { DEPARTMENT_ROLES, type Role } from '@/format'

/**
 * Roles a department admin may create and manage. Inspectors check their own
 * department, its admin included, so only the admin manages their accounts.
 */
export const DEPT_ADMIN_MANAGES: readonly Role[] = ['clerk']

/** An account as far as who may act on it is concerned. */
export interface AccountRef {
  username: string
  role: Role
  department_code?: string
}

/** What the account list offers the signed-in account `me` to do with `a`. */
export interface AccountActions {
  /** Edit, enable/disable and reset the password. */
  manage: boolean
  /** Rotate the token: only the account itself and the admin may. */
  token: boolean
  /** Why nothing is offered ('' when something is). */
  reason: string
}

/** The actions on account `a` that the server allows `me` (the server checks again). */
export function accountActions(me: AccountRef | null | undefined, a: AccountRef): AccountActions {
  if (!me) return { manage: false, token: false, reason: '无权管理' }
  const self = me.username === a.username
  const manage =
    me.role === 'admin' ||
    (me.role === 'dept_admin' && a.department_code === me.department_code && DEPT_ADMIN_MANAGES.includes(a.role))
  const token = me.role === 'admin' || self
  let reason = ''
  if (!manage && !token) reason = a.role === 'dept_inspector' ? '由电子政务办管理员管理' : '无权管理'
  return { manage, token, reason }
}

/** Whether `role` may create accounts (supervision only reads the inspectors'). */
export function canCreateAccounts(role: Role | null | undefined): boolean {
  return role === 'admin' || role === 'dept_admin'
}

export function isDepartmentRole(role: string): boolean {
  return (DEPARTMENT_ROLES as string[]).includes(role)
}

/** IP ranges typed one per line (commas, semicolons and spaces separate too) → the API's list. */
export function parseLines(text: string): string[] {
  return text
    .split(/[\n\r,，;；\s]+/)
    .map((s) => s.trim())
    .filter((s) => s !== '')
}

/** The API's list → one per line. */
export function joinLines(list: readonly string[] | null | undefined): string {
  return (list ?? []).join('\n')
}

/**
 * Collapses indexed field errors ("allowed_cidrs[1]") onto their field
 * ("allowed_cidrs"), joining the messages, so that each shows at its form item.
 */
export function collapseFieldErrors(errs: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [field, msg] of Object.entries(errs)) {
    const base = field.replace(/\[\d+\].*$/, '').replace(/\..*$/, '')
    out[base] = out[base] ? `${out[base]}；${msg}` : msg
  }
  return out
}

/** Client-side check of a new password (the server checks again): ≥ 10 characters, not the username. */
export function passwordProblem(password: string, username: string): string | null {
  if ([...password].length < 10) return '密码至少 10 个字符'
  if (password.toLowerCase() === username.toLowerCase()) return '密码不能与用户名相同'
  return null
}

/** Whether an account's expiry has passed at now. */
export function isExpired(expiresAt: string | null | undefined, now: Date = new Date()): boolean {
  return !!expiresAt && new Date(expiresAt).getTime() <= now.getTime()
}

/** What the audit log's actions mean, in Chinese ("METHOD route" → label). */
const actionLabels: Record<string, string> = {
  'POST /api/v1/departments': '新建部门',
  'POST /api/v1/accounts': '新建账号',
  'PATCH /api/v1/accounts/:username': '修改账号',
  'POST /api/v1/accounts/:username/token': '更换令牌',
  'POST /api/v1/accounts/:username/password': '设置/重置密码',
  'POST /api/v1/session': '登录',
  'DELETE /api/v1/session': '退出登录',
  'POST /api/v1/session/password': '修改本人密码',
  'PUT /api/v1/power-items/:code': '新建/调整权力事项',
  'POST /api/v1/power-items/:code/versions/:version/approve': '审定通过事项版本',
  'POST /api/v1/power-items/:code/versions/:version/reject': '退回事项版本',
  'POST /api/v1/steps': '录入办理环节',
  'POST /api/v1/cases/:case_no/approvals': '签署审批意见',
  'PUT /api/v1/calendar/:year': '录入节假日安排',
  'PUT /api/v1/policies/:module': '保存策略草稿',
  'PUT /api/v1/policies/params': '保存策略参数',
  'POST /api/v1/policies/publish': '发布策略',
  'POST /api/v1/policies/rollback': '回滚策略',
  'POST /api/v1/policies/impact': '策略影响试算',
  'POST /api/v1/spot-checks': '发起抽查',
  'POST /api/v1/spot-checks/:id/findings': '记录抽查结论',
  'POST /api/v1/warnings/:id/transitions': '处置预警',
  'POST /api/v1/patrols': '登记日常巡查',
  'POST /api/v1/patrols/close-days': '结转巡查日',
  'POST /api/v1/reports/monthly/explanations': '提交月度书面说明',
  'POST /api/v1/reports/monthly/close': '月度结账',
  'POST /api/v1/sweeps': '运行时限扫描',
  'POST /api/v1/catalog/check': '权力清单检查',
  'PUT /api/v1/settings': '修改系统设置',
  'SYSTEM bootstrap': '系统：创建首个管理员',
  'SYSTEM demo': '系统：载入演示数据',
  'SYSTEM sweep': '系统：时限扫描',
  'SYSTEM close_patrol_days': '系统：结转巡查日',
  'SYSTEM close_month': '系统：月度结账',
  'SYSTEM check_catalog': '系统：权力清单检查',
  'SYSTEM recheck': '系统：重新检查环节',
  'SYSTEM sign_in_failed': '系统：登录失败',
  'SYSTEM signin_failed': '系统：登录失败',
  'SYSTEM sign_in': '系统：登录',
  'SYSTEM sign_out': '系统：退出登录',
}

/** The Chinese name of an audit action; an action this console does not know is described by its method. */
export function actionLabel(action: string): string {
  const known = actionLabels[action]
  if (known) return known
  if (action.startsWith('SYSTEM ')) return '系统作业'
  const method = action.split(' ', 1)[0]
  return ({ POST: '新增/提交', PUT: '保存', PATCH: '修改', DELETE: '删除' } as Record<string, string>)[method] ?? '其他操作'
}

/** The actions offered in the audit log's filter, with their labels. */
export function actionOptions(): { value: string; label: string }[] {
  const seen = new Set<string>()
  const out: { value: string; label: string }[] = []
  for (const [value, label] of Object.entries(actionLabels)) {
    if (seen.has(value)) continue
    seen.add(value)
    out.push({ value, label })
  }
  return out
}

/** The audit log's subject kinds in Chinese ("account:zjj-clerk" → "账号 zjj-clerk"). */
const subjectKinds: Record<string, string> = {
  account: '账号',
  department: '部门',
  item: '权力事项',
  power_item: '权力事项',
  step: '环节',
  case: '办件',
  calendar: '节假日安排',
  policy_draft: '策略草稿',
  policies: '策略',
  spot_check: '抽查',
  warning: '预警',
  patrol: '巡查',
  explanation: '书面说明',
  approval: '审批',
  settings: '系统设置',
}

export interface Subject {
  kind: string
  label: string
  key: string
}

/** Splits an entry's subjects ("kind:key kind:key") into labelled parts. */
export function parseSubjects(subjects: string): Subject[] {
  return subjects
    .split(' ')
    .filter((s) => s !== '')
    .map((s) => {
      const i = s.indexOf(':')
      const kind = i < 0 ? s : s.slice(0, i)
      const key = i < 0 ? '' : s.slice(i + 1)
      return { kind, key, label: subjectKinds[kind] ?? kind }
    })
}

/** Sweep result fields, in Chinese. */
export const sweepFields: { key: string; label: string }[] = [
  { key: 'due', label: '到期待查办件' },
  { key: 'checked', label: '本次已检查' },
  { key: 'skipped', label: '已由其他节点处理' },
  { key: 'failed', label: '检查失败（稍后重试）' },
  { key: 'new_warnings', label: '新产生预警' },
]

/** One problem of the audit verdict as text (the API may give strings or objects). */
export function problemText(p: unknown): string {
  if (typeof p === 'string') return p
  if (p && typeof p === 'object') {
    const o = p as Record<string, unknown>
    for (const k of ['message', 'problem', 'detail', 'text']) {
      if (typeof o[k] === 'string') {
        const where = ['subject', 'seq', 'entry'].filter((x) => o[x] !== undefined && o[x] !== '').map((x) => String(o[x]))
        return where.length ? `${where.join(' ')}：${o[k]}` : (o[k] as string)
      }
    }
    return JSON.stringify(p)
  }
  return String(p)
}

/** The Chinese name of an audit entry's action, telling a refused sign-in from one that succeeded. */
export function entryActionLabel(action: string, target: string): string {
  if (action === 'POST /api/v1/session') return /(^|\s)result=refused(\s|$)/.test(target) ? '登录失败' : '登录'
  return actionLabel(action)
}

const targetKeys: Record<string, string> = {
  username: '账号',
  code: '编码',
  case_no: '办件',
  id: '编号',
  year: '年份',
  month: '月份',
  date: '日期',
  module: '策略模块',
  revision: '策略版本',
  version: '版本',
  action: '动作',
  department_code: '部门',
  step_code: '环节',
  result: '结果',
}

const refusalReasons: Record<string, string> = {
  bad_credentials: '用户名或密码错误',
  ip_not_allowed: 'IP 地址不在允许范围内',
  account_disabled: '账号已停用',
  account_expired: '账号已过期',
  too_many_attempts: '失败次数过多',
}

/** An entry's target ("username=zjj-clerk result=ok") as Chinese "key：value" pairs. */
export function targetText(target: string): string {
  if (!target) return '—'
  const pairs = target.split(' ').filter((p) => p !== '')
  const refused = pairs.includes('result=refused')
  return pairs
    .map((p) => {
      const i = p.indexOf('=')
      if (i < 0) return p
      const k = p.slice(0, i)
      const v = p.slice(i + 1)
      if (k === 'result') return v === 'ok' ? '结果：成功' : v === 'refused' ? '结果：被拒绝' : `结果：${v}`
      if (k === 'code' && refused) return `原因：${refusalReasons[v] ?? v}`
      return `${targetKeys[k] ?? k}：${v}`
    })
    .join('，')
}
