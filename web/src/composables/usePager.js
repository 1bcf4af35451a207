import { reactive } from 'vue'

// Keyset pages: the API answers {items, next}; the next page is asked for with
// after=<next>. The cursors seen are kept by page number, so the user can go back.
// A list that answers a total (`total` beside `items`: every keyset list of the API,
// counted up to the server's cap, `total_capped` above it) has it kept in `total` and
// shown (共 N 条, 共 N+ 条 when capped), with the number of pages; else `total` stays
// null and only the page number shows.
//
// Jumping to page n: the API has no offsets (keyset pages, never OFFSET on big
// tables), so the cursor of page n is found by asking, from the nearest page whose
// cursor is known, for the rows in between in pages of up to JUMP_STEP rows (the
// API's largest page): a page's `next` is the cursor after its last row, whatever
// its size, so one answer of 200 rows moves 10 pages of 20 ahead. Reading rows only
// to skip them costs what they weigh, so a jump skips at most JUMP_MAX_ROWS rows
// (`jumpRefused` is then 'far'; filters narrow a list faster), and a page past the
// end of a list without a known total leaves the list where it was ('end'). docs/web.md.
export const JUMP_STEP = 200
export const JUMP_MAX_ROWS = 10000

export function usePager(fetchPage, limit = 20) {
  let seq = 0
  const state = reactive({
    items: [],
    loading: false,
    error: null,
    next: null,
    total: null,
    totalCapped: false,
    page: 0,
    cursors: [null], // by page number; a page not yet reached has none
    limit,
    jumpRefused: '', // '', 'far' or 'end': why the last jump did not move
    // The number of pages, when the total is known and not capped.
    get pages() {
      return state.total != null && !state.totalCapped ? Math.max(1, Math.ceil(state.total / state.limit)) : null
    },
    async loadAt(i) {
      const my = ++seq
      state.loading = true
      state.error = null
      state.jumpRefused = ''
      try {
        const after = await cursorOf(i, my)
        if (my !== seq) return
        if (after === undefined) {
          // Too far, or beyond the last page: stay where the list was.
          state.jumpRefused ||= 'end'
          return
        }
        const res = await fetchPage({ after: after ?? undefined, limit: state.limit })
        if (my !== seq) return
        state.items = res.items
        state.next = res.next
        state.total = typeof res.total === 'number' ? res.total : null
        state.totalCapped = res.total_capped === true
        state.page = i
        if (res.next) state.cursors[i + 1] = res.next
      } catch (e) {
        if (my !== seq) return
        state.error = e
        state.items = []
      } finally {
        if (my === seq) state.loading = false
      }
    },
    reset() {
      state.cursors = [null]
      return state.loadAt(0)
    },
    reload() {
      return state.loadAt(state.page)
    },
    nextPage() {
      if (!state.next) return undefined
      state.cursors[state.page + 1] = state.next
      return state.loadAt(state.page + 1)
    },
    prevPage() {
      return state.page > 0 ? state.loadAt(state.page - 1) : undefined
    },
    // Page n (1-based), as the jump box asks; pages past the end are not asked for.
    jump(n) {
      const i = Math.floor(Number(n)) - 1
      if (!(i >= 0) || i === state.page || (state.pages != null && i >= state.pages)) return undefined
      return state.loadAt(i)
    },
  })

  // The cursor page i starts after (null for the first page), found from the
  // nearest known one below; undefined when the list ends before page i or the
  // rows to skip are too many (jumpRefused 'far').
  async function cursorOf(i, my) {
    let j = i
    while (j > 0 && state.cursors[j] === undefined) j--
    if ((i - j) * state.limit > JUMP_MAX_ROWS) {
      state.jumpRefused = 'far'
      return undefined
    }
    const per = Math.max(1, Math.floor(JUMP_STEP / state.limit))
    while (j < i) {
      const step = Math.min(per, i - j)
      const res = await fetchPage({ after: state.cursors[j] ?? undefined, limit: step * state.limit })
      if (my !== seq || !res.next) return undefined
      j += step
      state.cursors[j] = res.next
    }
    return state.cursors[i]
  }

  return state
}
