import { reactive } from 'vue'

// Keyset pages: the API answers {items, next}; the next page is asked for with
// after=<next>. A stack of the cursors seen lets the user go back. A list that
// answers a total (`total` beside `items`: every keyset list of the API, counted up
// to the server's cap, `total_capped` above it) has it kept in `total` and shown (共 N 条,
// 共 N+ 条 when capped); else `total` stays null and only the page number shows.
// List pages use it through composables/useListPage.js.
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
    cursors: [null],
    limit,
    async loadAt(i) {
      const my = ++seq
      state.loading = true
      state.error = null
      try {
        const res = await fetchPage({ after: state.cursors[i] ?? undefined, limit: state.limit })
        if (my !== seq) return
        state.items = res.items
        state.next = res.next
        state.total = typeof res.total === 'number' ? res.total : null
        state.totalCapped = res.total_capped === true
        state.page = i
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
      state.cursors = state.cursors.slice(0, state.page + 1).concat([state.next])
      return state.loadAt(state.page + 1)
    },
    prevPage() {
      return state.page > 0 ? state.loadAt(state.page - 1) : undefined
    },
  })
  return state
}
