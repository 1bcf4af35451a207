import { createApp } from 'vue'
import { createPinia } from 'pinia'
import 'element-plus/dist/index.css'
import App from './App.vue'
import { router } from './router.js'
import { i18n } from './i18n'
import { onUnauthorized } from './api/auth.js'
import { useSession } from './stores/session.js'
import './style.css'

const app = createApp(App)
const pinia = createPinia()
app.use(pinia)
app.use(i18n)
app.use(router)

const session = useSession(pinia)
session.initLang()

// A session that ended (idle, expired, revoked): log in again, then come back here.
onUnauthorized(() => {
  session.clear()
  const here = router.currentRoute.value
  if (here.path !== '/login') {
    router.push({ path: '/login', query: { redirect: here.fullPath } })
  }
})

app.mount('#app')
