import type { RouteRecordRaw } from 'vue-router'

// 预警处置: every signed-in account may read the warnings of its scope
// (GET /api/v1/warnings is open to all; department accounts see their own
// department). Which lifecycle actions a row offers depends on the role.
const routes: RouteRecordRaw[] = [
  {
    path: '/warnings',
    name: 'warnings',
    component: () => import('./WarningList.vue'),
    meta: { title: '预警处置', menu: { order: 30, icon: 'Bell' } },
  },
  {
    path: '/warnings/:id',
    name: 'warning',
    component: () => import('./WarningDetail.vue'),
    meta: { title: '预警详情' },
  },
]

export default routes
