import { createRouter, createWebHistory } from 'vue-router'
import type { RouteRecordRaw } from 'vue-router'
import { useSessionStore } from '../stores/session'
import { accessTarget, needsSession, pageTitle } from './access'
import { page } from './page'
import AppLayout from '../layout/AppLayout.vue'
import publicRoutes from '../views/public/routes'

/**
 * Every page area's routes: src/views/<area>/routes.ts default-exports
 * RouteRecordRaw[] (children of the signed-in layout). The public pages are
 * the exception: they have a layout of their own and need no sign-in.
 */
const modules = import.meta.glob<{ default: RouteRecordRaw[] }>(['../views/*/routes.ts', '!../views/public/routes.ts'], {
  eager: true,
})

export const pageRoutes: RouteRecordRaw[] = Object.keys(modules)
  .sort()
  .flatMap((k) => modules[k].default ?? [])

export const routes: RouteRecordRaw[] = [
  page('/login', 'login', () => import('../views/auth/SignIn.vue'), { title: '登录', public: true }),
  page('/password', 'password', () => import('../views/auth/ChangePassword.vue'), { title: '修改密码' }),
  {
    path: '/public',
    component: () => import('../layout/PublicLayout.vue'),
    meta: { public: true, disclosure: true },
    children: [
      { path: '', redirect: '/public/items' },
      ...publicRoutes,
      page(':pathMatch(.*)*', 'public-not-found', () => import('../views/public/PublicNotFound.vue'), { title: '页面不存在' }),
    ],
  },
  {
    path: '/',
    component: AppLayout,
    children: [
      ...pageRoutes,
      page('/forbidden', 'forbidden', () => import('../views/auth/Forbidden.vue'), { title: '无权访问' }),
      page('/:pathMatch(.*)*', 'not-found', () => import('../views/auth/NotFound.vue'), { title: '页面不存在' }),
    ],
  },
]

export { APP_TITLE, PUBLIC_TITLE, accessTarget, menuEntries, roleAllowed, safeRedirect } from './access'
export type { MenuEntry } from './access'

const router = createRouter({
  history: createWebHistory('/'),
  routes,
  scrollBehavior: () => ({ top: 0 }),
})

router.beforeEach(async (to) => {
  // The public pages are for everyone: who is signed in does not matter there.
  if (!needsSession(to)) return true
  const session = useSessionStore()
  if (!session.loaded) await session.load()
  return accessTarget(to, session.account)
})

router.afterEach((to) => {
  document.title = pageTitle(to)
})

export default router
