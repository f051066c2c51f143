import type { RouteRecordRaw } from 'vue-router'

// 公开: the pages a citizen reads without signing in. The router places them
// under /public in the public layout (src/layout/PublicLayout.vue), not in the
// signed-in one.
const routes: RouteRecordRaw[] = [
  {
    path: '/public/items',
    name: 'public-items',
    component: () => import('./PublicItems.vue'),
    meta: { title: '权力清单' },
  },
  {
    path: '/public/items/:code',
    name: 'public-item',
    component: () => import('./PublicItem.vue'),
    meta: { title: '权力事项' },
  },
  {
    path: '/public/cases',
    name: 'public-cases',
    component: () => import('./PublicCases.vue'),
    meta: { title: '办件查询' },
  },
  {
    path: '/public/stats',
    name: 'public-stats',
    component: () => import('./PublicStats.vue'),
    meta: { title: '运行数据' },
  },
]

export default routes
