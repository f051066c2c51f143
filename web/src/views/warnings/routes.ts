import type { RouteRecordRaw } from 'vue-router'
import { page } from '../../router/page'

// 预警处置: every signed-in account may read the warnings of its scope
// (GET /api/v1/warnings is open to all; department accounts see their own
// department). Which lifecycle actions a row offers depends on the role.
const routes: RouteRecordRaw[] = [
  page('/warnings', 'warnings', () => import('./WarningList.vue'), { title: '预警处置', menu: { order: 30, icon: 'Bell' } }),
  page('/warnings/:id', 'warning', () => import('./WarningDetail.vue'), { title: '预警详情' }),
]

export default routes
