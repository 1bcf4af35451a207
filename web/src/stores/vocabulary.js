// A list the server keeps of codes with a Chinese and an English name (resident
// tags, case categories): asked for once per session and named in the UI's language.
import { defineStore } from 'pinia'
import { ref } from 'vue'
import { api } from '../api.js'
import { useSession } from './session.js'

export function defineVocabulary(id, path) {
  return defineStore(id, () => {
    const items = ref([])
    const error = ref(null)
    let pending = null

    function load() {
      if (items.value.length) return Promise.resolve(items.value)
      if (!pending) {
        error.value = null
        pending = api
          .get(path)
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

    // The name in the current language; the code when it is unknown.
    function name(code) {
      const session = useSession()
      const x = items.value.find((i) => i.code === code)
      if (!x) return code
      return session.lang === 'en' ? x.name_en : x.name_zh
    }

    function clear() {
      items.value = []
    }

    return { items, error, load, name, clear }
  })
}
