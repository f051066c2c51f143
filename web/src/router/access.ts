import type { RouteLocationNormalized, RouteLocationRaw, RouteMeta } from 'vue-router'
import type { Account } from '../stores/session'
import type { Role } from '../format'

export const APP_TITLE = '行政权力运行监察平台'
/** The title of the public pages (/public/). */
export const PUBLIC_TITLE = '区行政权力公开'

/** Whether a navigation needs to know who is signed in: not for the public pages. */
export function needsSession(to: Pick<RouteLocationNormalized, 'meta'>): boolean {
  return !to.meta.disclosure
}

/** The browser tab's title of a page. */
export function pageTitle(to: Pick<RouteLocationNormalized, 'meta'>): string {
  const site = to.meta.disclosure ? PUBLIC_TITLE : APP_TITLE
  return to.meta.title ? `${to.meta.title} - ${site}` : site
}

/** Whether role may open a page with meta (no roles: everyone signed in). */
export function roleAllowed(meta: RouteMeta | undefined, role: Role | null | undefined): boolean {
  if (!role) return false
  return !meta?.roles || meta.roles.length === 0 || meta.roles.includes(role)
}

/** The first value of a query parameter as a string ('' when absent or not a string). */
export function queryString(v: unknown): string {
  if (typeof v === 'string') return v
  return Array.isArray(v) && typeof v[0] === 'string' ? v[0] : ''
}

/** A safe in-app path to go back to after sign-in ('/' for anything else). */
export function safeRedirect(v: unknown): string {
  const s = Array.isArray(v) ? v[0] : v
  if (typeof s !== 'string' || !s.startsWith('/') || s.startsWith('//') || s.startsWith('/\\')) return '/'
  if (s.startsWith('/login') || s.startsWith('/password')) return '/'
  return s
}

/**
 * Where the guard sends a navigation to `to` for account: true to let it
 * through, or the location to go to instead.
 */
export function accessTarget(
  to: Pick<RouteLocationNormalized, 'path' | 'fullPath' | 'query' | 'meta' | 'matched'>,
  account: Account | null,
): true | RouteLocationRaw {
  if (to.meta.public) {
    if (account && to.path === '/login') {
      return account.must_change_password ? { path: '/password' } : safeRedirect(to.query.redirect)
    }
    return true
  }
  if (!account) {
    return to.fullPath && to.fullPath !== '/' ? { path: '/login', query: { redirect: to.fullPath } } : { path: '/login' }
  }
  if (account.must_change_password) return to.path === '/password' ? true : { path: '/password' }
  if (!to.matched.every((r) => roleAllowed(r.meta, account.role))) return { path: '/forbidden', query: { from: to.fullPath } }
  return true
}

/** The side menu: routes with meta.menu that role may open, in meta.menu.order. */
export interface MenuEntry {
  path: string
  title: string
  icon?: string
  group?: string
  order: number
}

export function menuEntries(role: Role | null | undefined, records: { path: string; meta: RouteMeta }[]): MenuEntry[] {
  const seen = new Set<string>()
  const out: MenuEntry[] = []
  for (const r of records) {
    const menu = r.meta?.menu
    if (!menu || r.path.includes(':') || seen.has(r.path) || !roleAllowed(r.meta, role)) continue
    seen.add(r.path)
    out.push({ path: r.path || '/', title: r.meta.title ?? r.path, icon: menu.icon, group: menu.group, order: menu.order })
  }
  return out.sort((a, b) => a.order - b.order || a.path.localeCompare(b.path))
}

