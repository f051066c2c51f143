import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import ElementPlus from 'element-plus'
import type { Role } from '@/format'
import { useSessionStore } from '@/stores/session'
import AccountList from './AccountList.vue'

const account = (username: string, role: Role, department_code?: string) => ({
  username,
  real_name: `测试${username}`,
  role,
  department_code,
  allowed_cidrs: [],
  disabled: false,
  expires_at: null,
  created_at: '2026-03-02T01:00:00Z',
  has_password: true,
  must_change_password: false,
})

const zjj = [
  account('zjj-admin', 'dept_admin', 'ZJJ'),
  account('zjj-clerk', 'clerk', 'ZJJ'),
  account('zjj-inspector', 'dept_inspector', 'ZJJ'),
]
const inspectors = [account('zjj-inspector', 'dept_inspector', 'ZJJ'), account('scj-inspector', 'dept_inspector', 'SCJ')]

let listed: ReturnType<typeof account>[] = []

beforeEach(() => {
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string) => {
      if (url.startsWith('/api/v1/accounts')) return new Response(JSON.stringify({ items: listed }), { status: 200 })
      if (url.startsWith('/api/v1/departments')) {
        return new Response(JSON.stringify({ items: [{ code: 'ZJJ', name: '区住房和城乡建设局' }, { code: 'SCJ', name: '区市场监督管理局' }] }), {
          status: 200,
        })
      }
      return new Response(JSON.stringify({ error: { code: 'no_route', message: '接口不存在' } }), { status: 404 })
    }),
  )
})
afterEach(() => vi.unstubAllGlobals())

async function render(username: string, role: Role, department_code: string, items: ReturnType<typeof account>[]) {
  listed = items
  const pinia = createPinia()
  setActivePinia(pinia)
  const session = useSessionStore()
  session.account = { username, real_name: '王五', role, department_code, must_change_password: false, csrf_token: 't' }
  session.loaded = true
  const w = mount(AccountList, { global: { plugins: [pinia, ElementPlus], stubs: { ArrowDown: true } }, attachTo: document.body })
  await flushPromises()
  return w
}

/** The text of the actions cell of username's row. */
function actionsOf(w: Awaited<ReturnType<typeof render>>, username: string): string {
  const row = w.findAll('.el-table__body tr').find((r) => r.text().includes(username))
  if (!row) throw new Error(`no row for ${username}`)
  const cells = row.findAll('td')
  return cells[cells.length - 1].text()
}

describe('AccountList', () => {
  it('offers a department admin its clerks but not its inspectors', async () => {
    const w = await render('zjj-admin', 'dept_admin', 'ZJJ', zjj)
    expect(actionsOf(w, 'zjj-clerk')).toContain('编辑')
    expect(actionsOf(w, 'zjj-clerk')).toContain('停用')
    const inspector = actionsOf(w, 'zjj-inspector')
    expect(inspector).not.toContain('编辑')
    expect(inspector).not.toContain('停用')
    expect(inspector).not.toContain('更换令牌')
    expect(inspector).toContain('由电子政务办管理员管理')
    // its own token, and only its own
    expect(actionsOf(w, 'zjj-admin')).toContain('更换令牌')
    expect(w.find('[data-testid=account-create]').exists()).toBe(true)
    w.unmount()
  })

  it('offers the admin every action on an inspector', async () => {
    const w = await render('admin', 'admin', '', [account('admin', 'admin'), ...zjj])
    expect(actionsOf(w, 'zjj-inspector')).toContain('编辑')
    expect(actionsOf(w, 'zjj-inspector')).toContain('停用')
    w.unmount()
  })

  it('shows supervision the inspectors, read only', async () => {
    const w = await render('supervision', 'supervision', '', inspectors)
    expect(w.text()).toContain('各部门监察人员（只读）')
    expect(w.find('[data-testid=account-create]').exists()).toBe(false)
    for (const u of ['zjj-inspector', 'scj-inspector']) {
      expect(actionsOf(w, u)).not.toContain('编辑')
      expect(actionsOf(w, u)).not.toContain('更换令牌')
    }
    w.unmount()
  })
})
