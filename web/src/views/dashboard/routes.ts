import type { RouteRecordRaw } from 'vue-router'
import type { Role } from '../../format'
import { page } from '../../router/page'

// The district offices see every department; department leaders and inspectors their own.
const roles: Role[] = ['admin', 'oversight', 'supervision', 'dept_admin', 'dept_inspector']

const routes: RouteRecordRaw[] = [page('/dashboard', 'dashboard', () => import('./DashboardPage.vue'), { title: '监察看板', roles, menu: { order: 15, icon: 'DataAnalysis' } })]

export default routes
