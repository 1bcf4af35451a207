import { ref } from 'vue'

// One asynchronous job of a page (a load, a submit) with its busy flag and its
// error: run() clears the error, runs fn and keeps what it threw. Only the
// latest run counts: an answer that comes after a newer run started is dropped
// (run resolves to undefined for it), so a slow old answer never overwrites a new one.
export function useTask(fn) {
  const busy = ref(false)
  const error = ref(null)
  let seq = 0

  async function run(...args) {
    const my = ++seq
    busy.value = true
    error.value = null
    try {
      const result = await fn(...args)
      return my === seq ? result : undefined
    } catch (e) {
      if (my === seq) error.value = e
      return undefined
    } finally {
      if (my === seq) busy.value = false
    }
  }

  return { busy, error, run }
}
