// The one way pages talk to the server: /api/v1, cookies, the CSRF token on
// unsafe methods, and the API's errors as ApiError with its Chinese message.
// The public pages read /api/public/v1 the same way, without cookies.

export const API_BASE = '/api/v1'
/** The public disclosure API: no sign-in, read only. */
export const PUBLIC_API_BASE = '/api/public/v1'

export type Query = Record<string, string | number | boolean | undefined | null>

/** An error answered by the API ({error: {code, message, details}}) or a failed request. */
export class ApiError extends Error {
  status: number
  code: string
  details: any

  constructor(status: number, code: string, message: string, details?: any) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.details = details
  }
}

/**
 * The 422 details of e as field → Chinese message (e.g. {step_code: '流程中没有该环节'}),
 * for el-form-item :error. Empty for anything else.
 */
export function fieldErrors(e: unknown): Record<string, string> {
  const out: Record<string, string> = {}
  if (!(e instanceof ApiError) || e.details == null) return out
  const add = (field: unknown, message: unknown) => {
    if (typeof field !== 'string' || field === '' || typeof message !== 'string') return
    out[field] = out[field] ? `${out[field]}；${message}` : message
  }
  if (Array.isArray(e.details)) {
    for (const d of e.details) if (d && typeof d === 'object') add(d.field, d.message)
  } else if (typeof e.details === 'object') {
    for (const [k, v] of Object.entries(e.details)) add(k, v)
  }
  return out
}

/** The Chinese message to show a person for any error. */
export function errorMessage(e: unknown): string {
  if (e instanceof ApiError) return e.message
  if (e instanceof Error && e.message) return e.message
  return '操作失败，请稍后重试'
}

/** '?a=1&b=x' from q, dropping undefined, null and empty strings; '' when nothing is left. */
export function buildQuery(q?: Query): string {
  if (!q) return ''
  const p = new URLSearchParams()
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined || v === null) continue
    const s = typeof v === 'string' ? v.trim() : String(v)
    if (s === '') continue
    p.append(k, s)
  }
  const s = p.toString()
  return s ? `?${s}` : ''
}

// Set by main.ts / the session store; api.ts imports neither (no cycles).
interface Hooks {
  csrfToken: () => string | null | undefined
  /** A 401 on anything but the session endpoints: the session is gone. */
  onUnauthorized: () => void
  /** 403 password_change_required. */
  onPasswordChangeRequired: () => void
}
const hooks: Hooks = {
  csrfToken: () => null,
  onUnauthorized: () => {},
  onPasswordChangeRequired: () => {},
}

export function configureApi(h: Partial<Hooks>): void {
  Object.assign(hooks, h)
}

const unsafe = (method: string) => !['GET', 'HEAD', 'OPTIONS'].includes(method)

function url(path: string, query?: Query, base = API_BASE): string {
  return base + (path.startsWith('/') ? path : `/${path}`) + buildQuery(query)
}

function headers(method: string, hasBody: boolean, accept = 'application/json'): Headers {
  const h = new Headers({ Accept: accept })
  if (hasBody) h.set('Content-Type', 'application/json')
  const token = hooks.csrfToken()
  if (unsafe(method) && token) h.set('X-CSRF-Token', token)
  return h
}

async function toError(res: Response, path: string, base = API_BASE): Promise<ApiError> {
  let err: ApiError
  const text = await res.text().catch(() => '')
  let body: any = null
  try {
    body = text ? JSON.parse(text) : null
  } catch {
    body = null
  }
  if (body && body.error && typeof body.error.message === 'string') {
    err = new ApiError(res.status, String(body.error.code ?? ''), body.error.message, body.error.details)
  } else if (res.status === 502 || res.status === 503 || res.status === 504) {
    err = new ApiError(res.status, 'unavailable', `服务器暂时无法访问（HTTP ${res.status}），请稍后重试`)
  } else {
    err = new ApiError(res.status, `http_${res.status}`, `请求失败（HTTP ${res.status}）`)
  }
  // The public API knows no session: its refusals say nothing about one.
  if (base !== API_BASE) return err
  if (res.status === 401 && !path.startsWith('/session')) hooks.onUnauthorized()
  if (res.status === 403 && err.code === 'password_change_required') hooks.onPasswordChangeRequired()
  return err
}

