import type { RouteRecordRaw } from 'vue-router'

// 抽查 and 移送: the supervision bureau's work; the government affairs office
// reads them (internal/httpapi/server.go permissions).
const routes: RouteRecordRaw[] = [
  {
    path: '/spot-checks',
    name: 'spot-checks',
    component: () => import('./SpotCheckList.vue'),
    meta: { title: '重点抽查', roles: ['supervision', 'oversight'], menu: { order: 40, icon: 'Finished' } },
  },
  {
    path: '/spot-checks/:id',
    name: 'spot-check',
    component: () => import('./SpotCheckDetail.vue'),
    meta: { title: '抽查详情', roles: ['supervision', 'oversight'] },
  },
  {
    path: '/referrals',
    name: 'referrals',
    component: () => import('./ReferralList.vue'),
    meta: { title: '移送案件', roles: ['supervision', 'oversight'], menu: { order: 45, icon: 'Promotion' } },
  },
]

export default routes
