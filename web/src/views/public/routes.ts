import type { RouteRecordRaw } from 'vue-router'
import { page } from '../../router/page'

// 公开: the pages a citizen reads without signing in. The router places them
// under /public in the public layout (src/layout/PublicLayout.vue), not in the
// signed-in one.
const routes: RouteRecordRaw[] = [
  page('/public/items', 'public-items', () => import('./PublicItems.vue'), { title: '权力清单' }),
  page('/public/items/:code', 'public-item', () => import('./PublicItem.vue'), { title: '权力事项' }),
  page('/public/cases', 'public-cases', () => import('./PublicCases.vue'), { title: '办件查询' }),
  page('/public/stats', 'public-stats', () => import('./PublicStats.vue'), { title: '运行数据' }),
]

export default routes
