import { describe, expect, it, vi, beforeEach, afterEach } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory, createRouter, RouterView } from 'vue-router'
import ElementPlus from 'element-plus'
import { defineComponent, h } from 'vue'
import AppLayout from '@/layout/AppLayout.vue'
import { useSessionStore } from '@/stores/session'

const Page = defineComponent({ render: () => h('div', { class: 'page' }, 'page') })

beforeEach(() => {
  vi.stubGlobal('fetch', vi.fn(async (url: string) => {
    if (url.startsWith('/api/v1/departments')) {
      return new Response(JSON.stringify({ items: [{ code: 'ZJJ', name: '区住房和城乡建设局' }] }), { status: 200 })
    }
    if (url.startsWith('/api/v1/settings')) {
      return new Response(JSON.stringify({ district_name: '示范区' }), { status: 200 })
    }
    return new Response(JSON.stringify({ error: { code: 'no_route', message: '接口不存在' } }), { status: 404 })
  }))
})
afterEach(() => vi.unstubAllGlobals())

async function render(role: 'clerk' | 'admin') {
  const pinia = createPinia()
  setActivePinia(pinia)
  const session = useSessionStore()
  session.account = {
    username: 'u',
    real_name: '王五',
    role,
    department_code: role === 'clerk' ? 'ZJJ' : '',
    must_change_password: false,
    csrf_token: 't',
  }
  session.loaded = true
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      {
        path: '/',
        component: AppLayout,
        children: [
          { path: '/', component: Page, meta: { title: '工作台', menu: { order: 10, icon: 'House' } } },
          { path: '/cases', component: Page, meta: { title: '办件', roles: ['clerk'], menu: { order: 20 } } },
          { path: '/cases/:no', component: Page, meta: { title: '办件详情' } },
          { path: '/admin/accounts', component: Page, meta: { title: '账号管理', roles: ['admin'], menu: { order: 91, group: '系统管理' } } },
        ],
      },
    ],
  })
  await router.push('/cases/A1')
  const w = mount({ render: () => h(RouterView) }, { global: { plugins: [pinia, router, ElementPlus] }, attachTo: document.body })
  await flushPromises()
  return w
}

describe('AppLayout', () => {
  it('shows the user, role and department, and the menu entries of the role', async () => {
    const w = await render('clerk')
    expect(w.find('[data-testid=user-name]').text()).toBe('王五')
    expect(w.find('[data-testid=user-role]').text()).toBe('录入员')
    expect(w.find('[data-testid=user-department]').text()).toBe('区住房和城乡建设局')
    expect(w.text()).toContain('行政权力运行监察平台')
    const items = w.findAll('.el-menu-item').map((i) => i.text())
    expect(items).toEqual(['工作台', '办件'])
    // the detail page of a case keeps 办件 active
    expect(w.find('.el-menu-item.is-active').text()).toBe('办件')
    expect(w.find('.page').exists()).toBe(true)
    w.unmount()
  })

  it('names the district from the settings in the header and the tab title', async () => {
    const w = await render('clerk')
    expect(w.find('.brand-district').text()).toBe('示范区')
    expect(document.title).toBe('办件详情 - 示范区行政权力运行监察平台')
    w.unmount()
  })

  it('groups entries and hides other roles pages', async () => {
    const w = await render('admin')
    expect(w.find('[data-testid=user-department]').exists()).toBe(false)
    expect(w.find('.el-sub-menu').text()).toContain('系统管理')
    expect(w.text()).toContain('账号管理')
    expect(w.text()).not.toContain('办件')
    w.unmount()
  })
})
