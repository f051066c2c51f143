import type { RouteRecordRaw } from 'vue-router'
import type { Role } from '../../format'
import { page } from '../../router/page'

const roles: Role[] = ['oversight', 'supervision', 'admin']

const routes: RouteRecordRaw[] = [
  page('/bulletin', 'bulletin', () => import('./BulletinPage.vue'), { title: '季度通报', roles, menu: { order: 62, icon: 'Histogram' } }),
  page('/bulletin/print', 'bulletin-print', () => import('./BulletinPrint.vue'), { title: '季度通报（打印）', roles }),
]

export default routes
