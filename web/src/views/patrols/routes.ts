import type { RouteRecordRaw } from 'vue-router'
import type { Role } from '../../format'
import { page } from '../../router/page'

// dept_inspector records; the others read the ledger (GET /ledgers/patrols is open to every account).
const roles: Role[] = ['dept_inspector', 'dept_admin', 'oversight', 'supervision', 'admin']

const routes: RouteRecordRaw[] = [page('/patrols', 'patrols', () => import('./PatrolsPage.vue'), { title: '日常巡查', roles, menu: { order: 50, icon: 'View' } })]

export default routes
