import { createRouter, createWebHistory } from 'vue-router'
import type { RouteRecordRaw } from 'vue-router'
import { useSessionStore } from '../stores/session'
import { accessTarget } from './access'
import AppLayout from '../layout/AppLayout.vue'

/** Every page area's routes: src/views/<area>/routes.ts default-exports RouteRecordRaw[] (children of the layout). */
const modules = import.meta.glob<{ default: RouteRecordRaw[] }>('../views/*/routes.ts', { eager: true })

export const pageRoutes: RouteRecordRaw[] = Object.keys(modules)
  .sort()
  .flatMap((k) => modules[k].default ?? [])

export const routes: RouteRecordRaw[] = [
  {
    path: '/login',
    name: 'login',
    component: () => import('../views/auth/SignIn.vue'),
    meta: { title: '登录', public: true },
  },
  {
    path: '/password',
    name: 'password',
    component: () => import('../views/auth/ChangePassword.vue'),
    meta: { title: '修改密码' },
  },
  {
    path: '/',
    component: AppLayout,
    children: [
      ...pageRoutes,
      {
        path: '/forbidden',
        name: 'forbidden',
        component: () => import('../views/auth/Forbidden.vue'),
        meta: { title: '无权访问' },
      },
      {
        path: '/:pathMatch(.*)*',
        name: 'not-found',
        component: () => import('../views/auth/NotFound.vue'),
        meta: { title: '页面不存在' },
      },
    ],
  },
]

export { APP_TITLE, accessTarget, menuEntries, roleAllowed, safeRedirect } from './access'
export type { MenuEntry } from './access'
import { APP_TITLE } from './access'

const router = createRouter({
  history: createWebHistory('/'),
  routes,
  scrollBehavior: () => ({ top: 0 }),
})

router.beforeEach(async (to) => {
  const session = useSessionStore()
  if (!session.loaded) await session.load()
  return accessTarget(to, session.account)
})

router.afterEach((to) => {
  document.title = to.meta.title ? `${to.meta.title} - ${APP_TITLE}` : APP_TITLE
})

export default router
