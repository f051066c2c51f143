import { describe, expect, it, vi, beforeEach, afterEach } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { DEFAULT_DISTRICT_NAME, districtTitle, useReferenceStore } from './reference'

const settings = {
  district_name: '东区',
  offices: { egov: '东区电子政务办', legal: '东区司法局', oversight: '东区政务服务管理办公室', supervision: '东区监察委员会' },
}

beforeEach(() => {
  setActivePinia(createPinia())
  vi.stubGlobal('fetch', vi.fn(async (url: string) => {
    if (url.startsWith('/api/v1/departments')) {
      return new Response(JSON.stringify({ items: [{ code: 'ZJJ', name: '区住房和城乡建设局' }] }), { status: 200 })
    }
    if (url.startsWith('/api/v1/settings')) return new Response(JSON.stringify(settings), { status: 200 })
    return new Response(JSON.stringify({ error: { code: 'no_route', message: '接口不存在' } }), { status: 404 })
  }))
})
afterEach(() => vi.unstubAllGlobals())

describe('reference store', () => {
  it('loads the district name and office names from /api/v1/settings', async () => {
    const ref = useReferenceStore()
    expect(ref.districtName).toBe(DEFAULT_DISTRICT_NAME)
    await ref.load()
    expect(ref.districtName).toBe('东区')
    expect(ref.offices?.legal).toBe('东区司法局')
    expect(ref.departmentName('ZJJ')).toBe('区住房和城乡建设局')
    const calls = (fetch as unknown as { mock: { calls: unknown[][] } }).mock.calls.map((c) => String(c[0]))
    expect(calls.some((u) => u.startsWith('/api/v1/settings'))).toBe(true)
  })

  it('keeps the placeholder name when the settings cannot be read', async () => {
    vi.stubGlobal('fetch', vi.fn(async (url: string) =>
      url.startsWith('/api/v1/settings')
        ? new Response(JSON.stringify({ error: { code: 'internal', message: '内部错误' } }), { status: 500 })
        : new Response(JSON.stringify({ items: [] }), { status: 200 })))
    const ref = useReferenceStore()
    await ref.load()
    expect(ref.districtName).toBe(DEFAULT_DISTRICT_NAME)
    expect(ref.loaded).toBe(true)
  })
})

describe('districtTitle', () => {
  it('puts the district before the platform name', () => {
    expect(districtTitle('工作台 - 行政权力运行监察平台', '仁和区')).toBe('工作台 - 仁和区行政权力运行监察平台')
    expect(districtTitle('行政权力运行监察平台', '仁和区')).toBe('仁和区行政权力运行监察平台')
  })
  it('leaves other titles and the placeholder alone', () => {
    expect(districtTitle('事项 - 区行政权力公开', '仁和区')).toBe('事项 - 区行政权力公开')
    expect(districtTitle('工作台 - 行政权力运行监察平台', DEFAULT_DISTRICT_NAME)).toBe('工作台 - 行政权力运行监察平台')
    expect(districtTitle('工作台 - 仁和区行政权力运行监察平台', '仁和区')).toBe('工作台 - 仁和区行政权力运行监察平台')
  })
})
