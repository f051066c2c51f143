import type { RouteRecordRaw } from 'vue-router'

// 权力清单: every role reads the catalog; the legal office edits and approves
// (审定), a department admin proposes adjustments of its own department's
// items. One sub-menu, after the daily work.
const group = '权力清单'

const routes: RouteRecordRaw[] = [
  {
    path: '/catalog',
    name: 'catalog',
    component: () => import('./CatalogList.vue'),
    meta: { title: '事项目录', menu: { order: 70, icon: 'Notebook', group } },
  },
  {
    path: '/catalog/pending',
    name: 'catalog-pending',
    component: () => import('./PendingList.vue'),
    meta: { title: '待审定调整', roles: ['legal', 'dept_admin'], menu: { order: 71, icon: 'Stamp', group } },
  },
  {
    path: '/catalog/cleanup',
    name: 'catalog-cleanup',
    component: () => import('./CleanupList.vue'),
    meta: { title: '清理清单', roles: ['legal', 'oversight', 'dept_admin'], menu: { order: 72, icon: 'Brush', group } },
  },
  {
    path: '/catalog/new',
    name: 'catalog-new',
    component: () => import('./ItemForm.vue'),
    meta: { title: '新建事项', roles: ['legal', 'dept_admin'] },
  },
  {
    path: '/catalog/items/:code',
    name: 'catalog-item',
    component: () => import('./ItemDetail.vue'),
    meta: { title: '事项详情' },
  },
  {
    path: '/catalog/items/:code/edit',
    name: 'catalog-edit',
    component: () => import('./ItemForm.vue'),
    meta: { title: '编辑事项', roles: ['legal', 'dept_admin'] },
  },
]

export default routes
