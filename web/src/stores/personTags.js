// The resident tags (独居老人, 低保户, ...): a list the server keeps, asked for
// once per session and named in the UI's language.
import { defineStore } from 'pinia'
import { ref } from 'vue'
import { api } from '../api.js'
import { useSession } from './session.js'

export const usePersonTags = defineStore('personTags', () => {
  const items = ref([])
  const error = ref(null)
  let pending = null

  function load() {
    if (items.value.length) return Promise.resolve(items.value)
    if (!pending) {
      error.value = null
      pending = api
        .get('/person-tags')
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

  // The tag's name in the current language; the code when the tag is unknown.
  function name(code) {
    const session = useSession()
    const tag = items.value.find((x) => x.code === code)
    if (!tag) return code
    return session.lang === 'en' ? tag.name_en : tag.name_zh
  }

  function clear() {
    items.value = []
  }

  return { items, error, load, name, clear }
})
