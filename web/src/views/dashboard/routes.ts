import type { RouteRecordRaw } from 'vue-router'

const routes: RouteRecordRaw[] = [
  {
    path: '/dashboard',
    name: 'dashboard',
    component: () => import('./DashboardPage.vue'),
    meta: {
      title: '监察看板',
      // The district offices see every department; department leaders and inspectors their own.
      roles: ['admin', 'oversight', 'supervision', 'dept_admin', 'dept_inspector'],
      menu: { order: 15, icon: 'DataAnalysis' },
    },
  },
]

export default routes
