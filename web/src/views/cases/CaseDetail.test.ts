import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory, createRouter, RouterView } from 'vue-router'
import ElementPlus from 'element-plus'
import { h } from 'vue'
import CaseDetail from './CaseDetail.vue'
import { useSessionStore } from '@/stores/session'
import type { CaseView, PowerItem, Step } from './types'

const item: PowerItem = {
  code: 'XK-001', version: 1, name: '建筑工程施工许可', category: '行政许可', department_code: 'ZJJ',
  legal_bases: [{ id: 'LB1', title: '《中华人民共和国建筑法》', article: '第八条' }],
  time_limit: { days: 20, unit: 'workday' },
  steps: [{ code: 'accept', name: '受理' }, { code: 'review', name: '审查' }, { code: 'decide', name: '决定' }, { code: 'deliver', name: '送达' }],
  discretion: null, status: 'active', created_at: '2026-01-01T00:00:00Z',
}

function step(id: string, code: string, day: number): Step {
  const at = `2026-03-${String(day).padStart(2, '0')}T09:00:00+08:00`
  return {
    id, case_no: 'ZJJ-2026-0001', step_code: code, handler: '张三', occurred_at: at, recorded_at: at,
    legal_basis_ids: ['LB1'], declared_approvals: [], attributes: {}, check_status: 'checked', policy_revision: 1,
  }
}

const caseView: CaseView = {
  case_no: 'ZJJ-2026-0001', power_item_code: 'XK-001', power_item_version: 1, department_code: 'ZJJ',
  applicant: '某建设公司', accepted_at: '2026-03-02T09:00:00+08:00', status: 'open',
  created_at: '2026-03-02T01:00:00Z', updated_at: '2026-03-04T01:00:00Z', next_check_at: null,
  steps: [step('s1', 'accept', 2)], steps_next_cursor: 'c1', warnings: [], time: null,
}

const json = (v: unknown, status = 200) => new Response(JSON.stringify(v), { status })

/** The server: the case's answer holds its first step, two pages hold the others. */
function serve(failFirstPageRead: boolean) {
  let failed = !failFirstPageRead
  const asked: string[] = []
  vi.stubGlobal('fetch', vi.fn(async (url: string) => {
    asked.push(url)
    if (url === '/api/v1/cases/ZJJ-2026-0001') return json(caseView)
    if (url === '/api/v1/cases/ZJJ-2026-0001/steps?cursor=c1') {
      if (!failed) {
        failed = true
        return json({ error: { code: 'too_many_concurrent_requests', message: '本账号同时进行的查询请求过多' } }, 429)
      }
      return json({ items: [step('s2', 'review', 3)], next_cursor: 'c2' })
    }
    if (url === '/api/v1/cases/ZJJ-2026-0001/steps?cursor=c2') return json({ items: [step('s3', 'decide', 4)], next_cursor: null })
    if (url.startsWith('/api/v1/power-items/XK-001')) return json(item)
    if (url.startsWith('/api/v1/rules')) return json({ items: [] })
    if (url.startsWith('/api/v1/departments')) return json({ items: [{ code: 'ZJJ', name: '区住房和城乡建设局' }] })
    return json({ error: { code: 'no_route', message: '接口不存在' } }, 404)
  }))
  return asked
}

async function render() {
  const pinia = createPinia()
  setActivePinia(pinia)
  const session = useSessionStore()
  session.account = {
    username: 'zjj-clerk', real_name: '张三', role: 'clerk', department_code: 'ZJJ', must_change_password: false, csrf_token: 't',
  }
  session.loaded = true
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/cases', component: { render: () => h('div') } },
      { path: '/cases/:caseNo', component: CaseDetail },
    ],
  })
  await router.push('/cases/ZJJ-2026-0001')
  const w = mount({ render: () => h(RouterView) }, { global: { plugins: [pinia, router, ElementPlus] }, attachTo: document.body })
  await flushPromises()
  return w
}

const doneSteps = (w: Awaited<ReturnType<typeof render>>) => w.findAll('[data-testid=flow-flow]').map((e) => e.find('strong').text())

beforeEach(() => vi.useRealTimers())
afterEach(() => {
  vi.unstubAllGlobals()
  document.body.innerHTML = ''
})

describe('CaseDetail', () => {
  it('reads the steps beyond the first page by itself and shows them all', async () => {
    const asked = serve(false)
    const w = await render()
    expect(doneSteps(w)).toEqual(['受理', '审查', '决定'])
    expect(w.find('[data-testid=flow-pending]').text()).toContain('送达')
    expect(w.find('[data-testid=more-steps]').exists()).toBe(false)
    expect(w.find('[data-testid=record-step]').attributes('disabled')).toBeUndefined()
    expect(asked.filter((u) => u.includes('/steps?'))).toEqual([
      '/api/v1/cases/ZJJ-2026-0001/steps?cursor=c1',
      '/api/v1/cases/ZJJ-2026-0001/steps?cursor=c2',
    ])
    w.unmount()
  })

  it('offers to load more when reading the other steps failed, and keeps recording closed until then', async () => {
    serve(true)
    const w = await render()
    expect(doneSteps(w)).toEqual(['受理'])
    const more = w.find('[data-testid=more-steps]')
    expect(more.text()).toContain('其余环节记录读取失败')
    expect(more.text()).toContain('本账号同时进行的查询请求过多')
    expect(w.find('[data-testid=record-step]').attributes('disabled')).toBeDefined()

    await w.find('[data-testid=load-more-steps]').trigger('click')
    await flushPromises()
    expect(doneSteps(w)).toEqual(['受理', '审查', '决定'])
    expect(w.find('[data-testid=more-steps]').exists()).toBe(false)
    expect(w.find('[data-testid=record-step]').attributes('disabled')).toBeUndefined()
    w.unmount()
  })
})
