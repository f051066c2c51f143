import type { RouteRecordRaw } from 'vue-router'
import type { Role } from '../../format'
import { page } from '../../router/page'

// 权力清单: every role reads the catalog; the legal office edits and approves
// (审定), a department admin proposes adjustments of its own department's
// items. One sub-menu, after the daily work.
const group = '权力清单'
const editors: Role[] = ['legal', 'dept_admin']

const routes: RouteRecordRaw[] = [
  page('/catalog', 'catalog', () => import('./CatalogList.vue'), { title: '事项目录', menu: { order: 70, icon: 'Notebook', group } }),
  page('/catalog/pending', 'catalog-pending', () => import('./PendingList.vue'), { title: '待审定调整', roles: editors, menu: { order: 71, icon: 'Stamp', group } }),
  page('/catalog/cleanup', 'catalog-cleanup', () => import('./CleanupList.vue'), { title: '清理清单', roles: ['legal', 'oversight', 'dept_admin'], menu: { order: 72, icon: 'Brush', group } }),
  page('/catalog/new', 'catalog-new', () => import('./ItemForm.vue'), { title: '新建事项', roles: editors }),
  page('/catalog/items/:code', 'catalog-item', () => import('./ItemDetail.vue'), { title: '事项详情' }),
  page('/catalog/items/:code/edit', 'catalog-edit', () => import('./ItemForm.vue'), { title: '编辑事项', roles: editors }),
]

export default routes
