import type { RouteRecordRaw } from 'vue-router'
import { page } from '../../router/page'

// 工作台: the layout's index page, for everyone.
const routes: RouteRecordRaw[] = [page('/', 'workbench', () => import('./Workbench.vue'), { title: '工作台', menu: { order: 10, icon: 'HomeFilled' } })]

export default routes
