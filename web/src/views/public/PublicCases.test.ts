import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import PublicCases from './PublicCases.vue'

const found = {
  case_no: 'ZJJ-2026-0001',
  item: { code: 'XK-ZJJ-001', name: '建筑工程施工许可' },
  department_name: '区住房和城乡建设局',
  accepted_at: '2026-03-02T09:00:00+08:00',
  due_date: '2026-03-11',
  status: 'open',
  steps: [{ name: '受理', date: '2026-03-02' }, { name: '审查', date: '2026-03-03' }],
}

let asked: { url: string; init: RequestInit }[]
let answer: () => Response

beforeEach(() => {
  asked = []
  vi.stubGlobal('fetch', vi.fn(async (url: string, init: RequestInit) => {
    asked.push({ url, init })
    return answer()
  }))
})
afterEach(() => vi.unstubAllGlobals())

async function lookUp(caseNo: string, code: string) {
  const w = mount(PublicCases, { global: { plugins: [ElementPlus] }, attachTo: document.body })
  await w.find('input[data-testid="lookup-case-no"]').setValue(caseNo)
  await w.find('input[data-testid="lookup-code"]').setValue(code)
  await w.find('form').trigger('submit')
  await flushPromises()
  await flushPromises()
  return w
}

describe('PublicCases', () => {
  it('labels its inputs', async () => {
    const w = mount(PublicCases, { global: { plugins: [ElementPlus] } })
    await flushPromises()
    const labels = w.findAll('label').map((l) => l.text())
    expect(labels).toEqual(expect.arrayContaining(['办件编号', '查询码']))
    for (const l of w.findAll('label[for]')) {
      expect(w.find(`#${l.attributes('for')}`).exists()).toBe(true)
    }
    w.unmount()
  })

  it('shows the progress of a case', async () => {
    answer = () => new Response(JSON.stringify(found), { status: 200 })
    const w = await lookUp(' ZJJ-2026-0001 ', 'AB12 CD34')
    expect(asked.map((a) => a.url)).toEqual(['/api/public/v1/cases/ZJJ-2026-0001?code=AB12CD34'])
    expect(asked[0].init.credentials).toBe('omit')
    const result = w.find('[data-testid="lookup-result"]')
    expect(result.text()).toContain('建筑工程施工许可')
    expect(result.text()).toContain('区住房和城乡建设局')
    expect(result.text()).toContain('2026年3月2日')
    expect(w.find('[data-testid="lookup-due"]').text()).toBe('2026年3月11日')
    expect(w.find('[data-testid="lookup-status"]').text()).toBe('办理中')
    expect(w.findAll('[data-testid="lookup-steps"] li').map((li) => li.text())).toEqual(['受理2026年3月2日', '审查2026年3月3日'])
    w.unmount()
  })

  it('says the same for an unknown case and a wrong code', async () => {
    answer = () => new Response(JSON.stringify({ error: { code: 'not_found', message: '办件不存在' } }), { status: 404 })
    const w = await lookUp('ZJJ-2026-0001', 'WRONG123')
    expect(w.find('[data-testid="lookup-error"]').text()).toContain('未找到该办件，请核对办件编号和查询码')
    expect(w.find('[data-testid="lookup-result"]').exists()).toBe(false)
    w.unmount()
  })

  it('asks to wait after too many lookups', async () => {
    answer = () => new Response(JSON.stringify({ error: { code: 'too_many_requests', message: '请求过多' } }), { status: 429 })
    const w = await lookUp('ZJJ-2026-0001', 'AB12CD34')
    expect(w.find('[data-testid="lookup-error"]').text()).toContain('查询过于频繁，请稍后再试')
    w.unmount()
  })
})
