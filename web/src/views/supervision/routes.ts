import type { RouteRecordRaw } from 'vue-router'
import type { Role } from '../../format'
import { page } from '../../router/page'

// 抽查 and 移送: the supervision bureau's work; the government affairs office
// reads them (internal/httpapi/server.go permissions).
const roles: Role[] = ['supervision', 'oversight']

const routes: RouteRecordRaw[] = [
  page('/spot-checks', 'spot-checks', () => import('./SpotCheckList.vue'), { title: '重点抽查', roles, menu: { order: 40, icon: 'Finished' } }),
  page('/spot-checks/:id', 'spot-check', () => import('./SpotCheckDetail.vue'), { title: '抽查详情', roles }),
  page('/referrals', 'referrals', () => import('./ReferralList.vue'), { title: '移送案件', roles, menu: { order: 45, icon: 'Promotion' } }),
]

export default routes
