import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { api, ApiError, buildQuery, configureApi, dispositionFilename, errorMessage, fieldErrors, publicApi } from '@/api'

type Call = { url: string; init: RequestInit }
let calls: Call[]
let answer: () => Response

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  })
}

beforeEach(() => {
  calls = []
  answer = () => json(200, { ok: true })
  vi.stubGlobal('fetch', vi.fn(async (url: string, init: RequestInit) => {
    calls.push({ url, init })
    return answer()
  }))
  configureApi({ csrfToken: () => 'tok-123', onUnauthorized: () => {}, onPasswordChangeRequired: () => {} })
})

afterEach(() => {
  vi.unstubAllGlobals()
})

const header = (c: Call, name: string) => new Headers(c.init.headers).get(name)

describe('buildQuery', () => {
  it('drops undefined, null and empty values', () => {
    expect(buildQuery({ a: 'x', b: '', c: undefined, d: null, e: 0, f: false, g: '  ' })).toBe('?a=x&e=0&f=false')
  })
  it('answers nothing for no values', () => {
    expect(buildQuery()).toBe('')
    expect(buildQuery({ a: '', b: undefined })).toBe('')
  })
  it('encodes values', () => {
    expect(buildQuery({ q: '住建 局&x' })).toBe('?q=%E4%BD%8F%E5%BB%BA+%E5%B1%80%26x')
  })
})

describe('requests', () => {
  it('GETs under /api/v1 with the query, cookies and no CSRF header', async () => {
    await api.get('/warnings', { level: 'alarm', status: '', cursor: undefined })
    expect(calls).toHaveLength(1)
    expect(calls[0].url).toBe('/api/v1/warnings?level=alarm')
    expect(calls[0].init.method).toBe('GET')
    expect(calls[0].init.credentials).toBe('same-origin')
    expect(header(calls[0], 'X-CSRF-Token')).toBeNull()
  })

  it('sends the CSRF token and JSON on unsafe methods', async () => {
    await api.post('/steps', { case_no: 'A1' })
    await api.put('/settings', { district_name: 'x' })
    await api.patch('/accounts/u', { disabled: true })
    await api.del('/session')
    for (const c of calls) expect(header(c, 'X-CSRF-Token')).toBe('tok-123')
    expect(calls.map((c) => c.init.method)).toEqual(['POST', 'PUT', 'PATCH', 'DELETE'])
    expect(header(calls[0], 'Content-Type')).toBe('application/json')
    expect(calls[0].init.body).toBe('{"case_no":"A1"}')
    expect(calls[3].init.body).toBeUndefined()
  })

  it('sends no CSRF header when there is no session', async () => {
    configureApi({ csrfToken: () => null })
    await api.post('/session', { username: 'a', password: 'b' })
    expect(header(calls[0], 'X-CSRF-Token')).toBeNull()
  })

  it('answers undefined for 204', async () => {
    answer = () => new Response(null, { status: 204 })
    await expect(api.del('/session')).resolves.toBeUndefined()
  })

  it('parses JSON bodies', async () => {
    answer = () => json(200, { items: [1, 2], next_cursor: 'c' })
    await expect(api.get('/cases')).resolves.toEqual({ items: [1, 2], next_cursor: 'c' })
  })
})

