// The search behind a remote el-select (a picker): the latest answer wins (an
// older one arriving late is dropped), its error is kept to show in the list,
// and opening the list before anything was asked fetches the first page.
// find(q) answers the options for the text typed ('' for none).
import { ref } from 'vue'

export function useRemoteSearch(find, initial = []) {
  const options = ref(initial)
  const loading = ref(false)
  const error = ref('')
  let seq = 0
  let searched = false

  async function search(q) {
    const my = ++seq
    searched = true
    loading.value = true
    error.value = ''
    try {
      const found = await find(q || '')
      if (my === seq) options.value = found
    } catch (e) {
      if (my === seq) {
        options.value = []
        error.value = e.message
      }
    } finally {
      if (my === seq) loading.value = false
    }
  }

  // Typing opens the list too, its own search already asked: that one is not overtaken.
  function onVisible(open) {
    if (open && !searched) search('')
  }

  return { options, loading, error, search, onVisible }
}
