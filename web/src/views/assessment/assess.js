// What the assessment's pages share: the tree of a flat list (parent_id), the
// points as shown, the year of Asia/Shanghai, and a record page's route from the
// link a computed leaf carries ({page, query}).
import { ORG_PAGES } from '../../orgPages.js'
import { assessSources } from '../../api/assessment.js'

// Nested rows for el-table's tree (children under their parent_id, in the list's order).
export function nest(items, key = 'id') {
  const byId = new Map(items.map((i) => [i[key], { ...i, children: [] }]))
  const roots = []
  for (const row of byId.values()) {
    const parent = row.parent_id != null ? byId.get(row.parent_id) : null
    ;(parent ? parent.children : roots).push(row)
  }
  for (const row of byId.values()) if (!row.children.length) delete row.children
  return roots
}

// The rows of a nested tree in display order, each with its depth (the phone's cards).
export function flatten(rows, depth = 0, out = []) {
  for (const r of rows) {
    out.push({ ...r, depth })
    if (r.children) flatten(r.children, depth + 1, out)
  }
  return out
}

// Scores with their two decimals (a ranking's column lines up); other numbers as they are.
export const points = (v) => (v === null || v === undefined ? '—' : Number(v).toFixed(2))
export const plain = (v) => (v === null || v === undefined ? '—' : String(Number(Number(v).toFixed(4))))

export const shanghaiYear = () => new Date(Date.now() + 8 * 3600 * 1000).getUTCFullYear()

// A leaf's records: the node's page of that name (/orgs/:org/<page>) with the rest
// of the query as its filters, or a console page of that name; null when neither exists.
export function recordsRoute(link) {
  if (!link?.page) return null
  const { org, ...rest } = link.query || {}
  const query = Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, String(v)]))
  const tab = ORG_PAGES.find((p) => p.name === link.page || p.name === `org-${link.page}`)
  if (tab && org != null) return { name: tab.name, params: { id: String(org) }, query }
  return null
}

// The record sources (key, unit: ratio | count | points | number, page), asked once.
let sources = null
export function loadSources() {
  sources = sources || assessSources().then((r) => r.items, (e) => ((sources = null), Promise.reject(e)))
  return sources
}

// A leaf's measure as shown: a ratio in per cent, other units as numbers.
export function measureText(value, unit) {
  if (value === null || value === undefined) return '—'
  const n = Number(value)
  return unit === 'ratio' ? `${Number((n * 100).toFixed(1))}%` : String(Number(n.toFixed(2)))
}

// A leaf's params in words: 目标 0.9 · 下限 0.5, 降一档, 前20%→100% ...
export function paramsText(params, t) {
  const pct = (x) => `${Number((Number(x) * 100).toFixed(1))}%`
  return Object.entries(params || {})
    .map(([k, v]) => {
      if (k === 'effect') return t(`assess.effect.${v}`)
      if (k === 'lower_is_better') return v ? t('assess.param.lower_is_better') : ''
      if (k === 'steps' && Array.isArray(v)) return `${t('assess.param.steps')} ${v.map(([share, frac]) => `${pct(share)}→${pct(frac)}`).join('，')}`
      return `${t(`assess.param.${k}`)} ${v}`
    })
    .filter(Boolean)
    .join(' · ')
}
