import type { RouteRecordRaw } from 'vue-router'
import { page } from '../../router/page'

// 策略工作台: the legal affairs office edits, tests, dry-runs, publishes and
// rolls back the Rego policies; every other role reads the modules in
// force, the history and the rule catalogue. The editor (CodeMirror) is
// loaded with this page only.
const routes: RouteRecordRaw[] = [
  page('/policies', 'policies', () => import('./PolicyWorkbench.vue'), { title: '策略工作台', menu: { order: 80, icon: 'EditPen' } }),
]

export default routes
