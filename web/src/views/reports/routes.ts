import type { RouteRecordRaw } from 'vue-router'
import type { Role } from '../../format'
import { page } from '../../router/page'

// dept_admin reads its own department and submits the explanation; the district offices read every department.
const roles: Role[] = ['dept_admin', 'oversight', 'supervision', 'admin']

const routes: RouteRecordRaw[] = [page('/reports/monthly', 'monthly-report', () => import('./MonthlyReport.vue'), { title: '月报', roles, menu: { order: 60, icon: 'Document' } })]

export default routes
