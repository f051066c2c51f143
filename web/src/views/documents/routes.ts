import type { RouteRecordRaw } from 'vue-router'
import type { Role } from '../../format'

// Documents are read by the offices and by the departments they are sent to.
const readers: Role[] = ['admin', 'oversight', 'supervision', 'dept_admin', 'dept_inspector']

const routes: RouteRecordRaw[] = [
  {
    path: '/documents',
    name: 'documents',
    component: () => import('./DocumentList.vue'),
    meta: { title: '文书', roles: readers, menu: { order: 47, icon: 'Files' } },
  },
  {
    path: '/documents/:id',
    name: 'document-print',
    component: () => import('./DocumentPrint.vue'),
    meta: { title: '文书打印', roles: readers },
  },
]

export default routes
