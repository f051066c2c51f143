import type { RouteRecordRaw } from 'vue-router'

const routes: RouteRecordRaw[] = [
  {
    path: '/patrols',
    name: 'patrols',
    component: () => import('./PatrolsPage.vue'),
    meta: {
      title: '日常巡查',
      // dept_inspector records; the others read the ledger (GET /ledgers/patrols is open to every account).
      roles: ['dept_inspector', 'dept_admin', 'oversight', 'supervision', 'admin'],
      menu: { order: 50, icon: 'View' },
    },
  },
]

export default routes
