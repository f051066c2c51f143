import type { RouteRecordRaw } from 'vue-router'

// 消息通知: every signed-in account has an inbox; the routing table (who
// hears which event) is the administrator's, under 系统管理.
const routes: RouteRecordRaw[] = [
  {
    path: '/notifications',
    name: 'notifications',
    component: () => import('./NotificationList.vue'),
    meta: { title: '消息通知', menu: { order: 12, icon: 'Message' } },
  },
  {
    path: '/admin/notifications',
    name: 'admin-notifications',
    component: () => import('./RoutesEditor.vue'),
    meta: { title: '通知规则', roles: ['admin'], menu: { order: 96, icon: 'Share', group: '系统管理' } },
  },
]

export default routes
