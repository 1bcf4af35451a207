// One Idempotency-Key per thing being created: the same key for every attempt
// whose outcome is unknown (a double click, a retry after a network error or a
// 5xx), so the API creates it once and answers the repeats as the first; a new
// key once an attempt got a definite answer (created, or refused with a 4xx:
// the next attempt carries a changed body, which a used key would refuse).
// Usage: const once = useIdempotencyKey(); await once((key) => units.create(body, key))
export function newIdempotencyKey() {
  const bytes = new Uint8Array(16)
  crypto.getRandomValues(bytes) // unlike crypto.randomUUID, also on plain-http deployments
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}

export function useIdempotencyKey() {
  let key = null
  return async function once(fn) {
    key = key || newIdempotencyKey()
    const mine = key
    try {
      const result = await fn(mine)
      if (key === mine) key = null
      return result
    } catch (e) {
      if (key === mine && e?.status >= 400 && e.status < 500) key = null
      throw e
    }
  }
}
