// A list the server keeps of codes with a Chinese and an English name (resident
// tags, case categories): asked for once per session and named in the UI's language.
import { defineStore } from 'pinia'
import { ref } from 'vue'
import { useSession } from './session.js'
import { i18n } from '../i18n'

// fetchItems: the family's call answering {items: [{code, name_zh, name_en}]}.
export function defineVocabulary(id, fetchItems) {
  return defineStore(id, () => {
    const items = ref([])
    const error = ref(null)
    let pending = null

    function load() {
      if (items.value.length) return Promise.resolve(items.value)
      if (!pending) {
        error.value = null
        pending = fetchItems()
          .then((res) => {
            items.value = res.items
            return items.value
          })
          .catch((e) => {
            error.value = e
            return []
          })
          .finally(() => {
            pending = null
          })
      }
      return pending
    }

    // The name in the current language; when the server's list does not have it (not
    // loaded, not allowed), the dictionary's name of the code, never the code itself.
    function name(code) {
      const session = useSession()
      const x = items.value.find((i) => i.code === code)
      if (x) return session.lang === 'en' ? x.name_en : x.name_zh
      const t = i18n.global.t
      return i18n.global.te(`vocab.${id}.${code}`, 'zh-CN') ? t(`vocab.${id}.${code}`) : t('vocab.unknown')
    }

    function clear() {
      items.value = []
    }

    return { items, error, load, name, clear }
  })
}