describe('errors', () => {
  it('turns the API error body into an ApiError', async () => {
    answer = () => json(401, { error: { code: 'bad_credentials', message: '用户名或密码错误' } })
    const e = await api.post('/session', {}).then(() => { throw new Error('expected a failure') }, (x: ApiError) => x)
    expect(e).toBeInstanceOf(ApiError)
    expect(e.status).toBe(401)
    expect(e.code).toBe('bad_credentials')
    expect(e.message).toBe('用户名或密码错误')
    expect(errorMessage(e)).toBe('用户名或密码错误')
  })

  it('gives 422 details by field', async () => {
    answer = () =>
      json(422, {
        error: {
          code: 'validation_failed',
          message: '请求无效',
          details: [
            { field: 'step_code', message: '流程中没有该环节' },
            { field: 'applicant', message: '首个环节必填' },
            { field: 'applicant', message: '过长' },
          ],
        },
      })
    const e = await api.post('/steps', {}).then(() => { throw new Error('expected a failure') }, (x: ApiError) => x)
    expect(fieldErrors(e)).toEqual({ step_code: '流程中没有该环节', applicant: '首个环节必填；过长' })
  })

  it('has no field errors for other errors', () => {
    expect(fieldErrors(new Error('x'))).toEqual({})
    expect(fieldErrors(new ApiError(409, 'conflict', '冲突'))).toEqual({})
    expect(fieldErrors(new ApiError(422, 'policy', '策略', [{ path: '$.a', chinese: 'x' }]))).toEqual({})
  })

  it('explains a body that is not the API error', async () => {
    answer = () => new Response('<html>Bad gateway</html>', { status: 502 })
    const e = await api.get('/cases').then(() => { throw new Error('expected a failure') }, (x: ApiError) => x)
    expect(e).toBeInstanceOf(ApiError)
    expect(e.status).toBe(502)
    expect(e.message).toMatch(/服务器暂时无法访问/)
  })

  it('explains a network failure', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => {
      throw new TypeError('Failed to fetch')
    }))
    const e = await api.get('/cases').then(() => { throw new Error('expected a failure') }, (x: ApiError) => x)
    expect(e).toBeInstanceOf(ApiError)
    expect(e.status).toBe(0)
    expect(e.message).toMatch(/无法连接服务器/)
  })

  it('reports a 401 outside the session endpoints', async () => {
    const onUnauthorized = vi.fn()
    configureApi({ onUnauthorized })
    answer = () => json(401, { error: { code: 'unauthenticated', message: '请先登录' } })
    await api.get('/cases').catch(() => {})
    expect(onUnauthorized).toHaveBeenCalledTimes(1)
    await api.post('/session', {}).catch(() => {})
    await api.get('/session').catch(() => {})
    expect(onUnauthorized).toHaveBeenCalledTimes(1)
  })

  it('reports password_change_required', async () => {
    const onPasswordChangeRequired = vi.fn()
    configureApi({ onPasswordChangeRequired })
    answer = () => json(403, { error: { code: 'password_change_required', message: '请先修改密码' } })
    await api.get('/cases').catch(() => {})
    expect(onPasswordChangeRequired).toHaveBeenCalledTimes(1)
    answer = () => json(403, { error: { code: 'forbidden', message: '无权' } })
    await api.get('/cases').catch(() => {})
    expect(onPasswordChangeRequired).toHaveBeenCalledTimes(1)
  })
})

describe('download', () => {
  it('reads the file name from Content-Disposition', () => {
    expect(dispositionFilename(`attachment; filename="warnings.csv"`)).toBe('warnings.csv')
    expect(dispositionFilename(`attachment; filename=warnings.xlsx`)).toBe('warnings.xlsx')
    expect(dispositionFilename(`attachment; filename="a.xlsx"; filename*=UTF-8''%E9%A2%84%E8%AD%A6.xlsx`)).toBe('预警.xlsx')
    expect(dispositionFilename(null)).toBeNull()
  })

  it('saves the answer as a file', async () => {
    answer = () =>
      new Response('a,b\n', { status: 200, headers: { 'Content-Disposition': 'attachment; filename="w.csv"' } })
    const clicked: string[] = []
    const origClick = HTMLAnchorElement.prototype.click
    HTMLAnchorElement.prototype.click = function (this: HTMLAnchorElement) {
      clicked.push(this.download)
    }
    URL.createObjectURL = vi.fn(() => 'blob:x')
    URL.revokeObjectURL = vi.fn()
    try {
      await api.download('/warnings/export', { format: 'csv', level: '' })
    } finally {
      HTMLAnchorElement.prototype.click = origClick
    }
    expect(calls[0].url).toBe('/api/v1/warnings/export?format=csv')
    expect(clicked).toEqual(['w.csv'])
  })

  it('throws the API error instead of saving it', async () => {
    answer = () => json(403, { error: { code: 'forbidden', message: '无权导出' } })
    const e = await api.download('/warnings/export').then(() => { throw new Error('expected a failure') }, (x: ApiError) => x)
    expect(e).toBeInstanceOf(ApiError)
    expect(e.message).toBe('无权导出')
  })
})

describe('publicApi', () => {
  it('reads /api/public/v1 without cookies or CSRF token', async () => {
    answer = () => json(200, { items: [] })
    await publicApi.get('/items', { q: '施工', cursor: null })
    expect(calls[0].url).toBe('/api/public/v1/items?q=%E6%96%BD%E5%B7%A5')
    expect(calls[0].init.credentials).toBe('omit')
    expect(header(calls[0], 'X-CSRF-Token')).toBeNull()
  })

  it('throws ApiError without touching the session', async () => {
    const onUnauthorized = vi.fn()
    configureApi({ onUnauthorized })
    answer = () => json(401, { error: { code: 'unauthenticated', message: '未登录' } })
    await expect(publicApi.get('/cases/X', { code: 'ABCDEFGH' })).rejects.toMatchObject({ status: 401 })
    answer = () => json(429, { error: { code: 'too_many_requests', message: '请求过多' } })
    await expect(publicApi.get('/items')).rejects.toMatchObject({ status: 429, message: '请求过多' })
    expect(onUnauthorized).not.toHaveBeenCalled()
  })

  it('gives the address of an open-data file', () => {
    expect(publicApi.href('/stats.csv', { month: '2026-11' })).toBe('/api/public/v1/stats.csv?month=2026-11')
    expect(publicApi.href('catalog.json')).toBe('/api/public/v1/catalog.json')
  })
})