async function request<T>(method: string, path: string, body?: unknown, query?: Query, base = API_BASE): Promise<T> {
  const hasBody = body !== undefined
  const signedIn = base === API_BASE
  let res: Response
  try {
    res = await fetch(url(path, query, base), {
      method,
      credentials: signedIn ? 'same-origin' : 'omit',
      headers: signedIn ? headers(method, hasBody) : new Headers({ Accept: 'application/json' }),
      body: hasBody ? JSON.stringify(body) : undefined,
    })
  } catch {
    throw new ApiError(0, 'network', '无法连接服务器，请检查网络后重试')
  }
  if (!res.ok) throw await toError(res, path, base)
  if (res.status === 204) return undefined as T
  const text = await res.text()
  if (!text) return undefined as T
  try {
    return JSON.parse(text) as T
  } catch {
    throw new ApiError(res.status, 'bad_response', '服务器的应答无法识别')
  }
}

/** The file name of a Content-Disposition header (RFC 5987 filename* first). */
export function dispositionFilename(header: string | null): string | null {
  if (!header) return null
  const star = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(header)
  if (star) {
    try {
      return decodeURIComponent(star[1].trim().replace(/^"|"$/g, ''))
    } catch {
      /* fall through */
    }
  }
  const plain = /filename\s*=\s*("([^"]*)"|[^;]+)/.exec(header)
  if (plain) return (plain[2] ?? plain[1]).trim()
  return null
}

async function download(path: string, query?: Query, filename?: string): Promise<void> {
  let res: Response
  try {
    res = await fetch(url(path, query), { method: 'GET', credentials: 'same-origin', headers: headers('GET', false, '*/*') })
  } catch {
    throw new ApiError(0, 'network', '无法连接服务器，请检查网络后重试')
  }
  if (!res.ok) throw await toError(res, path)
  const blob = await res.blob()
  const name = filename || dispositionFilename(res.headers.get('Content-Disposition')) || path.split('/').pop() || 'download'
  const href = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = href
  a.download = name
  a.style.display = 'none'
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(href), 10_000)
}

/** Sends a file as the raw body of a PUT (uploads take no JSON); answers the JSON reply. */
async function upload<T>(path: string, file: Blob): Promise<T> {
  let res: Response
  try {
    const h = headers('PUT', false)
    h.set('Content-Type', file.type || 'application/octet-stream')
    res = await fetch(url(path), { method: 'PUT', credentials: 'same-origin', headers: h, body: file })
  } catch {
    throw new ApiError(0, 'network', '无法连接服务器，请检查网络后重试')
  }
  if (!res.ok) throw await toError(res, path)
  const text = await res.text()
  try {
    return (text ? JSON.parse(text) : undefined) as T
  } catch {
    throw new ApiError(res.status, 'bad_response', '服务器的应答无法识别')
  }
}

export const api = {
  upload,
  get: <T>(path: string, query?: Query) => request<T>('GET', path, undefined, query),
  post: <T>(path: string, body?: unknown) => request<T>('POST', path, body),
  put: <T>(path: string, body?: unknown) => request<T>('PUT', path, body),
  patch: <T>(path: string, body?: unknown) => request<T>('PATCH', path, body),
  del: <T = void>(path: string) => request<T>('DELETE', path),
  download,
}

/** The public disclosure API (/api/public/v1): reads only, no session. */
export const publicApi = {
  get: <T>(path: string, query?: Query) => request<T>('GET', path, undefined, query, PUBLIC_API_BASE),
  /** The address of a file of the public API (open data), for a plain link. */
  href: (path: string, query?: Query) => url(path, query, PUBLIC_API_BASE),
}

/** A page of a cursor-paged list. */
export interface Page<T> {
  items: T[]
  next_cursor?: string | null
}
