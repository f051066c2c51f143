import type { RouteRecordRaw } from 'vue-router'
import { page } from '../../router/page'

// 系统管理: one sub-menu (group), ordered after the daily work (90+).
const group = '系统管理'

const routes: RouteRecordRaw[] = [
  page('/admin/departments', 'admin-departments', () => import('./DepartmentList.vue'), { title: '部门', roles: ['admin'], menu: { order: 90, icon: 'OfficeBuilding', group } }),
  // dept_admin manages its own department's clerks and reads its inspectors;
  // supervision reads every department's inspectors.
  page('/admin/accounts', 'admin-accounts', () => import('./AccountList.vue'), { title: '账号', roles: ['admin', 'dept_admin', 'supervision'], menu: { order: 91, icon: 'User', group } }),
  // The admin edits; every account may read the calendar (GET /calendar is open to all).
  page('/admin/calendar', 'admin-calendar', () => import('./CalendarEditor.vue'), { title: '节假日', menu: { order: 92, icon: 'Calendar', group } }),
  page('/admin/status', 'admin-status', () => import('./SystemStatus.vue'), { title: '系统状态', roles: ['admin'], menu: { order: 93, icon: 'Monitor', group } }),
  page('/admin/audit', 'admin-audit', () => import('./AuditLog.vue'), { title: '审计日志', roles: ['admin', 'supervision'], menu: { order: 94, icon: 'Tickets', group } }),
  page('/admin/webhooks', 'admin-webhooks', () => import('./Webhooks.vue'), { title: '外部推送', roles: ['admin'], menu: { order: 95, icon: 'Promotion', group } }),
]

export default routes
