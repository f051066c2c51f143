import type { RouteRecordRaw } from 'vue-router'
import { page } from '../../router/page'

// 办件: every role reads the cases of its scope; clerks and department admins
// also record steps (the pages show the forms only to them).
const routes: RouteRecordRaw[] = [
  page('/cases', 'cases', () => import('./CaseList.vue'), { title: '办件', menu: { order: 20, icon: 'Folder' } }),
  page('/cases/:caseNo', 'case-detail', () => import('./CaseDetail.vue'), { title: '办件详情' }),
]

export default routes
