// The inbox count in the header: the inbox's total (cases.inbox), asked for again on
// every navigation, after every move on a case, at once when the server says
// something was committed (cases.inboxEvents, docs/notifications.md) and
// once a minute, the fallback while that stream is down.
import { defineStore } from 'pinia'
import { ref } from 'vue'
import { cases } from '../api/cases.js'

export const useInbox = defineStore('inbox', () => {
  const total = ref(null)
  const parts = ref(null)
  let seq = 0
  let events = null
  let soon = null
  // Every open console hears every event: each reads its inbox within this
  // spread, not all in the same millisecond (docs/notifications.md).
  const SPREAD_MS = 1000

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

  // The event stream: (re)opened by listen, which the minute's refresh calls too,
  // so a stream the server refused (503, 401) or closed for good is tried again.
  // EventSource itself reconnects after a dropped connection (retry: 5 s).
  function listen() {
    if (typeof EventSource === 'undefined') return
    if (events && events.readyState !== EventSource.CLOSED) return
    events = cases.inboxEvents()
    events.addEventListener('inbox', () => {
      if (soon) return
      soon = setTimeout(() => {
        soon = null
        refresh().catch(() => {})
      }, Math.random() * SPREAD_MS)
    })
  }

  function stop() {
    if (events) events.close()
    events = null
    clearTimeout(soon)
    soon = null
  }

  function clear() {
    stop()
    seq++
    total.value = null
    parts.value = null
  }

  return { total, parts, refresh, listen, stop, clear }
})
