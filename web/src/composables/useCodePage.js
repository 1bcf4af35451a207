// The page a scanned code opens (/checkin/<token>, /meeting-checkin/<token>):
// what the code names and the caller's state, loaded once (404: the `unknown`
// words), and the one act the page offers, sent once per press with its
// Idempotency-Key; the answer replaces the state.
import { onMounted, ref } from 'vue'
import { useIdempotencyKey } from './useIdempotencyKey.js'

export function useCodePage(token, { get, act, unknown }) {
  const state = ref(null)
  const error = ref('')
  const busy = ref(false)
  onMounted(async () => {
    try {
      state.value = await get(token)
    } catch (e) {
      error.value = e.status === 404 ? unknown() : e.message
    }
  })
  const once = useIdempotencyKey()
  async function send() {
    busy.value = true
    try {
      state.value = await once((k) => act(token, k))
      error.value = ''
    } catch (e) {
      error.value = e.message
    } finally {
      busy.value = false
    }
  }
  return { state, error, busy, send }
}
