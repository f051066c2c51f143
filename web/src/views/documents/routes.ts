import type { RouteRecordRaw } from 'vue-router'
import type { Role } from '../../format'
import { page } from '../../router/page'

// Documents are read by the offices and by the departments they are sent to.
const readers: Role[] = ['admin', 'oversight', 'supervision', 'dept_admin', 'dept_inspector']

const routes: RouteRecordRaw[] = [
  page('/documents', 'documents', () => import('./DocumentList.vue'), { title: '文书', roles: readers, menu: { order: 47, icon: 'Files' } }),
  page('/documents/:id', 'document-print', () => import('./DocumentPrint.vue'), { title: '文书打印', roles: readers }),
]

export default routes
