import type { RouteRecordRaw } from 'vue-router'

// 系统管理: one sub-menu (group), ordered after the daily work (90+).
const group = '系统管理'

const routes: RouteRecordRaw[] = [
  {
    path: '/admin/departments',
    name: 'admin-departments',
    component: () => import('./DepartmentList.vue'),
    meta: { title: '部门', roles: ['admin'], menu: { order: 90, icon: 'OfficeBuilding', group } },
  },
  {
    path: '/admin/accounts',
    name: 'admin-accounts',
    component: () => import('./AccountList.vue'),
    // dept_admin manages its own department's clerks and reads its inspectors;
    // supervision reads every department's inspectors.
    meta: { title: '账号', roles: ['admin', 'dept_admin', 'supervision'], menu: { order: 91, icon: 'User', group } },
  },
  {
    path: '/admin/calendar',
    name: 'admin-calendar',
    component: () => import('./CalendarEditor.vue'),
    // The admin edits; every account may read the calendar (GET /calendar is open to all).
    meta: { title: '节假日', menu: { order: 92, icon: 'Calendar', group } },
  },
  {
    path: '/admin/status',
    name: 'admin-status',
    component: () => import('./SystemStatus.vue'),
    meta: { title: '系统状态', roles: ['admin'], menu: { order: 93, icon: 'Monitor', group } },
  },
  {
    path: '/admin/audit',
    name: 'admin-audit',
    component: () => import('./AuditLog.vue'),
    meta: { title: '审计日志', roles: ['admin', 'supervision'], menu: { order: 94, icon: 'Tickets', group } },
  },
  {
    path: '/admin/webhooks',
    name: 'admin-webhooks',
    component: () => import('./Webhooks.vue'),
    meta: { title: '外部推送', roles: ['admin'], menu: { order: 95, icon: 'Promotion', group } },
  },
]

export default routes
