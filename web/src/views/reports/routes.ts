import type { RouteRecordRaw } from 'vue-router'

const routes: RouteRecordRaw[] = [
  {
    path: '/reports/monthly',
    name: 'monthly-report',
    component: () => import('./MonthlyReport.vue'),
    meta: {
      title: '月报',
      // dept_admin reads its own department and submits the explanation; the district offices read every department.
      roles: ['dept_admin', 'oversight', 'supervision', 'admin'],
      menu: { order: 60, icon: 'Document' },
    },
  },
]

export default routes
