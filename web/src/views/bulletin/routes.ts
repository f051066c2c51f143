import type { RouteRecordRaw } from 'vue-router'
import type { Role } from '../../format'

const roles: Role[] = ['oversight', 'supervision', 'admin']

const routes: RouteRecordRaw[] = [
  {
    path: '/bulletin',
    name: 'bulletin',
    component: () => import('./BulletinPage.vue'),
    meta: { title: '季度通报', roles, menu: { order: 62, icon: 'Histogram' } },
  },
  {
    path: '/bulletin/print',
    name: 'bulletin-print',
    component: () => import('./BulletinPrint.vue'),
    meta: { title: '季度通报（打印）', roles },
  },
]

export default routes
