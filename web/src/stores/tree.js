// The scope tree's shared state: the path to open (the ancestors of the node
// on screen, so a deep link or a link from a list shows where it is), and
// requests from pages to reload the children of nodes they changed.
import { defineStore } from 'pinia'
import { ref } from 'vue'

export const useTreeStore = defineStore('tree', () => {
  const path = ref([])
  const listeners = new Set()

  function setPath(ids) {
    if (ids.join('/') !== path.value.join('/')) path.value = ids
  }

  function onRefresh(fn) {
    listeners.add(fn)
    return () => listeners.delete(fn)
  }

  function refresh(...ids) {
    const wanted = ids.filter((id) => id !== null && id !== undefined)
    for (const fn of listeners) fn(wanted)
  }

  return { path, setPath, onRefresh, refresh }
})
