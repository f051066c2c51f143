import type { RouteRecordRaw } from 'vue-router'

// 办件: every role reads the cases of its scope; clerks and department admins
// also record steps (the pages show the forms only to them).
const routes: RouteRecordRaw[] = [
  {
    path: '/cases',
    name: 'cases',
    component: () => import('./CaseList.vue'),
    meta: { title: '办件', menu: { order: 20, icon: 'Folder' } },
  },
  {
    path: '/cases/:caseNo',
    name: 'case-detail',
    component: () => import('./CaseDetail.vue'),
    meta: { title: '办件详情' },
  },
]

export default routes
