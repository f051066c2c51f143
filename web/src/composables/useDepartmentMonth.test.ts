import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory, createRouter, RouterView } from 'vue-router'
import { defineComponent, h } from 'vue'
import { currentMonth, type Role } from '@/format'
import { useSessionStore } from '@/stores/session'
import { shiftMonth } from '@/views/patrols/ledger'
import { useDepartmentMonth } from './useDepartmentMonth'

const departments = [
  { code: 'ZJJ', name: '区住房和城乡建设局' },
  { code: 'SCJ', name: '区市场监督管理局' },
]

beforeEach(() => {
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string) => {
      if (url.startsWith('/api/v1/departments')) return new Response(JSON.stringify({ items: departments }), { status: 200 })
      return new Response(JSON.stringify({}), { status: 200 })
    }),
  )
})
afterEach(() => vi.unstubAllGlobals())

type State = ReturnType<typeof useDepartmentMonth>

/** Opens /page?query as `role` and answers the page's state and the router. */
async function open(role: Role, department: string | undefined, query: Record<string, string>) {
  const pinia = createPinia()
  setActivePinia(pinia)
  const session = useSessionStore()
  session.account = { username: 'u', real_name: '张三', role, department_code: department ?? '', must_change_password: false, csrf_token: 't' }
  session.loaded = true
  let state!: State
  const Page = defineComponent({
    setup() {
      state = useDepartmentMonth((m) => shiftMonth(m, -1))
      return () => h('div')
    },
  })
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/page', component: Page }] })
  await router.push({ path: '/page', query })
  mount(RouterView, { global: { plugins: [pinia, router] } })
  await flushPromises()
  return { state, router }
}

describe('useDepartmentMonth', () => {
  const thisMonth = currentMonth()
  const lastMonth = shiftMonth(thisMonth, -1)

  it('takes the month from the address, unless it is missing, malformed or still to come', async () => {
    expect((await open('oversight', undefined, { month: '2026-01' })).state.month.value).toBe('2026-01')
    expect((await open('oversight', undefined, {})).state.month.value).toBe(lastMonth)
    expect((await open('oversight', undefined, { month: '2026-13' })).state.month.value).toBe(lastMonth)
    expect((await open('oversight', undefined, { month: shiftMonth(thisMonth, 1) })).state.month.value).toBe(lastMonth)
  })

  it('gives a department account its own department', async () => {
    const { state } = await open('dept_admin', 'SCJ', { department: 'ZJJ' })
    expect(state.districtWide.value).toBe(false)
    await state.chooseDepartment()
    expect(state.department.value).toBe('SCJ')
  })

  it("lets a district-wide account open the address's department, else the first one", async () => {
    const asked = await open('oversight', undefined, { department: 'SCJ' })
    await asked.state.chooseDepartment()
    expect(asked.state.districtWide.value).toBe(true)
    expect(asked.state.department.value).toBe('SCJ')
    expect(asked.state.departmentName.value).toBe('区市场监督管理局')
    const unknown = await open('oversight', undefined, { department: 'NOPE' })
    await unknown.state.chooseDepartment()
    expect(unknown.state.department.value).toBe('ZJJ')
  })

  it('keeps the month and (district-wide) the department in the address', async () => {
    const { state, router } = await open('supervision', undefined, { month: '2026-01', other: 'kept' })
    await state.chooseDepartment()
    state.month.value = '2026-02'
    state.syncQuery()
    await flushPromises()
    expect(router.currentRoute.value.query).toEqual({ month: '2026-02', department: 'ZJJ', other: 'kept' })

    const own = await open('dept_inspector', 'ZJJ', { month: '2026-01', department: 'SCJ' })
    await own.state.chooseDepartment()
    own.state.syncQuery()
    await flushPromises()
    expect(own.router.currentRoute.value.query).toEqual({ month: '2026-01' })
  })
})
