// The signed-in user, the CSRF token and the UI language.
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { ApiError, login as apiLogin, logout as apiLogout, me, setApiLanguage, setCsrfToken } from '../api/auth.js'
import { users } from '../api/users.js'
import { DEFAULT_LANG, applyLang, normaliseLang } from '../i18n'
import { ORG_PAGE_PERMS } from '../orgPages.js'

const LAST_LANG = 'jiceng.lang' // the login page's language: the last one used here
const userLangKey = (id) => `jiceng.lang.user.${id}` // kept here when the account cannot store it

function stored(key) {
  try {
    return localStorage.getItem(key)
  } catch {
    return null
  }
}

function store(key, value) {
  try {
    if (value === null) localStorage.removeItem(key)
    else localStorage.setItem(key, value)
  } catch {
    /* private mode: the choice lasts for this page only */
  }
}

export const useSession = defineStore('session', () => {
  const user = ref(null)
  const loaded = ref(false)
  const lang = ref(DEFAULT_LANG)

  const permissions = computed(() => new Set(user.value?.permissions || []))
  const can = (perm) => permissions.value.has(perm)
  // Whether any page of the tree is for this user: staff, party members, delegates. A
  // resident (org.read alone) has none: their console is their own cases and reports.
  const hasOrgPages = computed(() => ORG_PAGE_PERMS.some(can))
  // A grid worker and nothing more senior (no admin or org_staff grant): their start page is their work.
  const roles = computed(() => new Set((user.value?.grants || []).map((g) => g.role)))
  const isGridWorker = computed(() => roles.value.has('grid_worker') && !roles.value.has('admin') && !roles.value.has('org_staff'))

  function useLang(l) {
    lang.value = applyLang(l)
    setApiLanguage(lang.value)
    store(LAST_LANG, lang.value)
  }

  function initLang() {
    useLang(normaliseLang(stored(LAST_LANG) || DEFAULT_LANG))
  }

  function signedIn({ user: u, csrf_token: csrf }) {
    user.value = u
    setCsrfToken(csrf)
    loaded.value = true
    useLang(stored(userLangKey(u.id)) || u.lang || DEFAULT_LANG)
  }

  // Who is signed in, if anyone (a 401 here is an answer, not an error).
  async function load() {
    try {
      signedIn(await me())
    } catch {
      // 401: nobody; anything else: the login page will show what the server says.
      clear()
    }
    loaded.value = true
  }

  async function login(username, password) {
    signedIn(await apiLogin(username, password))
  }

  function clear() {
    user.value = null
    setCsrfToken(null)
  }

  async function logout() {
    try {
      await apiLogout()
    } finally {
      clear()
    }
  }

  // Switch now; keep the choice in the account when allowed, else in this browser.
  async function setLang(l) {
    useLang(normaliseLang(l))
    const u = user.value
    if (!u) return
    if (can('user.write')) {
      try {
        const updated = await users.update(u.id, { lang: lang.value })
        user.value = { ...u, lang: updated?.lang ?? lang.value, version: updated?.version ?? u.version }
        store(userLangKey(u.id), null)
        return
      } catch (e) {
        if (e instanceof ApiError && e.status === 401) return
      }
    }
    store(userLangKey(u.id), lang.value)
  }

  return { user, loaded, lang, permissions, can, hasOrgPages, isGridWorker, initLang, load, login, logout, clear, setLang }
})
