import type { RouteRecordRaw } from 'vue-router'
import { page } from '../../router/page'

// 消息通知: every signed-in account has an inbox; the routing table (who
// hears which event) is the administrator's, under 系统管理.
const routes: RouteRecordRaw[] = [
  page('/notifications', 'notifications', () => import('./NotificationList.vue'), { title: '消息通知', menu: { order: 12, icon: 'Message' } }),
  page('/admin/notifications', 'admin-notifications', () => import('./RoutesEditor.vue'), {
    title: '通知规则',
    roles: ['admin'],
    menu: { order: 96, icon: 'Share', group: '系统管理' },
  }),
]

export default routes
