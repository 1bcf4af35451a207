// One record a page shows by its id: loaded when the id changes (a late
// answer for an earlier id is dropped), with its loading state and error
// (a 404 shows the NotFound page). `load()` asks again (after a 409).
import { ref, watch } from 'vue'

export function useRecord(get, id) {
  const data = ref(null)
  const loading = ref(false)
  const error = ref(null)
  let seq = 0
  async function load() {
    const my = ++seq
    loading.value = true
    try {
      const v = await get(id())
      if (my === seq) {
        data.value = v
        error.value = null
      }
    } catch (e) {
      if (my === seq) error.value = e
    } finally {
      if (my === seq) loading.value = false
    }
  }
  watch(id, load, { immediate: true })
  return { data, loading, error, load }
}
