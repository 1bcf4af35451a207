// The inbox count in the header: GET /api/v1/inbox's total, asked for again on
// every navigation, after every move on a case and once a minute.
import { defineStore } from 'pinia'
import { ref } from 'vue'
import { cases } from '../api/cases.js'

export const useInbox = defineStore('inbox', () => {
  const total = ref(null)
  const parts = ref(null)
  let seq = 0

  async function refresh() {
    const my = ++seq
    try {
      const res = await cases.inbox()
      if (my !== seq) return res
      parts.value = res
      total.value = res.total
      return res
    } catch (e) {
      if (my === seq) total.value = null
      throw e
    }
  }

  function clear() {
    seq++
    total.value = null
    parts.value = null
  }

  return { total, parts, refresh, clear }
})
