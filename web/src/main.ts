import { createApp } from 'vue'
import { createPinia } from 'pinia'
import ElementPlus, { ElMessage } from 'element-plus'
import zhCn from 'element-plus/es/locale/lang/zh-cn'
import dayjs from 'dayjs'
import 'dayjs/locale/zh-cn'
import * as ElementPlusIcons from '@element-plus/icons-vue'
import 'element-plus/dist/index.css'
import './styles.css'

import App from './App.vue'
import router from './router'
import { configureApi } from './api'
import { useSessionStore } from './stores/session'

const app = createApp(App)
const pinia = createPinia()
app.use(pinia)
// Element Plus's date pickers and calendar follow dayjs: weeks start on Monday.
dayjs.locale('zh-cn')
app.use(ElementPlus, { locale: zhCn })
for (const [name, component] of Object.entries(ElementPlusIcons)) {
  app.component(name, component)
}

const session = useSessionStore(pinia)
configureApi({
  csrfToken: () => session.account?.csrf_token,
  onUnauthorized: () => {
    const wasSignedIn = session.account !== null
    session.clear()
    const here = router.currentRoute.value
    if (!here.meta.public) {
      if (wasSignedIn) ElMessage.warning({ message: '登录已过期，请重新登录', grouping: true })
      void router.replace({ path: '/login', query: here.fullPath !== '/' ? { redirect: here.fullPath } : {} })
    }
  },
  onPasswordChangeRequired: () => {
    if (session.account) session.account.must_change_password = true
    if (router.currentRoute.value.path !== '/password') void router.replace('/password')
  },
})

app.use(router)
app.mount('#app')
