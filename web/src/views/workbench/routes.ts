import type { RouteRecordRaw } from 'vue-router'

// 工作台: the layout's index page, for everyone.
const routes: RouteRecordRaw[] = [
  {
    path: '/',
    name: 'workbench',
    component: () => import('./Workbench.vue'),
    meta: { title: '工作台', menu: { order: 10, icon: 'HomeFilled' } },
  },
]

export default routes
