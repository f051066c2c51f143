import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import { createMemoryHistory, createRouter, RouterView } from 'vue-router'
import { defineComponent, h } from 'vue'
import PublicItems from './PublicItems.vue'

const row = (code: string, name: string, extra = {}) => ({
  code, name, category: '行政许可', department_code: 'ZJJ', department_name: '区住房和城乡建设局',
  time_limit: { days: 7, unit: 'workday' }, statutory_limit: null, ...extra,
})

let asked: string[]

beforeEach(() => {
  asked = []
  vi.stubGlobal('fetch', vi.fn(async (url: string) => {
    asked.push(url)
    const json = (v: unknown) => new Response(JSON.stringify(v), { status: 200 })
    if (url.startsWith('/api/public/v1/stats')) {
      return json({ month: '2026-02', departments: [{ department_code: 'SCJ', department_name: '区市场监督管理局' }] })
    }
    if (url.includes('cursor=c2')) return json({ items: [row('XK-ZJJ-003', '第三项')], next_cursor: null })
    if (url.startsWith('/api/public/v1/items')) {
      return json({
        items: [row('XK-ZJJ-001', '建筑工程施工许可', { statutory_limit: { days: 20, unit: 'workday' } }), row('XK-ZJJ-002', '第二项')],
        next_cursor: 'c2',
      })
    }
    return new Response('{}', { status: 404 })
  }))
})
afterEach(() => vi.unstubAllGlobals())

async function render(path: string) {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/public/items', component: PublicItems },
      { path: '/public/items/:code', component: defineComponent({ render: () => h('div') }) },
    ],
  })
  await router.push(path)
  await router.isReady()
  const w = mount(defineComponent({ render: () => h(RouterView) }), { global: { plugins: [ElementPlus, router] } })
  await flushPromises()
  return { w, router }
}

describe('PublicItems', () => {
  it('lists the items with their limits and reads more on 加载更多', async () => {
    const { w } = await render('/public/items')
    const items = () => w.findAll('[data-testid="public-items"] > li')
    expect(items()).toHaveLength(2)
    expect(items()[0].text()).toContain('建筑工程施工许可')
    expect(items()[0].text()).toContain('XK-ZJJ-001')
    expect(items()[0].text()).toContain('承诺时限7 个工作日')
    expect(items()[0].text()).toContain('法定时限20 个工作日')
    expect(items()[1].text()).not.toContain('法定时限')
    expect(items()[0].find('a').attributes('href')).toBe('/public/items/XK-ZJJ-001')

    await w.find('[data-testid="public-load-more"]').trigger('click')
    await flushPromises()
    expect(items()).toHaveLength(3)
    expect(w.find('[data-testid="public-load-more"]').exists()).toBe(false)
    expect(asked.filter((u) => u.startsWith('/api/public/v1/items'))).toEqual([
      '/api/public/v1/items?limit=20',
      '/api/public/v1/items?cursor=c2&limit=20',
    ])
  })

  it('reads the filters from the address and puts the keyword there on 查询', async () => {
    const { w, router } = await render('/public/items?department=ZJJ&category=%E8%A1%8C%E6%94%BF%E8%AE%B8%E5%8F%AF')
    expect(asked[0]).toBe('/api/public/v1/items?department=ZJJ&category=%E8%A1%8C%E6%94%BF%E8%AE%B8%E5%8F%AF&limit=20')
    await w.find('input[data-testid="public-q"]').setValue('施工')
    await w.find('form').trigger('submit')
    await flushPromises()
    expect(router.currentRoute.value.query).toEqual({ q: '施工', department: 'ZJJ', category: '行政许可' })
    expect(asked.at(-1)).toBe('/api/public/v1/items?q=%E6%96%BD%E5%B7%A5&department=ZJJ&category=%E8%A1%8C%E6%94%BF%E8%AE%B8%E5%8F%AF&limit=20')
  })

  it("offers the departments of this month's figures and of the items", async () => {
    const { w } = await render('/public/items')
    const vm = w.findComponent(PublicItems).vm as unknown as { departments: { code: string }[] }
    expect(vm.departments.map((d) => d.code)).toEqual(['SCJ', 'ZJJ'])
  })
})
