// Every list page: a page of the API's list at a time (usePager), its filters kept
// in the address (a reload, back and forward, and a link from a dashboard card
// land on the same list), the page size, the sort, and the API query of the filters
// the list on screen was asked with (an export sends exactly that).
//
//   const list = useListPage({
//     filters: { q: '', status: { default: '', ok: (v) => STATUSES.includes(v) } },
//     query: (f) => ({ org: props.org.id, q: f.q.trim() || undefined }),
//     fetchPage: units.list,
//     sorts: ['name', 'created_at'],
//   })
//   list.filters: what the form shows; list.search(): ask with them (and put them in the address);
//   list.pager: items, loading, error, total, pages (ListState shows it); list.apiQuery(): for an export.
//   Sort: the columns the API's list declares (its ?sort= values without '-'); the table's
//   columns of those props are `sortable="custom"`, `@sort-change="list.sortChange"` and
//   `:default-sort="list.defaultSort"`; `?sort=name` / `?sort=-name` in the address.
import { computed, reactive, watch } from 'vue'
import { useRoute, useRouter } from 'vue-router'
import { usePager } from './usePager.js'

export const PAGE_SIZES = [10, 20, 50, 100]
export const DEFAULT_PAGE_SIZE = 20

// A filter's declaration: a default value (a string or a boolean), or
// { default, ok(value) } when only some values of the address are taken, or
// { default: null, id: true } for a record's id (a number).
function declare(spec) {
  return Object.fromEntries(
    Object.entries(spec).map(([k, d]) => [k, d !== null && typeof d === 'object' ? { ok: () => true, ...d } : { default: d, ok: () => true }]),
  )
}

// A filter's value from the address, or its default when absent or not taken.
function parse(raw, d) {
  if (typeof d.default === 'boolean') return raw === undefined ? d.default : raw === '1'
  if (d.id) return typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : d.default
  const v = typeof raw === 'string' ? raw : ''
  return v !== '' && d.ok(v) ? v : d.default
}

// A filter's value for the address: undefined when it is the default.
function shown(v, d) {
  if (typeof d.default === 'boolean') return v === d.default ? undefined : v ? '1' : '0'
  const s = String(v ?? '').trim()
  return s === '' || s === d.default ? undefined : s
}

export function useListPage({ filters: spec = {}, query = (f) => f, fetchPage, sorts = [] }) {
  if (typeof fetchPage !== 'function') throw new TypeError('useListPage: fetchPage is the family API call of one page')
  const route = useRoute()
  const router = useRouter()
  const page = route.name // the watch below is for this page's address, not the next page's
  const decl = declare(spec)
  const owned = [...Object.keys(decl), 'limit', 'sort']

  const fromAddress = (q) => Object.fromEntries(Object.entries(decl).map(([k, d]) => [k, parse(q[k], d)]))
  const sizeFrom = (q) => (PAGE_SIZES.includes(Number(q.limit)) ? Number(q.limit) : DEFAULT_PAGE_SIZE)
  // The sort: '' (the API's own order), 'name' ascending or '-name' descending.
  const sortFrom = (q) => (typeof q.sort === 'string' && sorts.includes(q.sort.replace(/^-/, '')) ? q.sort : '')
  const order = reactive({ sort: sortFrom(route.query) })

  const filters = reactive(fromAddress(route.query))
  const applied = reactive({ ...filters }) // what the list on screen was asked with
  const apiQuery = () => query(applied)
  const pager = usePager(
    ({ after, limit }) => fetchPage({ ...apiQuery(), ...(order.sort ? { sort: order.sort } : {}), after, limit }),
    sizeFrom(route.query),
  )

  // The address of the list now: the other keys of the page's address stay.
  function address() {
    const q = { ...route.query }
    for (const k of owned) delete q[k]
    for (const [k, d] of Object.entries(decl)) {
      const v = shown(applied[k], d)
      if (v !== undefined) q[k] = v
    }
    if (pager.limit !== DEFAULT_PAGE_SIZE) q.limit = String(pager.limit)
    if (order.sort) q.sort = order.sort
    return q
  }
  const sameAddress = (a, b) => owned.every((k) => (a[k] ?? '') === (b[k] ?? ''))

  function search() {
    Object.assign(applied, filters)
    const q = address()
    if (!sameAddress(q, route.query)) router.replace({ query: q })
    return pager.reset()
  }

  function clear() {
    for (const [k, d] of Object.entries(decl)) filters[k] = d.default
    return search()
  }

  // The page size: the first page again at the new size.
  pager.resize = (n) => {
    if (!PAGE_SIZES.includes(n)) return undefined
    pager.limit = n
    return search()
  }

  // A header clicked (el-table's sort-change): the first page in that order.
  function sortChange({ prop, order: dir }) {
    order.sort = dir && sorts.includes(prop) ? (dir === 'descending' ? '-' : '') + prop : ''
    return search()
  }
  // The order of the address, for the table's default-sort (its header's arrow).
  const defaultSort = computed(() =>
    order.sort ? { prop: order.sort.replace(/^-/, ''), order: order.sort.startsWith('-') ? 'descending' : 'ascending' } : undefined,
  )

  // The address changed under the list (back, forward, a link to this page with
  // other filters): ask with what it says now.
  watch(
    () => route.query,
    (q) => {
      if (route.name !== page || sameAddress(q, address())) return
      Object.assign(filters, fromAddress(q))
      Object.assign(applied, filters)
      pager.limit = sizeFrom(q)
      order.sort = sortFrom(q)
      pager.reset()
    },
  )

  pager.reset()
  return { pager, filters, applied, search, clear, apiQuery, sortChange, defaultSort, order }
}
